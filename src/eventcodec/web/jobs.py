"""Encode jobs: a bounded queue of child processes with live progress, cancellation and a watchdog.

A job nobody is following (its browser tab closed, its upload dropped) is cancelled after
`Limits.unwatched_grace_s`, so no encode keeps running for no one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from eventcodec.errors import EventCodecError
from eventcodec.web.security import Limits, new_id

State = Literal["queued", "running", "done", "failed", "cancelled"]
FINAL: tuple[State, ...] = ("done", "failed", "cancelled")

_TQDM = re.compile(r"(?:(?P<desc>[^\r\n|]*?):\s*)?(?P<pct>\d{1,3})%\|")
_COUNT = re.compile(r"\|\s*(?P<n>\d+)/(?P<total>\d+)\s*\[")


class BusyError(EventCodecError):
    """Too many encodes are waiting; try again later."""


@dataclass
class Job:
    """One encode of one session's audio into `out_path` (.evc)."""

    id: str
    session_id: str
    out_path: Path
    argv: list[str]
    state: State = "queued"
    progress: float = 0.0
    message: str = "queued"
    error: str = ""
    n_events: int = 0
    watchers: int = 0
    last_watched: float = field(default_factory=time.monotonic)
    proc: subprocess.Popen[bytes] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def snapshot(self) -> dict[str, object]:
        """What a client sees: state, progress in [0, 1], a message, the error if any."""
        return {"job_id": self.id, "state": self.state, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error, "n_events": self.n_events}


def encode_argv(in_path: Path, out_path: Path, encoder: str, quality: str, clip_s: float | None,
                threads: int) -> list[str]:
    """The command line of an encode worker (`eventcodec.web.worker`)."""
    argv = [sys.executable, "-m", "eventcodec.web.worker", str(in_path), str(out_path),
            "--encoder", encoder, "--quality", quality, "--threads", str(threads)]
    return argv + (["--clip-s", repr(float(clip_s))] if clip_s else [])


def parse_progress(line: str) -> tuple[float, str] | None:
    """Fraction done and label from one tqdm status line, or None if the line is not one.

    Args:
        line: text between two carriage returns/newlines of a tqdm bar on stderr.

    Returns:
        (fraction in [0, 1], description) for lines such as `steps:  45%|####   | 9/20 [00:01<...]`.
    """
    m = _TQDM.search(line)
    if not m:
        return None
    count = _COUNT.search(line)
    frac = int(count["n"]) / int(count["total"]) if count and int(count["total"]) > 0 else int(m["pct"]) / 100
    return min(max(frac, 0.0), 1.0), (m["desc"] or "").strip()


