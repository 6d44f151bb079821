"""No orphans: pool workers die with the run that started them, and a new run waits out those of a killed one.

A worker asks the kernel for SIGKILL when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`; the parent of a
pool worker is the forkserver) and watches the run's own process from a thread (any POSIX system, and the
case where the forkserver outlives the run). Every worker also holds a shared `flock` on the output folder's
workers lock; a new run takes that lock exclusively before starting, so it cannot start writing while any
worker of an older run still can. The kernel drops a dead process's locks; lock files are removed at the end
of a run.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from eventcodec.errors import EventCodecError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_INTERVAL_S = 0.25
ORPHAN_WAIT_S = 10.0
_held: list[int] = []  # lock fds a worker keeps open for its lifetime


def process_gone(pid: int) -> bool:
    """True when `pid` no longer runs (exited, or a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except FileNotFoundError:
        return True
    except OSError:  # no /proc (not Linux): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def _watch(run_pid: int) -> None:
    while not process_gone(run_pid):
        time.sleep(WATCH_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGKILL)  # mid-job: nothing to save, the output's .part is the next run's


def die_with_run(run_pid: int) -> None:
    """In a worker: end this process when the run `run_pid` ends, however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if process_gone(run_pid):  # the run died before the kernel could be asked
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(run_pid,), name="eventcodec-run-watch", daemon=True).start()


def hold_shared(lock_path: str) -> None:
    """In a worker: hold a shared lock on `lock_path` until the process ends."""
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _held.append(fd)


def worker_start(run_pid: int, lock_path: str) -> None:
    """Pool initializer: die with the run, and mark this worker as one of the run's writers."""
    die_with_run(run_pid)
    hold_shared(lock_path)


@contextlib.contextmanager
def exclusive(lock_path: Path, wait_s: float = 0.0, busy: str = "") -> Iterator[None]:
    """Hold an exclusive flock on `lock_path`, waiting up to `wait_s`; the file is removed on the way out.

    Raises:
        EventCodecError: `busy` (or a default line) when the lock is still held after `wait_s`.
    """
    deadline = time.monotonic() + wait_s
    while True:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise EventCodecError(busy or f"{lock_path} is locked by another process") from None
            time.sleep(0.1)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file another holder removed between our open and our lock
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)  # while still locked: a waiter re-checks the inode and opens a new file
        os.close(fd)
