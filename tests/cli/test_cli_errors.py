"""Every user mistake gives one line, a non-zero exit, no traceback, no leftover file, an untouched input."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from cli_helpers import assert_clean_failure, run_cli, snapshot

from eventcodec.types import EventSet


@pytest.fixture
def work(tmp_path: Path) -> Path:
    events = EventSet([0, 30000, 70000], np.full((3, 32), 0.5), n_samples=100000)
    (tmp_path / "good.evc").write_bytes(events.to_bytes())
    data = (tmp_path / "good.evc").read_bytes()
    (tmp_path / "truncated.evc").write_bytes(data[: len(data) // 2])
    (tmp_path / "future.evc").write_bytes(data[:8] + struct.pack("<H", 9) + data[10:])
    flipped = bytearray(data)
    flipped[-40] ^= 0x01
    (tmp_path / "flipped.evc").write_bytes(bytes(flipped))
    (tmp_path / "text.txt").write_text("this is not audio and not an event file\n" * 20)
    (tmp_path / "empty.wav").write_bytes(b"")
    sf.write(tmp_path / "silent0.wav", np.zeros(0, np.float32), 22050)
    sf.write(tmp_path / "tone.wav", np.sin(np.arange(22050) / 10).astype(np.float32) * 0.1, 22050)
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "wrong.json").write_text('{"format": "something-else"}')
    return tmp_path


CASES = [
    (["info", "{d}/missing.evc"], "no such file"),
    (["info", "{d}/text.txt"], "magic"),
    (["info", "{d}"], "directory"),
    (["info", "{d}/tone.wav"], "magic"),
    (["info", "{d}/truncated.evc"], "truncated"),
    (["info", "{d}/future.evc"], "newer"),
    (["dump", "{d}/flipped.evc"], "CRC"),
    (["dump", "{d}/truncated.evc", "-o", "{d}/out.json"], "truncated"),
    (["dump", "{d}/good.evc", "-o", "{d}/good.evc"], "refusing to overwrite the input"),
    (["dump", "{d}/good.evc", "-o", "{d}/no/such/dir/out.json"], "does not exist"),
    (["dump", "{d}/good.evc", "-o", "{d}/text.txt/out.json"], "does not exist"),
    (["undump", "{d}/bad.json", "{d}/out.evc"], "not valid JSON"),
    (["undump", "{d}/wrong.json", "{d}/out.evc"], "dump"),
    (["undump", "{d}/missing.json", "{d}/out.evc"], "no such file"),
    (["undump", "{d}/bad.json", "{d}/bad.json"], "refusing to overwrite the input"),
    (["decode", "{d}/flipped.evc", "{d}/out.wav"], "CRC"),
    (["decode", "{d}/future.evc", "{d}/out.wav"], "newer"),
    (["decode", "{d}/good.evc", "{d}/good.evc"], "refusing to overwrite the input"),
    (["decode", "{d}/missing.evc", "{d}/out.wav"], "no such file"),
    (["decode", "{d}/text.txt", "{d}/out.wav"], "magic"),
    (["decode", "{d}/good.evc", "{d}/out.wav", "--start", "100"], "past the end"),
    (["decode", "{d}/good.evc", "{d}/out.wav", "--start", "-1"], "non-negative"),
    (["decode", "{d}/good.evc", "{d}/out.wav", "--duration", "0"], "positive"),
    (["encode", "{d}/missing.wav", "{d}/out.evc"], "no such file"),
    (["encode", "{d}/empty.wav", "{d}/out.evc"], "empty"),
    (["encode", "{d}/silent0.wav", "{d}/out.evc"], "no audio"),
    (["encode", "{d}/text.txt", "{d}/out.evc"], "cannot read"),
    (["encode", "{d}/tone.wav", "{d}/tone.wav"], "refusing to overwrite the input"),
    (["encode", "{d}/tone.wav", "{d}/missing_dir/out.evc"], "does not exist"),
    (["encode", "{d}/tone.wav", "{d}"], "is a directory"),
    (["decode", "{d}/good.evc", "{d}/missing_dir/out.wav"], "does not exist"),
    (["encode", "{d}/tone.wav", "{d}/out.evc", "--events-per-second", "-3"], "positive"),
    (["encode", "{d}/tone.wav", "{d}/out.evc", "--encoder", "no-such-encoder"], "encoder"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_user_errors_fail_cleanly(work: Path, args: list[str], message: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(work)
    rc, out, err = run_cli([a.format(d=work) for a in args], capsys)
    assert_clean_failure(rc, err)
    assert message in err and not out
    assert snapshot(work) == before  # inputs untouched, no output or temp file left behind


def test_module_entry_point_fails_cleanly(work: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "eventcodec.cli.main", "info", str(work / "flipped.evc")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("eventcodec: error: ") and proc.stderr.count("\n") == 1
    proc = subprocess.run([sys.executable, "-m", "eventcodec.cli.main", "info", str(work / "good.evc")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "events:          3" in proc.stdout
