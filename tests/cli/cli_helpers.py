"""Running the CLI in-process and checking the promises it makes on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventcodec.cli.main import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `eventcodec ARGS`; argparse exits count as exit codes."""
    try:
        rc = main(args)
    except SystemExit as e:
        rc = int(e.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under `folder` (to prove nothing changed and nothing was left)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def assert_clean_failure(rc: int, err: str) -> None:
    """Non-zero exit, one line on stderr, no traceback."""
    assert rc != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("usage:"), err
    assert lines[-1].startswith("eventcodec") and "error" in lines[-1], err
