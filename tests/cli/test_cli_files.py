"""`info`, `dump`, `undump`: what they print, and that .evc -> JSON -> .evc is byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.types import EventSet


@pytest.fixture
def evc(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    vectors = np.tile(default_unit_vector(), (50, 1))
    vectors[:, INDEX["f0_hz"]] = rng.random(50)
    events = EventSet(np.sort(rng.integers(0, 5 * 22050, 50)), vectors, n_samples=5 * 22050,
                      meta={"encoder": "test"})
    path = tmp_path / "x.evc"
    path.write_bytes(events.to_bytes())
    return path


def test_info_reports_the_facts(evc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(["info", str(evc)], capsys)
    assert rc == 0
    assert "events:          50 (10.00 per second)" in out
    assert "duration:        5.000 s" in out
    assert "chunks:          2" in out
    size = evc.stat().st_size
    assert f"bits per event:  {size * 8 / 50:.1f}" in out
    assert f"bitrate:         {size * 8 / 5 / 1000:.3f} kbps" in out
    rc, out, _ = run_cli(["info", "--json", str(evc)], capsys)
    assert json.loads(out)["events"] == 50


def test_dump_undump_is_byte_identical(evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(["dump", str(evc)], capsys)
    assert rc == 0
    obj = json.loads(out)
    assert obj["events"][0]["controls"]["f0_hz"] >= 0
    assert len(obj["events"]) == 50
    dumped = tmp_path / "x.json"
    assert run_cli(["dump", str(evc), "-o", str(dumped)], capsys)[0] == 0
    assert json.loads(dumped.read_text()) == obj
    back = tmp_path / "y.evc"
    assert run_cli(["undump", str(dumped), str(back)], capsys)[0] == 0
    assert back.read_bytes() == evc.read_bytes()


def test_hand_edited_json_undumps(evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["dump", str(evc)], capsys)
    obj = json.loads(out)
    obj["events"] = [{"time_samples": 100, "controls": {"amp_db": -9.0}}]  # in dB; other controls default
    src = tmp_path / "edit.json"
    src.write_text(json.dumps(obj))
    dst = tmp_path / "edit.evc"
    assert run_cli(["undump", str(src), str(dst), "--bits", "12"], capsys)[0] == 0
    events = EventSet.from_bytes(dst.read_bytes())
    assert len(events) == 1 and abs(events.vectors[0, INDEX["amp_db"]] - 0.9) < 1e-3
    np.testing.assert_allclose(events.vectors[0, INDEX["f0_hz"]], default_unit_vector()[INDEX["f0_hz"]], atol=1e-3)
