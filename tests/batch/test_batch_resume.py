"""Kill encode-many halfway (SIGKILL to its process group), run it again: it finishes without redoing work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from batch_clips import write_clip

from eventcodec.types import EventSet

ENCODER = "abs"
N_FILES = 6


def _cli(src: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "eventcodec.cli.main", "encode-many", str(src), str(out),
            "--encoder", ENCODER, "--quality", "fast", "--workers", "1", "--quiet"]


def _kill_after_first_output(src: Path, out: Path, timeout_s: float = 120.0) -> None:
    proc = subprocess.Popen(_cli(src, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + timeout_s
    try:
        while not list(out.rglob("*.evc")):
            assert proc.poll() is None, "the run ended before any output appeared"
            assert time.monotonic() < deadline, "no output appeared in time"
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed; use more files"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its pool workers: like a crash
        proc.wait()


def test_killed_run_resumes_without_redoing_done_files(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    for i in range(N_FILES):
        write_clip(src / f"d{i % 2}" / f"clip{i}.flac", seconds=0.5, f0_hz=150.0 + 40 * i, seed=i)
    _kill_after_first_output(src, out)
    time.sleep(0.2)  # let the killed workers go
    done_at_kill = {p: p.stat().st_mtime_ns for p in out.rglob("*.evc")}
    assert 1 <= len(done_at_kill) < N_FILES

    rerun = subprocess.run(_cli(src, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    n_skipped = len(done_at_kill)
    assert f"{N_FILES} found, {N_FILES - n_skipped} encoded now, {n_skipped} already done, 0 failed" in rerun.stdout
    assert {p: p.stat().st_mtime_ns for p in done_at_kill} == done_at_kill
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    evcs = sorted(out.rglob("*.evc"))
    assert len(evcs) == N_FILES
    for p in evcs:
        assert EventSet.from_bytes(p.read_bytes()).n_samples == 11025  # complete, parseable outputs
    manifest = json.loads((out / "encode-manifest.json").read_text())["files"]
    assert {e["status"] for e in manifest.values()} == {"done"}
