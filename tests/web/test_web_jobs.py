"""Encode job machinery: progress parsing, cancellation, the unwatched-job watchdog, the queue bound.

These drive real child processes (small Python scripts), not the codec: the codec itself is covered
end to end in test_web_e2e.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from eventcodec.web.jobs import FINAL, BusyError, Job, JobManager, encode_argv, parse_progress
from eventcodec.web.security import Limits

# A stand-in worker: tqdm on stderr like the encoder, then writes its output file.
SCRIPT = """
import sys, time, tqdm
for _ in tqdm.tqdm(range(int(sys.argv[2])), desc="steps", mininterval=0):
    time.sleep(float(sys.argv[3]))
open(sys.argv[1], "wb").write(b"ok")
"""


def _wait(job: Job, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while job.state not in FINAL and time.monotonic() < deadline:
        time.sleep(0.05)


def _manager(done: list[bytes], **limits: float) -> JobManager:
    def on_done(job: Job) -> None:
        done.append(job.out_path.read_bytes())
        job.n_events = 7

    return JobManager(Limits(**limits), on_done)  # type: ignore[arg-type]


def test_parse_progress_reads_tqdm_lines() -> None:
    assert parse_progress("steps:  45%|####5     | 9/20 [00:01<00:02,  5.00it/s]") == (0.45, "steps")
    assert parse_progress(" 100%|##########| 3/3 [00:00<00:00]") == (1.0, "")
    assert parse_progress("encode 2/3:  50%|█████     | 1/2 [00:01<00:01]") == (0.5, "encode 2/3")
    assert parse_progress("Traceback (most recent call last):") is None


def test_encode_argv_runs_the_worker_module(tmp_path: Path) -> None:
    argv = encode_argv(tmp_path / "in.flac", tmp_path / "o.evc", "abs", "fast", 3.5, 1)
    assert argv[:3] == [sys.executable, "-m", "eventcodec.web.worker"]
    assert argv[-2:] == ["--clip-s", "3.5"] and "--quality" in argv


def test_job_reports_progress_and_finishes(tmp_path: Path) -> None:
    done: list[bytes] = []
    jobs = _manager(done, unwatched_grace_s=30.0)
    try:
        out = tmp_path / "out.bin"
        job = jobs.submit("s1", [sys.executable, "-c", SCRIPT, str(out), "6", "0.15"], out)
        seen = set()
        while job.state not in FINAL:
            seen.add(round(job.progress, 2))
            time.sleep(0.02)
        assert job.state == "done", job.error
        assert done == [b"ok"] and job.n_events == 7 and job.progress == 1.0
        assert len(seen - {0.0, 1.0}) >= 2  # intermediate progress was visible
        assert not out.exists()  # the worker's output is removed once loaded
    finally:
        jobs.close()


def test_cancel_kills_the_process(tmp_path: Path) -> None:
    jobs = _manager([], unwatched_grace_s=30.0)
    try:
        out = tmp_path / "out.bin"
        job = jobs.submit("s1", [sys.executable, "-c", SCRIPT, str(out), "100", "0.2"], out)
        while job.proc is None:
            time.sleep(0.01)
        jobs.cancel(job)
        _wait(job, 5.0)
        assert job.state == "cancelled" and job.proc.poll() is not None
    finally:
        jobs.close()


def test_unwatched_job_is_cancelled_and_a_new_encode_replaces_the_old(tmp_path: Path) -> None:
    jobs = _manager([], unwatched_grace_s=0.5)
    try:
        argv = [sys.executable, "-c", SCRIPT, str(tmp_path / "a"), "100", "0.2"]
        first = jobs.submit("s1", argv, tmp_path / "a")
        jobs.watch(first, +1)
        second = jobs.submit("s1", argv, tmp_path / "a")  # same session: the first is cancelled
        _wait(first, 5.0)
        assert first.state == "cancelled"
        _wait(second, 10.0)  # nobody watches the second: the watchdog stops it
        assert second.state == "cancelled" and "nobody" in second.message
    finally:
        jobs.close()


def test_queue_is_bounded(tmp_path: Path) -> None:
    jobs = _manager([], max_running_jobs=1, max_queued_jobs=1, unwatched_grace_s=30.0)
    try:
        argv = [sys.executable, "-c", SCRIPT, str(tmp_path / "x"), "100", "0.2"]
        running = jobs.submit("a", argv, tmp_path / "x")
        while running.state == "queued":
            time.sleep(0.01)
        jobs.submit("b", argv, tmp_path / "y")
        with pytest.raises(BusyError):
            jobs.submit("c", argv, tmp_path / "z")
    finally:
        jobs.close()
    assert all(j.state == "cancelled" for j in [running])


def test_a_crashing_worker_fails_with_its_last_line(tmp_path: Path) -> None:
    jobs = _manager([], unwatched_grace_s=30.0)
    try:
        job = jobs.submit("s", [sys.executable, "-c", "raise SystemExit('boom: bad things')"], tmp_path / "o")
        _wait(job)
        assert job.state == "failed" and "boom" in job.error
    finally:
        jobs.close()
