"""Writing files safely: never a partial output, never an input overwritten.

An output is written to `.NAME.PID.XXXXXXXX.part` beside it and renamed into place. The writer removes the
temporary file when it fails, is interrupted (SIGINT) or terminated (SIGTERM, with `exit_on_sigterm`); one
left by a killed process (SIGKILL, power loss) names that process, and the next write of the same output
removes it once that process is gone.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from eventcodec.errors import EventCodecError


def writable_parent(dest: Path, need_access: bool = True) -> Path:
    """The folder `dest` would be written in, after refusing a missing folder, a `dest` that is a directory and
    (with `need_access`) a folder this process may not write to."""
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise EventCodecError(f"cannot write {dest}: folder {parent} does not exist")
    if dest.is_dir():
        raise EventCodecError(f"cannot write {dest}: it is a directory")
    if need_access and not os.access(parent, os.W_OK):
        raise EventCodecError(f"cannot write {dest}: folder {parent} is not writable")
    return parent


def write_atomic(path: str | os.PathLike[str], writer: Callable[[str], object], clean_stale: bool = True) -> None:
    """Call `writer(tmp_path)` then rename onto `path`; no partial file is left on failure.

    `clean_stale`: first remove the temporary files of `path` that dead processes left (a listing of the
    folder; batch runs, which clean their whole output tree once, skip it per file).

    Raises:
        EventCodecError: the destination folder is missing or not writable.
    """
    dest = Path(path)
    parent = writable_parent(dest, need_access=False)
    if clean_stale:
        remove_orphan_parts(dest)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.", suffix=".part", dir=parent)
    except OSError as e:
        raise EventCodecError(f"cannot write {dest}: {e.strerror}") from None
    os.close(fd)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the output the usual permissions
        os.replace(tmp, dest)
    except OSError as e:
        raise EventCodecError(f"cannot write {dest}: {e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def part_pid(name: str, output_name: str) -> int | None:
    """The writer's pid in the name of a temporary file of `output_name`, or None when it is not one."""
    prefix = f".{output_name}."
    if not (name.startswith(prefix) and name.endswith(".part")):
        return None
    m = re.fullmatch(r"(\d+)\.[A-Za-z0-9_]{8}", name[len(prefix) : -len(".part")])
    return int(m[1]) if m else None


def pid_alive(pid: int) -> bool:
    """True when a process `pid` exists on this machine (whoever owns it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


def remove_orphan_parts(dest: str | os.PathLike[str]) -> int:
    """Delete the temporary files of output `dest` whose writing process is gone; returns how many."""
    dest = Path(dest)
    parent = dest.parent if str(dest.parent) else Path(".")
    removed = 0
    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    for name in names:
        pid = part_pid(name, dest.name)
        if pid is not None and pid != os.getpid() and not pid_alive(pid):
            try:
                os.unlink(parent / name)
                removed += 1
            except OSError:
                pass
    return removed


def exit_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C (exit status 143): temporary files are removed on the way out."""
    def terminate(signum: int, _frame: object) -> None:
        signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        print("eventcodec: terminated", file=sys.stderr)
        raise SystemExit(128 + signum)

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, terminate)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, clean_stale: bool = True) -> None:
    """Write `data` to `path` atomically."""

    def _write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    write_atomic(path, _write, clean_stale)


def require_file(path: str | os.PathLike[str], error: type[EventCodecError] = EventCodecError) -> Path:
    """`path` when it names an existing file; `error` saying "no such file" or "is a directory" otherwise."""
    p = Path(path)
    if p.is_dir():
        raise error(f"is a directory, not a file: {p}")
    if not p.exists():
        raise error(f"no such file: {p}")
    return p


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when two paths name the same existing file (guards against overwriting an input)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
