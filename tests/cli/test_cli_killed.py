"""A `decode` terminated with SIGTERM removes its half-written output as Ctrl-C does; a `.part` file left by a
killed one names its process and the next write of the same output removes it (issue 22, item 8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from eventcodec.controls import default_unit_vector
from eventcodec.fileio import part_pid, remove_orphan_parts, write_bytes_atomic
from eventcodec.types import EventSet

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _long_evc(path: Path, seconds: float = 1800.0) -> Path:
    rng = np.random.default_rng(0)
    n = int(seconds * 4)
    times = np.sort(rng.integers(0, int(seconds * 22050), n))
    path.write_bytes(EventSet(times, np.tile(default_unit_vector(), (n, 1)), n_samples=int(seconds * 22050))
                     .to_bytes())
    return path


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def test_sigterm_during_decode_leaves_no_part_file(tmp_path: Path) -> None:
    evc, out = _long_evc(tmp_path / "long.evc"), tmp_path / "long.wav"
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from eventcodec.cli.main import main; "
                             "sys.exit(main())", "decode", str(evc), str(out), "-q"],
                            env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _parts(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _parts(tmp_path), "decode never started writing"
    assert part_pid(_parts(tmp_path)[0].name, out.name) == proc.pid  # a killed run's file names it
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "terminated" in err
    assert _parts(tmp_path) == [] and not out.exists()


def test_stale_part_of_a_dead_process_is_removed_by_the_next_write(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead_pid = gone.pid
    out = tmp_path / "x.wav"
    stale = tmp_path / f".x.wav.{dead_pid}.abcd_123.part"
    alive = tmp_path / f".x.wav.{os.getppid()}.efgh_456.part"
    other = tmp_path / f".y.wav.{dead_pid}.abcd_123.part"
    for p in (stale, alive, other):
        p.write_bytes(b"x" * 1000)
    evc = tmp_path / "short.evc"
    evc.write_bytes(EventSet(np.array([10]), default_unit_vector()[None], n_samples=2205).to_bytes())
    rc, _, err = run_cli(["decode", str(evc), str(out), "-q"], capsys)
    assert rc == 0, err
    assert not stale.exists() and alive.exists() and other.exists()  # only the dead writer's file of this output
    assert out.exists()
    write_bytes_atomic(tmp_path / "y.wav", b"")
    assert not other.exists() and remove_orphan_parts(out) == 0