class JobManager:
    """Runs encode jobs, at most `max_running_jobs` at once, and reports their progress."""

    def __init__(self, limits: Limits, on_done: Callable[[Job], None]) -> None:
        self.limits = limits
        self._on_done = on_done
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(limits.max_running_jobs)
        self._closing = threading.Event()
        self._watchdog: threading.Thread | None = None  # started with the first job

    def _start_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._closing.clear()
            self._watchdog = threading.Thread(target=self._watch, name="studio-watchdog", daemon=True)
            self._watchdog.start()

    def submit(self, session_id: str, argv: list[str], out_path: Path) -> Job:
        """Queue a worker command that writes `out_path`; a session's unfinished job is cancelled first.

        Raises:
            BusyError: `max_queued_jobs` are already waiting.
        """
        self.cancel_session(session_id)
        self._start_watchdog()
        with self._lock:
            waiting = sum(j.state == "queued" for j in self._jobs.values())
            if waiting >= self.limits.max_queued_jobs:
                raise BusyError("the studio is busy: too many encodes are waiting, try again in a minute")
            job = Job(id=new_id(), session_id=session_id, out_path=out_path, argv=argv)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"studio-job-{job.id[:6]}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def active(self) -> list[Job]:
        """Jobs not yet finished (queued or running)."""
        with self._lock:
            return [j for j in self._jobs.values() if j.state not in FINAL]

    def cancel(self, job: Job, reason: str = "cancelled", wait_s: float = 0.0) -> None:
        """Stop a job (killing its process); a finished job is left as it is.

        Args:
            wait_s: wait up to this long for the job to reach its final state (the answer then says "cancelled").
        """
        if job.state in FINAL:
            return
        job.message = reason
        job.cancelled.set()
        proc = job.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        deadline = time.monotonic() + wait_s
        while job.state not in FINAL and time.monotonic() < deadline:
            time.sleep(0.02)

    def cancel_session(self, session_id: str) -> None:
        for job in self.active():
            if job.session_id == session_id:
                self.cancel(job)

    def watch(self, job: Job, delta: int) -> None:
        """Count a follower in (+1) or out (-1); the watchdog cancels jobs left with none."""
        with self._lock:
            job.watchers = max(0, job.watchers + delta)
            job.last_watched = time.monotonic()

    def close(self) -> None:
        """Cancel everything and stop the watchdog (server shutdown)."""
        self._closing.set()
        if self._watchdog is not None:
            self._watchdog.join(2)
        for job in self.active():
            self.cancel(job, "server shutting down")
        deadline = time.monotonic() + 5
        while self.active() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _watch(self) -> None:
        while not self._closing.wait(0.5):
            now = time.monotonic()
            for job in self.active():
                if job.watchers == 0 and now - job.last_watched > self.limits.unwatched_grace_s:
                    self.cancel(job, "cancelled: nobody was following this encode")
            with self._lock:  # forget finished jobs after a while so the table stays small
                for jid in [j.id for j in self._jobs.values() if j.state in FINAL and now - j.last_watched > 600]:
                    del self._jobs[jid]

    def _run(self, job: Job) -> None:
        try:
            while not self._slots.acquire(timeout=0.2):
                if job.cancelled.is_set():
                    job.state = "cancelled"
                    return
            try:
                self._run_process(job)
            finally:
                self._slots.release()
        except Exception as e:  # a bug here must not leave a job stuck in "running"
            job.state, job.error = "failed", f"internal error: {type(e).__name__}: {e}"
        finally:
            job.last_watched = time.monotonic()
            job.out_path.unlink(missing_ok=True)

    def _run_process(self, job: Job) -> None:
        if job.cancelled.is_set():
            job.state = "cancelled"
            return
        env = {**os.environ, "OMP_NUM_THREADS": str(self.limits.encode_threads), "PYTHONUNBUFFERED": "1"}
        job.state, job.message = "running", "starting"
        job.proc = subprocess.Popen(job.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, env=env)
        if job.cancelled.is_set():  # cancelled between the check and Popen
            job.proc.kill()
        self._follow(job)
        rc = job.proc.wait()
        if job.cancelled.is_set():
            job.state = "cancelled"
        elif rc != 0:
            job.state = "failed"
            job.error = job.error or f"the encoder stopped with exit code {rc}"
        else:
            try:
                self._on_done(job)
            except EventCodecError as e:
                job.state, job.error = "failed", str(e)
                return
            plural = "" if job.n_events == 1 else "s"
            job.progress, job.state, job.message = 1.0, "done", f"{job.n_events} event{plural}"

    def _follow(self, job: Job) -> None:
        """Read the worker's stderr until it closes, updating progress and message."""
        assert job.proc is not None and job.proc.stderr is not None
        fd, pending = job.proc.stderr.fileno(), ""
        tail: list[str] = []
        while chunk := os.read(fd, 4096):
            pending += chunk.decode(errors="replace")
            *lines, pending = re.split(r"[\r\n]", pending)
            for line in lines:
                self._apply_line(job, line, tail)
        self._apply_line(job, pending, tail)
        if job.proc.wait() != 0 and not job.error and tail:
            job.error = tail[-1][:300]

    @staticmethod
    def _apply_line(job: Job, line: str, tail: list[str]) -> None:
        line = line.strip()
        if not line or job.cancelled.is_set():  # keep the cancel reason as the last word
            return
        if line.startswith("::stage "):
            stage = line[8:]
            if stage.startswith("done "):
                job.n_events = int(stage[5:])
                stage = f"found {job.n_events} event{'' if job.n_events == 1 else 's'}"
            job.message = stage
        elif line.startswith("::error "):
            job.error = line[8:][:300]
        elif (got := parse_progress(line)) is not None:
            job.progress = max(job.progress, got[0]) if got[1] == job.message else got[0]
            job.message = got[1] or "encoding"
        else:
            tail[:] = [*tail[-20:], line]
