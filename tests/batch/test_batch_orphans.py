"""SIGKILL `encode-many` mid-run: no process of it survives (its pool workers die with it), and the re-run
writes the same bytes as an uninterrupted run. A normal run leaves no lock file (issue 22, item 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_clips import write_clip

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the run's processes in /proc")
N_FILES = 4


def _cli(src: Path, out: Path, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "eventcodec.cli.main", "encode-many", str(src), str(out), "--quality", "fast",
            "--workers", str(workers), "--quiet"]


def _session(sid: int) -> list[int]:
    """Pids of the live processes of session `sid` (zombies excluded)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
            pids.append(int(entry))
    return pids


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.evc"))}


def test_sigkilled_run_leaves_no_process_and_the_rerun_matches(tmp_path: Path) -> None:
    src, out, ref = tmp_path / "in", tmp_path / "out", tmp_path / "ref"
    for i in range(N_FILES):
        write_clip(src / f"clip{i}.wav", seconds=0.25, f0_hz=150.0 + 40 * i, seed=i)
    uninterrupted = subprocess.Popen(_cli(src, ref, workers=1), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)  # meanwhile, for reference
    proc = subprocess.Popen(_cli(src, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_session(proc.pid)) < 3 or not (out / "encode-manifest.json").exists():
            assert proc.poll() is None, "the run ended before its workers were seen"
            assert time.monotonic() < deadline, "workers never started"
            time.sleep(0.05)
        time.sleep(0.5)  # workers busy with their first files
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the run alone, as a crash or the OOM killer would: not its group
        proc.wait()
        deadline = time.monotonic() + 5.0
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = _session(proc.pid)
    finally:
        for pid in _session(proc.pid):
            os.kill(pid, signal.SIGKILL)
    assert survivors == [], f"processes of the killed run still alive after 5 s: {survivors}"

    rerun = subprocess.run(_cli(src, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    _, err = uninterrupted.communicate(timeout=300)
    assert uninterrupted.returncode == 0, err
    assert len(_outputs(ref)) == N_FILES
    assert _outputs(out) == _outputs(ref)
    for folder in (out, ref):
        left = sorted(p.name for p in folder.iterdir() if p.name.endswith((".lock", ".part")))
        assert left == [], left
