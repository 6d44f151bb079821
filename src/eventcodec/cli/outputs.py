"""Where a command reads and writes: checked outputs (suffix, inputs, existing files) and `-` for stdin/stdout.

Every command that writes a file refuses, before any work, an output that names an input, sits in a missing
folder, has the wrong suffix, or already exists (unless -y/--overwrite, ffmpeg's convention).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from eventcodec.errors import EventCodecError
from eventcodec.fileio import same_file, writable_parent

STDIO = "-"  # as an input: read stdin; as an output: write stdout


def add_overwrite(p: argparse.ArgumentParser) -> None:
    """Add -y/--overwrite."""
    p.add_argument("-y", "--overwrite", action="store_true", help="replace existing output files (default: refuse)")


def check_output(output: str | os.PathLike[str], *inputs: str | os.PathLike[str], overwrite: bool = False,
                 suffixes: Sequence[str] = (), writer: str = "") -> None:
    """Refuse, before any work, an output that names an input (never overwritten), cannot be created, has
    none of `suffixes` (when given; `writer` names the command), or exists (unless `overwrite`). `-` passes."""
    if str(output) == STDIO:
        return
    for inp in inputs:
        if str(inp) != STDIO and (same_file(output, inp) or Path(output).resolve() == Path(inp).resolve()):
            raise EventCodecError(f"refusing to overwrite the input {inp}: choose another output name")
    dest = Path(output)
    writable_parent(dest)
    if suffixes:
        check_suffix(dest, suffixes, writer)
    if not overwrite and (dest.exists() or dest.is_symlink()):
        raise EventCodecError(f"{dest} exists: pass -y/--overwrite to replace it")


def check_suffix(output: str | os.PathLike[str], suffixes: Sequence[str], writer: str) -> None:
    """Refuse an output whose suffix is not one of `suffixes` (e.g. .evc data in a .wav); `-` passes.

    Args:
        writer: what writes it, for the message ("encode", "plot").
    """
    if str(output) == STDIO or Path(output).suffix.lower() in suffixes:
        return
    example = Path(output).with_suffix(suffixes[0]).name if Path(output).name else f"out{suffixes[0]}"
    raise EventCodecError(f"cannot write {output}: {writer} writes {' or '.join(suffixes)} files (e.g. {example})")


@contextlib.contextmanager
def input_path(name: str, suffix: str = "") -> Iterator[Path]:
    """`name` as a path; `-` is stdin copied to a temporary file (audio readers seek) that is removed after."""
    if name != STDIO:
        yield Path(name)
        return
    with tempfile.TemporaryDirectory(prefix="eventcodec-stdin-") as tmp:
        path = Path(tmp) / f"stdin{suffix}"
        with open(path, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f)
        if path.stat().st_size == 0:
            raise EventCodecError("nothing on stdin")
        yield path


@contextlib.contextmanager
def output_path(name: str, suffix: str) -> Iterator[Path]:
    """`name` as a path; `-` is a temporary `suffix` file whose bytes go to stdout once it is complete.

    While the body runs, anything printed to sys.stdout goes to stderr, so stdout carries the file alone.
    """
    if name != STDIO:
        yield Path(name)
        return
    stdout = sys.stdout
    with tempfile.TemporaryDirectory(prefix="eventcodec-stdout-") as tmp:
        path = Path(tmp) / f"stdout{suffix}"
        with contextlib.redirect_stdout(sys.stderr):
            yield path
        with open(path, "rb") as f:
            shutil.copyfileobj(f, stdout.buffer)
        stdout.buffer.flush()


def shown(name: str) -> str:
    """How messages name an output: `-` is stdout."""
    return "stdout" if name == STDIO else name
