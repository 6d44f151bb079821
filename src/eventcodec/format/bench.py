"""Bits per event of the .evc format: `python -m eventcodec.format.bench [FILE.evc ...]`.

Without files it measures synthetic controls-space sets with realistic statistics: onsets spread
over the clip, a few controls moving (normal around mid-range, sd 0.15), the rest at their defaults.
"""

from __future__ import annotations

import argparse
import io
import sys

import numpy as np

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.errors import FormatError
from eventcodec.format import EvcReader, decode_evc, encode_evc
from eventcodec.types import EventSet

MOVING = ("amp_db", "f0_hz", "decay_s", "brightness_hz", "tonal_mix", "attack_s", "shift_samples", "seed",
          "n_partials", "spectral_slope_db_oct", "room_wet", "body_mix", "noise_lowpass_hz", "hold_s",
          "morph_amount", "detune_cents")


def synthetic_set(events_per_s: float, n_moving: int, duration_s: float = 60.0, seed: int = 0) -> EventSet:
    """Controls-space events with `n_moving` controls varying and the others at their defaults."""
    rng = np.random.default_rng(seed)
    n_samples = int(duration_s * 22050)
    n = int(events_per_s * duration_s)
    vectors = np.tile(default_unit_vector(), (n, 1))
    for name in MOVING[:n_moving]:
        vectors[:, INDEX[name]] = np.clip(rng.normal(0.5, 0.15, n), 0, 1)
    return EventSet(np.sort(rng.integers(0, n_samples, n)), vectors, n_samples=n_samples,
                    meta={"encoder": "synthetic"})


def breakdown(data: bytes) -> dict[str, float]:
    """Sizes of a file's parts: header, chunk framing (13 B each), payloads, index + footer."""
    reader = EvcReader(io.BytesIO(data))
    n_chunks = reader.header.n_chunks
    index = n_chunks * 12 + 20
    framing = n_chunks * 13
    n_events = max(1, reader.header.n_events)
    return {"events": reader.header.n_events, "bytes": len(data), "bits/event": len(data) * 8 / n_events,
            "header": reader.header_end, "framing+index": framing + index,
            "payload bits/event": (len(data) - reader.header_end - framing - index) * 8 / n_events,
            "kbps": len(data) * 8 / max(reader.header.n_samples / reader.header.sample_rate, 1e-9) / 1000}


def _row(name: str, b: dict[str, float]) -> str:
    return (f"{name:<34} {int(b['events']):>7} {b['bits/event']:>10.1f} {b['payload bits/event']:>12.1f} "
            f"{int(b['header']):>7} {int(b['framing+index']):>9} {b['kbps']:>7.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="*", help=".evc files to measure (default: synthetic sets)")
    parser.add_argument("--bits", type=int, default=8, help="bits per value for the synthetic sets")
    args = parser.parse_args(argv)
    print(f"{'set':<34} {'events':>7} {'bits/event':>10} {'payload b/ev':>12} {'header':>7} {'frame+idx':>9} "
          f"{'kbps':>7}")
    if args.files:
        for path in args.files:
            with open(path, "rb") as f:
                data = f.read()
            try:
                events = decode_evc(data)
            except FormatError as e:
                print(f"{path[-34:]:<34} error: {e}")
                continue
            print(_row(path[-34:], breakdown(data)))
            again = encode_evc(events)
            print(_row("  (re-encoded at its quantizer)", breakdown(again)))
        return 0
    for events_per_s in (10.77, 30.0):
        for n_moving in (0, 2, 4, 8, 16):
            data = encode_evc(synthetic_set(events_per_s, n_moving), bits=args.bits)
            print(_row(f"{events_per_s:g} ev/s, {n_moving:2d} controls moving", breakdown(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
