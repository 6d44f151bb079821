"""Levels and bitrate targets: input vs decode loudness and peak, asked vs got bitrate (issue "The command line
as a user of opusenc and ffmpeg expects it", items 1 and 2).

For each clip of a corpus split (its first `--seconds`), each asked bitrate: encode (`--quality`, texture on
unless `--no-texture`), decode as `eventcodec decode` does by default (limited at the input's recorded peak),
then print integrated loudness (BS.1770, LUFS) and true peak of input and decode, the bitrate got, and the
encoder's one-line reason when it stayed under (or refused).

    .venv/bin/python benchmarks/levels_bitrate.py corpus --split test --quality fast --kbps 1.5 3 6 12
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

from eventcodec.audio import load
from eventcodec.bench.corpus import load_corpus
from eventcodec.bench.machine import machine_info
from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.encode.abs.target import kbps_of
from eventcodec.errors import EventCodecError
from eventcodec.limiter import input_ceiling_db, limit
from eventcodec.loudness import measure
from eventcodec.types import SAMPLE_RATE


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--split", default="test")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--quality", default="fast")
    ap.add_argument("--kbps", type=float, nargs="+", default=[1.5, 3.0, 6.0, 12.0])
    ap.add_argument("--no-texture", action="store_true")
    ap.add_argument("--max-clips", type=int, default=None, help="only the split's first N clips")
    args = ap.parse_args(argv)
    info = machine_info()
    print(f"<!-- {info.get('git_commit', '?')}; quality {args.quality}; texture {not args.no_texture}; "
          f"{args.seconds:g} s per clip -->")
    print("| clip | asked kbps | got kbps | events | LUFS in | LUFS out | diff | true peak in | out | diff | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    diffs: list[tuple[float, float, float, float]] = []
    for clip in load_corpus(args.corpus, args.split)[: args.max_clips]:
        audio, _ = load(clip.path)
        audio = audio[: round(args.seconds * SAMPLE_RATE)]
        lin = measure(audio, SAMPLE_RATE)
        for kbps in args.kbps:
            options = EncodeOptions(quality=args.quality, bitrate_kbps=kbps, texture=not args.no_texture)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    events = encode(audio, SAMPLE_RATE, "abs", options)
                except EventCodecError as e:
                    print(f"| {clip.name} | {kbps:g} | - | - | {lin.lufs:.1f} | | | | | | refused: {e} |", flush=True)
                    continue
            note = "; ".join(str(w.message) for w in caught if issubclass(w.category, UserWarning))
            decoded = decode(events)
            ceiling = input_ceiling_db(events.meta)
            if ceiling is not None:
                decoded = limit(decoded, ceiling, SAMPLE_RATE)
            lout = measure(decoded, SAMPLE_RATE)
            got = kbps_of(events)
            d_lufs, d_peak = lout.lufs - lin.lufs, lout.true_peak_dbfs - lin.true_peak_dbfs
            diffs.append((d_lufs, d_peak, got / kbps, float(got <= kbps * 1.0001)))
            print(f"| {clip.name} | {kbps:g} | {got:.2f} | {len(events)} | {lin.lufs:.1f} | {lout.lufs:.1f} | "
                  f"{d_lufs:+.2f} | {lin.true_peak_dbfs:.1f} | {lout.true_peak_dbfs:.1f} | {d_peak:+.2f} | {note} |",
                  flush=True)
    if diffs:
        d = np.array(diffs)
        print(f"\n{len(d)} encodes: |LUFS diff| mean {np.abs(d[:, 0]).mean():.2f}, max {np.abs(d[:, 0]).max():.2f} dB; "
              f"true peak diff max {d[:, 1].max():+.2f} dB; got/asked min {d[:, 2].min():.2f}, "
              f"max {d[:, 2].max():.3f}; within the target {int(d[:, 3].sum())} of {len(d)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
