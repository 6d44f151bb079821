"""The local pool survives a worker that dies: its jobs fail with a reason, a fresh pool does the rest."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from eventcodec.batch.plan import Job
from eventcodec.batch.runners import LocalRunner, default_workers


def _job(path: Path, out: Path) -> Job:
    return Job("encode", path.name, str(path), path.name + ".evc", str(out / (path.name + ".evc")),
               {"encoder": "abs"})


def _kill_worker_when_started(runner: LocalRunner) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        procs = dict(getattr(runner._pool, "_processes", None) or {})
        if procs:
            time.sleep(0.5)
            for pid in procs:
                os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def test_dead_worker_fails_its_jobs_and_the_run_goes_on(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck.wav"
    os.mkfifo(fifo)  # opening it blocks forever: the worker is busy when it is killed
    empties = [tmp_path / f"empty{i}.wav" for i in range(2)]
    for p in empties:
        p.write_bytes(b"")
    runner = LocalRunner(1)
    killer = threading.Thread(target=_kill_worker_when_started, args=(runner,), daemon=True)
    try:
        killer.start()
        results = {job.rel: res for job, res in runner.run([_job(p, tmp_path) for p in [fifo, *empties]])}
    finally:
        runner.close()
    assert results["stuck.wav"].error == "worker process died (crash or out of memory)"
    assert results["empty1.wav"].error == "empty file"  # queued behind the window: ran on the fresh pool
    assert not results["empty1.wav"].ok and len(results) == 3


def test_default_workers_is_the_usable_core_count() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))
    assert LocalRunner(3).n_workers == 3
