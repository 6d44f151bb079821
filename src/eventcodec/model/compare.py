"""Benchmark: the learned encoder vs analysis-by-synthesis on held-out clips, printed as a table.

    python -m eventcodec.model.compare --checkpoint HASH_OR_PATH --seconds 8 FILE [FILE ...]

Each clip is a `--seconds` excerpt from `--offset` seconds in. Rows: each encoder (ST-corr,
MR-STFT, events/s, bitrate of the .evc bytes, encode time per audio second) and the anchors of
DESIGN.md: the reference low-passed at 4 kHz, and the next clip in the list ("wrong clip").
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from eventcodec.types import SAMPLE_RATE


def lowpass_4k(x: np.ndarray) -> np.ndarray:
    """The reference low-passed at 4 kHz (8th-order Butterworth, zero phase)."""
    import scipy.signal

    sos = scipy.signal.butter(8, 4000, fs=SAMPLE_RATE, output="sos")
    return scipy.signal.sosfiltfilt(sos, x).astype(np.float32)


def excerpt(path: Path, offset_s: float, seconds: float) -> np.ndarray:
    """`seconds` of mono 22050 Hz audio from `offset_s`."""
    from eventcodec.audio import load

    audio, _ = load(path)
    start = int(offset_s * SAMPLE_RATE)
    return audio[start : start + int(seconds * SAMPLE_RATE)]


def score(ref: np.ndarray, deg: np.ndarray) -> tuple[float, float]:
    """(ST-corr, MR-STFT) of a decoded signal against the reference."""
    from eventcodec.metrics import mrstft, st_corr

    return st_corr(ref, deg, SAMPLE_RATE), mrstft(ref, deg, SAMPLE_RATE)


def main(argv: list[str] | None = None) -> None:
    import torch

    from eventcodec.codec import decode, encode
    from eventcodec.encode import EncodeOptions

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clips", nargs="+", type=Path)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--offset", type=float, default=30.0)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--encoders", default="learned,abs")
    p.add_argument("--quality", default="fast", help="abs quality preset")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    refs = [excerpt(c, args.offset, args.seconds) for c in args.clips]
    rows: list[tuple[str, str, float, float, float, float, float]] = []
    for i, (clip, ref) in enumerate(zip(args.clips, refs, strict=True)):
        for name in args.encoders.split(","):
            opts = EncodeOptions(checkpoint=args.checkpoint if name == "learned" else None, quality=args.quality)
            t0 = time.perf_counter()
            events = encode(ref, encoder=name, options=opts)
            enc_s = time.perf_counter() - t0
            deg = decode(events)
            kbps = len(events.to_bytes()) * 8 / (len(ref) / SAMPLE_RATE) / 1000
            rows.append((clip.stem, name, *score(ref, deg), len(events) / (len(ref) / SAMPLE_RATE), kbps,
                         enc_s / (len(ref) / SAMPLE_RATE)))
        rows.append((clip.stem, "anchor: lowpass 4k", *score(ref, lowpass_4k(ref)), float("nan"), float("nan"),
                     float("nan")))
        wrong = refs[(i + 1) % len(refs)]
        rows.append((clip.stem, "anchor: wrong clip", *score(ref, wrong), float("nan"), float("nan"), float("nan")))
    print("| clip | encoder | ST-corr | MR-STFT | events/s | kbps | encode s per audio s |")
    print("|---|---|---|---|---|---|---|")
    for clip_name, enc, st, mr, eps, kbps, speed in rows:
        print(f"| {clip_name} | {enc} | {st:.3f} | {mr:.3f} | {eps:.1f} | {kbps:.2f} | {speed:.2f} |")


if __name__ == "__main__":
    main()
