"""Decode speed and memory of the synthesizer: a table for 10, 30 and 100 events per second.

Each row runs in a fresh subprocess (so peak RSS is that row's own) and reports the fastest of `--repeat`
decodes (the machine is shared: slower runs lost time to other jobs), and the first of them alone ("first
decode x": what one `eventcodec decode` pays, with the process's buffers and FFT plans still cold after a
1 s warm-up decode; the process's imports, ~2.5 s with torch, are not counted). "x real time" is audio
seconds per wall second; "CPU s" is the process CPU time. The synthetic mix exercises every block (30% of
its events morph, 30% have a body, rooms mixed in); `--evc` adds rows for real encoded files (events only).

    .venv/bin/python benchmarks/decode_speed.py                      # 60 s at 10/30/100 ev/s
    .venv/bin/python benchmarks/decode_speed.py --evc a.evc b.evc    # plus real files
    .venv/bin/python benchmarks/decode_speed.py --pool a.evc b.evc   # plus real events at 10/30/100 ev/s
    .venv/bin/python benchmarks/decode_speed.py --stream 60 600      # memory vs file length (30 ev/s)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from eventcodec.types import EventSet

SR = 22050


def random_events(rate_hz: float, duration_s: float, seed: int = 0) -> EventSet:
    """A plausible event mix: percussive and tonal events, 30% morphing, 30% with a body, rooms mixed in."""
    from eventcodec.controls import INDEX

    rng = np.random.default_rng(seed)
    n = int(rate_hz * duration_s)
    v = rng.uniform(0.0, 1.0, (n, 32)).astype(np.float32)
    caps = {"decay_s": 0.6, "hold_s": 0.55, "release_s": 0.55, "env_decay_s": 0.6, "attack_s": 0.5,
            "morph_time_s": 0.6, "body_decay_s": 0.7}
    for name, cap in caps.items():  # ring times up to ~1.8 s, notes up to ~1 s
        v[:, INDEX[name]] *= cap
    v[:, INDEX["amp_db"]] = rng.uniform(0.5, 0.8, n)
    v[:, INDEX["morph_amount"]] *= rng.uniform(size=n) < 0.3
    v[:, INDEX["body_mix"]] *= rng.uniform(size=n) < 0.3
    v[:, INDEX["room_wet"]] *= 0.5
    times = np.sort(rng.integers(0, int(duration_s * SR), n))
    return EventSet(times, v, n_samples=int(duration_s * SR))


def pooled_events(paths: list[str], rate_hz: float, duration_s: float, seed: int = 0) -> EventSet:
    """Events drawn at random (with replacement) from real encoded files, at uniformly random times."""
    from eventcodec.format import decode_evc

    pool = []
    for path in paths:
        with open(path, "rb") as f:
            pool.append(decode_evc(f.read()).vectors)
    vectors = np.concatenate(pool)
    rng = np.random.default_rng(seed)
    n = int(rate_hz * duration_s)
    times = np.sort(rng.integers(0, int(duration_s * SR), n))
    return EventSet(times, vectors[rng.integers(0, len(vectors), n)], n_samples=int(duration_s * SR))


SYSTEM_MALLOC = "EVENTCODEC_BENCH_SYSTEM_MALLOC"  # set by --system-malloc for the child processes


def one(rate_hz: float, duration_s: float, stream: bool, threads: int, repeat: int, evc: str) -> dict[str, Any]:
    """Decode `repeat` times and report the fastest run (the others lost time to the machine); in a child process."""
    import torch

    from eventcodec.allocator import keep_freed_memory
    from eventcodec.controls import INDEX

    if not os.environ.get(SYSTEM_MALLOC):
        keep_freed_memory()  # as the CLI does
    torch.set_num_threads(threads)
    from eventcodec.synth import audible_length, decode
    from eventcodec.synth.decode import decode_chunks

    if evc.startswith("pool:"):
        events = pooled_events(evc[5:].split(","), rate_hz, duration_s)
    elif evc:
        from eventcodec.format import decode_evc

        with open(evc, "rb") as f:
            events = decode_evc(f.read())
        duration_s, rate_hz = events.n_samples / SR, len(events) / (events.n_samples / SR)
    else:
        events = random_events(rate_hz, duration_s)
    warm = random_events(5, 1.0, seed=1)
    warm.vectors[:, INDEX["body_mix"]] = 0.5  # a body block: its first use imports scipy.signal (~0.7 s)
    decode(warm)  # warm-up: imports, room bank, FFT plans
    best, first = (float("inf"), 0.0, 0.0), 0.0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        if stream:
            peak = 0.0
            for block in decode_chunks(events, texture=False):
                peak = max(peak, float(np.abs(block).max()))
        else:
            peak = float(np.abs(decode(events, texture=False)).max())
        wall = time.perf_counter() - t0
        best = min(best, (wall, time.process_time() - c0, peak))
        first = first or wall
    wall, cpu, peak = best
    return {
        "rate": rate_hz, "events": len(events), "audio_s": duration_s, "wall_s": wall, "cpu_s": cpu,
        "source": ("events of the --pool files" if evc.startswith("pool:") else os.path.basename(evc)) if evc
        else "synthetic mix" + (", streamed" if stream else ""),
        "x_realtime": duration_s / wall, "x_realtime_first": duration_s / first,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mean_event_s": float(audible_length(events.vectors).mean() / SR), "output_peak": peak,
    }


def run_child(rate: float, duration: float, stream: bool, threads: int, repeat: int, evc: str = "") -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(rate), str(duration), str(int(stream)), str(threads), str(repeat),
           evc]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=60.0, help="audio seconds per row")
    p.add_argument("--rates", type=float, nargs="+", default=[10.0, 30.0, 100.0], help="events per second")
    p.add_argument("--threads", type=int, default=2, help="torch threads outside decode (decode uses 1)")
    p.add_argument("--stream", type=float, nargs="*", help="durations for the streaming-memory table (30 ev/s)")
    p.add_argument("--evc", nargs="*", default=[], help="also decode these .evc files (events only, no texture)")
    p.add_argument("--pool", nargs="*", default=[], help="also rows at --rates of events drawn from these .evc files")
    p.add_argument("--repeat", type=int, default=3, help="decodes per row; the fastest is reported")
    p.add_argument("--system-malloc", action="store_true",
                   help="keep glibc's default thresholds (the CLI calls eventcodec.allocator.keep_freed_memory)")
    p.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.system_malloc:
        os.environ[SYSTEM_MALLOC] = "1"
    if a.child:
        rate, dur, stream, threads, repeat, evc = a.child
        print(json.dumps(one(float(rate), float(dur), bool(int(stream)), int(threads), int(repeat), evc)))
        return
    print(f"load average (1 min) before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; malloc: "
          + ("glibc defaults" if a.system_malloc else "keep_freed_memory (as the CLI)"))
    rows = [run_child(r, a.duration, False, a.threads, a.repeat) for r in a.rates]
    if a.pool:
        rows += [run_child(r, a.duration, False, a.threads, a.repeat, "pool:" + ",".join(a.pool)) for r in a.rates]
    rows += [run_child(0, 0, False, a.threads, a.repeat, evc) for evc in a.evc]
    if a.stream:
        rows += [run_child(30.0, d, True, a.threads, 1) for d in a.stream]
    head = ("events from", "ev/s", "events", "audio s", "mean event s", "wall s", "x real time", "first decode x",
            "CPU s", "audio s per CPU s", "peak RSS MB", "out peak")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print(f"| {r['source']} | {r['rate']:.1f} | {r['events']:g} | {r['audio_s']:g} | {r['mean_event_s']:.2f} | "
              f"{r['wall_s']:.2f} | {r['x_realtime']:.1f} | {r['x_realtime_first']:.1f} | {r['cpu_s']:.2f} | "
              f"{r['audio_s'] / r['cpu_s']:.1f} | "
              f"{r['peak_rss_mb']:.0f} | {r['output_peak']:.3f} |")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.1f}")
    if a.stream:
        print(f"the last {len(a.stream)} rows stream decode_chunks (output never held) at 30 ev/s")


if __name__ == "__main__":
    main()
