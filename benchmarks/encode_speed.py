"""Encode speed (x real time) and peak memory of the `abs` encoder per quality preset.

Streams a long input made by looping a clip (never held in memory whole) through
`encode_blocks`, so peak memory shows whether encoding stays bounded as the input grows:

    .venv/bin/python benchmarks/encode_speed.py --clip examples/traveling_minstrels_8s.flac \
        --seconds 30 120 --quality fast default [--bitrate-kbps 3]
Each (quality, length) runs in a fresh subprocess so the peak-RSS column is its own. One torch thread;
"CPU time" speed is audio seconds per CPU second of the encoding process (what an idle core would give;
the wall-clock column depends on what else the machine is running).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np


def looped_blocks(clip: np.ndarray, n_samples: int, block: int = 2**16) -> Iterator[np.ndarray]:
    """Blocks of `clip` repeated to `n_samples` samples."""
    pos = 0
    while pos < n_samples:
        idx = (np.arange(pos, min(pos + block, n_samples)) % len(clip))
        yield clip[idx]
        pos += block


def child(clip_path: str, seconds: float, quality: str, kbps: float | None) -> dict[str, float]:
    import torch

    from eventcodec.allocator import keep_freed_memory
    from eventcodec.audio import load
    from eventcodec.encode import EncodeOptions
    from eventcodec.encode.abs import encode_blocks

    keep_freed_memory()  # as the CLI does
    torch.set_num_threads(1)
    clip, _ = load(clip_path)
    n = int(seconds * 22050)
    t0, c0 = time.perf_counter(), time.process_time()
    events = encode_blocks(looped_blocks(clip, n), n, EncodeOptions(quality=quality, bitrate_kbps=kbps),
                           False)  # type: ignore[arg-type]
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "quality": quality, "speed_x": seconds / dt, "cpu_speed_x": seconds / dc,
            "events_per_s": len(events) / seconds, "peak_rss_mib": rss}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", default="examples/traveling_minstrels_8s.flac")
    ap.add_argument("--seconds", type=float, nargs="+", default=[30.0])
    ap.add_argument("--quality", nargs="+", default=["fast", "default"])
    ap.add_argument("--bitrate-kbps", type=float, default=None, help="bitrate target (default: none)")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kbps = None if args.child[3] == "none" else float(args.child[3])
        print(json.dumps(child(args.child[0], float(args.child[1]), args.child[2], kbps)))
        return 0
    head = "| quality | audio s | speed x real time (wall) | speed x real time (CPU time) | events/s | peak RSS MiB |"
    print(head + "\n|---|---|---|---|---|---|", flush=True)
    for q in args.quality:
        for s in args.seconds:
            kbps = "none" if args.bitrate_kbps is None else str(args.bitrate_kbps)
            out = subprocess.run([sys.executable, __file__, "--child", args.clip, str(s), q, kbps], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            cells = f"{r['speed_x']:.3f} | {r['cpu_speed_x']:.3f} | {r['events_per_s']:.1f} | "
            cells += f"{r['peak_rss_mib']:.0f}"
            print(f"| {q} | {s:g} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
