"""Batch encoding throughput (hours of audio per hour) with 1, 2, ... workers on this machine.

Builds a small corpus of real music (clips cut from the Wesnoth soundtrack, or any folder of audio),
encodes it with `encode_many` once per worker count (local process pool, and optionally a Dask
LocalCluster), and prints a markdown table. It also checks that every run wrote byte-identical .evc files.

    .venv/bin/python benchmarks/batch_throughput.py --files 8 --seconds 10 --quality fast --workers 1,2 --dask
    .venv/bin/python benchmarks/batch_throughput.py --files 0 --overhead-files 2000 --workers 2 --dask

The load average is printed beside each row: on a shared machine, other jobs slow every run. The CPU
seconds per audio second (from the workers' process CPU time) barely depend on that load, so
`workers / (CPU s per audio s)` predicts the throughput of an idle machine or a cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from eventcodec.audio import load
from eventcodec.batch import BatchConfig, BatchSummary, encode_many
from eventcodec.batch.plan import AUDIO_EXTENSIONS
from eventcodec.encode import EncodeOptions
from eventcodec.types import SAMPLE_RATE

WESNOTH_MUSIC = Path("/usr/share/games/wesnoth/1.16/data/core/music")


def build_corpus(source: Path, dest: Path, n_files: int, seconds: float, offset_s: float) -> float:
    """Cut `n_files` clips of `seconds` (from `offset_s` in) out of the audio under `source`; returns total s."""
    import soundfile as sf

    files = sorted(p for p in source.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS)
    if len(files) < n_files:
        sys.exit(f"need {n_files} audio files under {source}, found {len(files)}")
    total = 0.0
    for i, path in enumerate(files[:n_files]):
        audio, _ = load(path)
        start = min(int(offset_s * SAMPLE_RATE), max(0, len(audio) - int(seconds * SAMPLE_RATE)))
        clip = audio[start : start + int(seconds * SAMPLE_RATE)]
        out = dest / f"disc{i % 2}" / f"{path.stem}.flac"
        out.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out), clip, SAMPLE_RATE)
        total += len(clip) / SAMPLE_RATE
    return total


def run_once(corpus: Path, out: Path, encoder: str, options: EncodeOptions, config: BatchConfig) -> BatchSummary:
    shutil.rmtree(out, ignore_errors=True)
    return encode_many(corpus, out, encoder, options, config)


def worker_cpu_seconds(out: Path) -> float:
    """CPU seconds the workers used inside jobs (from the manifest); unlike wall time, other load barely moves it."""
    files = json.loads((out / "encode-manifest.json").read_text())["files"]
    return sum(float(e.get("cpu_s", 0.0)) for e in files.values())


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.evc"))}


def overhead_table(tmp: Path, n_files: int, workers: int, dask: bool) -> None:
    """Per-file cost of the machinery alone: files that fail at once (empty), so no codec time is counted."""
    src = tmp / "empty-files"
    for i in range(n_files):
        path = src / f"d{i % 10}" / f"{i:06d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    print(f"\nmachinery overhead: {n_files} empty files (each fails at once), {workers} workers\n")
    print("| runner | wall s | ms per file | files per s |")
    print("|---|---|---|---|")
    for name, use_dask in [("local pool", False)] + ([("Dask LocalCluster", True)] if dask else []):
        out = tmp / f"overhead-{use_dask}"
        t0 = time.perf_counter()
        s = encode_many(src, out, "abs", EncodeOptions(), BatchConfig(workers=workers, dask=use_dask, progress=False))
        wall = time.perf_counter() - t0
        assert s.n_failed == n_files
        print(f"| {name} | {wall:.1f} | {1000 * wall / n_files:.2f} | {n_files / wall:.0f} |")


def throughput_table(tmp: Path, args: argparse.Namespace, counts: list[int], options: EncodeOptions) -> None:
    """Encode the same corpus once per worker count (and runner); one table row per run."""
    corpus = tmp / "corpus"
    audio_s = build_corpus(args.source, corpus, args.files, args.seconds, args.offset)
    print(f"corpus: {args.files} clips, {audio_s:.1f} s of audio from {args.source}; encoder {args.encoder} "
          f"quality {args.quality}; {os.cpu_count()} cores\n")
    print("| runner | workers | files ok | audio s | wall s | h audio / h (wall) | speedup | CPU s / audio s | kbps "
          "| load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    reference: dict[str, bytes] | None = None
    base_wall: float | None = None
    identical = True
    runs = [("local pool", n, False) for n in counts] + ([("Dask LocalCluster", n, True) for n in counts]
                                                        if args.dask else [])
    for name, n, dask in runs:
        out = tmp / f"out-{name.split()[0]}-{n}"
        t0 = time.perf_counter()
        s = run_once(corpus, out, args.encoder, options, BatchConfig(workers=n, dask=dask, progress=False))
        wall = time.perf_counter() - t0
        base_wall = base_wall or wall
        got = outputs(out)
        reference = reference or got
        identical &= got == reference
        print(f"| {name} | {n} | {s.n_done_now}/{s.n_files} | {s.audio_s_now:.1f} | {wall:.1f} | "
              f"{s.audio_s_now / wall:.3f} | {base_wall / wall:.2f}x | "
              f"{worker_cpu_seconds(out) / max(s.audio_s_now, 1e-9):.2f} | {s.mean_bitrate_kbps:.2f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
    print(f"\nbyte-identical .evc across all runs: {'yes' if identical else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=WESNOTH_MUSIC, help="folder of music to cut clips from")
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each clip")
    ap.add_argument("--offset", type=float, default=20.0, help="where in each song the clip starts, s")
    ap.add_argument("--encoder", default="abs")
    ap.add_argument("--quality", choices=("fast", "default", "best"), default="fast")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--dask", action="store_true", help="also run each worker count on a Dask LocalCluster")
    ap.add_argument("--overhead-files", type=int, default=0,
                    help="also time the machinery alone on this many empty files (0: skip)")
    args = ap.parse_args()

    counts = [int(w) for w in args.workers.split(",")]
    options = EncodeOptions(quality=args.quality)
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        if args.files:
            throughput_table(Path(tmp), args, counts, options)
        if args.overhead_files:
            overhead_table(Path(tmp), args.overhead_files, max(counts), args.dask)


if __name__ == "__main__":
    main()
