"""Edits heard in the decoded audio: delete the bass, measure the power below 200 Hz (issue "Events that are notes").

For each clip: encode (default settings), delete `f0_hz < 200 and tonal_mix >= 0.5` as `eventcodec edit` does,
decode, and report how far the power below 200 Hz fell: events only, with the texture left as encoded
(`--texture-stays`), and with the texture following the edit (the default).

    .venv/bin/python benchmarks/edit_follow.py corpus/wes_frantic.wav corpus/wes_journeys_end.wav [--seconds 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from eventcodec import edit
from eventcodec.audio import load
from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.texture.follow import follow_edit
from eventcodec.types import SAMPLE_RATE

BASS_FILTER = "f0_hz < 200 and tonal_mix >= 0.5"


def low_power_db(x: np.ndarray, below_hz: float = 200.0) -> float:
    """Total power of `x` between 20 Hz and `below_hz`, dB."""
    spec = np.abs(np.fft.rfft(np.asarray(x, np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / SAMPLE_RATE)
    return float(10 * np.log10(spec[(f > 20) & (f < below_hz)].sum() + 1e-20))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args(argv)
    print("| clip | events deleted | events only (dB) | texture stays (dB) | texture follows (dB) |")
    print("|---|---:|---:|---:|---:|")
    for path in args.clips:
        audio, _ = load(path)
        audio = audio[: int(args.seconds * SAMPLE_RATE)]
        events = encode(audio, SAMPLE_RATE, "abs", EncodeOptions())
        bassless = edit.delete(events, BASS_FILTER)
        followed = follow_edit(events, bassless)
        ref, ref_ev = low_power_db(decode(events)), low_power_db(decode(events, texture=False))
        drops = (low_power_db(decode(bassless, texture=False)) - ref_ev, low_power_db(decode(bassless)) - ref,
                 low_power_db(decode(followed)) - ref)
        print(f"| {path.stem} | {len(events) - len(bassless)} of {len(events)} | "
              + " | ".join(f"{d:+.1f}" for d in drops) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
