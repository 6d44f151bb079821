"""Run one external process and measure it: exit status, wall time and its own peak resident memory.

Peak memory is `ru_maxrss` of the process, which Linux carries across exec: a child forked straight from the
(large) benchmark process would report the parent's size. So the command is started by a tiny launcher
(`python -S`, about 7 MiB) that forks it and reports its `ru_maxrss` through a pipe; that launcher's size is
the floor of what can be measured.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_LAUNCHER = """
import os, sys
fd, argv = int(sys.argv[1]), sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, f"cannot run {argv[0]}: {e.strerror}\\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, str(usage.ru_maxrss).encode())
code = os.waitstatus_to_exitcode(status)
os._exit(128 - code if code < 0 else code)  # killed by signal n: 128 + n, as shells report it
"""
STDERR_TAIL_CHARS = 400


@dataclass(frozen=True)
class ProcessResult:
    """What one process did.

    Attributes:
        returncode: exit status (negative: killed by that signal; None: could not start).
        wall_s: seconds from start to exit.
        peak_rss_mb: the process's peak resident set size in MiB (None when it was killed).
        timed_out: killed after the time limit.
        error: short reason when it failed (last stderr lines, or why it could not start); "" on success.
    """

    returncode: int | None
    wall_s: float
    peak_rss_mb: float | None
    timed_out: bool
    error: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _tail(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-2:])[-STDERR_TAIL_CHARS:]


def run_measured(
    cmd: Sequence[str], timeout_s: float, env: Mapping[str, str] | None = None, cwd: str | None = None
) -> ProcessResult:
    """Run `cmd` (no shell) with stdout discarded; never raises for a failing or missing program.

    Args:
        cmd: program and arguments.
        timeout_s: wall-clock limit; the process group is killed after it.
        env: extra environment variables (added to the current environment).
        cwd: working directory.
    """
    full_env = {**os.environ, **(env or {})}
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen([sys.executable, "-S", "-E", "-c", _LAUNCHER, str(write_fd), *cmd],
                                    stdout=subprocess.DEVNULL, stderr=err, env=full_env, cwd=cwd,
                                    pass_fds=(write_fd,), start_new_session=True)
        except OSError as e:
            os.close(read_fd)
            os.close(write_fd)
            return ProcessResult(None, 0.0, None, False, f"cannot run {cmd[0]}: {e.strerror or e}")
        os.close(write_fd)
        timed_out = False
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        wall_s = time.perf_counter() - start
        with os.fdopen(read_fd, "rb") as r:
            reported = r.read().decode(errors="replace").strip()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    rc = proc.returncode
    peak_mb = int(reported) / 1024.0 if reported.isdigit() else None  # ru_maxrss is in KiB on Linux
    if timed_out:
        error = f"timed out after {timeout_s:g} s"
    elif rc != 0:
        error = f"exit {rc}: {_tail(stderr) or 'no message'}"
    else:
        error = ""
    return ProcessResult(rc, wall_s, peak_mb, timed_out, error)
