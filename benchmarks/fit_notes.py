"""How closely a few events match isolated sounds of each kind: plucked, struck, bowed/blown, drums, noise.

The control space was chosen so that instrument notes, drums and noisy textures can each be matched with few
events. This fits each sample with the real codec (the `abs` encoder, events only, a low event rate, encode ->
bytes -> decode) and scores the result with ST-corr (log-mel envelope) and FS-corr (harmonic fine
structure) beside the flat noise vocoder (`eventcodec.bench.anchors`): the sample's own envelope as noise,
what a metric gives a signal with the right envelope and no pitch. Samples: CC0 sonic-pi-samples
(`apt-get install sonic-pi-samples`), never heard while the synthesizer or the encoder were tuned.

    .venv/bin/python benchmarks/fit_notes.py [--seconds 3] [--events-per-second 8] [--quality default]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from eventcodec import metrics
from eventcodec.audio import load
from eventcodec.bench.anchors import noise_vocoder
from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.types import SAMPLE_RATE, EventSet

SAMPLES_DIR = Path("/usr/share/sonic-pi/samples")
KINDS = {
    "plucked": ["ambi_piano", "bass_woodsy_c", "guit_harmonics", "elec_twang"],
    "struck": ["perc_bell", "elec_bell", "drum_tom_mid_hard", "tabla_na"],
    "bowed / blown": ["ambi_glass_rub", "ambi_choir", "ambi_drone", "ambi_glass_hum"],
    "drums": ["bd_808", "drum_snare_hard", "drum_cymbal_open", "drum_cowbell"],
    "noise": ["vinyl_hiss", "perc_swash", "ambi_swoosh", "ambi_dark_woosh"],
}


def fit(x: np.ndarray, quality: str, events_per_second: float) -> tuple[np.ndarray, int]:
    """Encode events only at a low rate, through the file bytes, and decode: (decoded, number of events)."""
    events = encode(x, SAMPLE_RATE, "abs", EncodeOptions(quality=quality, events_per_second=events_per_second,
                                                         texture=False))
    events = EventSet.from_bytes(events.to_bytes())
    return decode(events)[: len(x)], len(events)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=3.0, help="the first seconds of each sample")
    p.add_argument("--events-per-second", type=float, default=8.0, help="the encoder's event-rate ceiling")
    p.add_argument("--quality", default="default", help="encoder preset")
    a = p.parse_args()
    if not SAMPLES_DIR.is_dir():
        print(f"fit_notes: {SAMPLES_DIR} is missing: apt-get install sonic-pi-samples", file=sys.stderr)
        return 2
    torch.set_num_threads(2)
    print(f"fit of each sample's first {a.seconds:g} s, `{a.quality}`, events only, at most "
          f"{a.events_per_second:g} events/s")
    print("| kind | sample | s | events | ST-corr | anchor ST | FS-corr | anchor FS | MR-STFT |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    means: dict[str, list[np.ndarray]] = {}
    for kind, names in KINDS.items():
        for name in names:
            x, _ = load(SAMPLES_DIR / f"{name}.flac")
            x = x[: int(a.seconds * SAMPLE_RATE)]
            y, n_events = fit(x, a.quality, a.events_per_second)
            anchor = noise_vocoder(x, SAMPLE_RATE)
            row = np.array([metrics.st_corr(x, y, SAMPLE_RATE), metrics.st_corr(x, anchor, SAMPLE_RATE),
                            metrics.fs_corr(x, y, SAMPLE_RATE), metrics.fs_corr(x, anchor, SAMPLE_RATE),
                            metrics.mrstft(x, y, SAMPLE_RATE)])
            means.setdefault(kind, []).append(row)
            print(f"| {kind} | {name} | {len(x) / SAMPLE_RATE:.2f} | {n_events} | "
                  + " | ".join(f"{v:.3f}" for v in row) + " |", flush=True)
    print("\n| kind | ST-corr | anchor ST | FS-corr | anchor FS | MR-STFT |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, rows in means.items():
        print(f"| {kind} | " + " | ".join(f"{v:.3f}" for v in np.mean(rows, axis=0)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
