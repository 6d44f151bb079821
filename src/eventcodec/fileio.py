"""Writing files safely: never a partial output, never an input overwritten."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from eventcodec.errors import EventCodecError


def write_atomic(path: str | os.PathLike[str], writer: Callable[[str], object]) -> None:
    """Call `writer(tmp_path)` then rename onto `path`; no partial file is left on failure.

    Raises:
        EventCodecError: the destination folder is missing or not writable.
    """
    dest = Path(path)
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise EventCodecError(f"cannot write {dest}: folder {parent} does not exist")
    if dest.is_dir():
        raise EventCodecError(f"cannot write {dest}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=parent)
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically."""

    def _write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    write_atomic(path, _write)


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
