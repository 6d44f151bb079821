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


def test_dump_writes_units_under_unit_names_like_the_csv(evc: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from eventcodec.controls import to_physical
    from eventcodec.export.csv import to_csv_text

    events = EventSet.from_bytes(evc.read_bytes())
    _, out, _ = run_cli(["dump", str(evc)], capsys)
    rows = json.loads(out)["events"]
    physical = to_physical(events.vectors)
    for i in (0, 17, 49):
        assert rows[i]["controls"]["f0_hz"] == pytest.approx(physical[i, INDEX["f0_hz"]], rel=1e-12)
        assert rows[i]["controls"]["amp_db"] == pytest.approx(-30.0, abs=0.2)  # dB, not 0.67
    assert min(r["controls"]["f0_hz"] for r in rows) >= 27.5
    header, first = to_csv_text(events).splitlines()[:2]
    csv_f0 = float(first.split(",")[header.split(",").index("f0_hz")])
    assert csv_f0 == pytest.approx(rows[0]["controls"]["f0_hz"], rel=1e-4)


def test_undump_reads_units_normalised_and_version_1_alike(evc: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, units, _ = run_cli(["dump", str(evc)], capsys)
    _, normalised, _ = run_cli(["dump", str(evc), "--normalised"], capsys)
    unit_rows = json.loads(normalised)["events"]
    assert "controls" not in unit_rows[0] and 0 <= unit_rows[0]["unit_controls"]["amp_db"] <= 1
    old = json.loads(normalised)  # the version 1 form: normalised values under "controls"
    old["version"] = 1
    old["events"] = [{**{k: v for k, v in r.items() if k != "unit_controls"}, "controls": r["unit_controls"]}
                     for r in old["events"]]
    for i, text in enumerate((units, normalised, json.dumps(old))):
        (tmp_path / f"{i}.json").write_text(text)
        assert run_cli(["undump", str(tmp_path / f"{i}.json"), str(tmp_path / f"{i}.evc")], capsys)[0] == 0
        assert (tmp_path / f"{i}.evc").read_bytes() == evc.read_bytes()
    bad = json.loads(units)
    bad["events"][0]["controls"]["f0_hz"] = 9000.0
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    rc, _, err = run_cli(["undump", str(tmp_path / "bad.json"), str(tmp_path / "bad.evc")], capsys)
    assert rc == 2 and "f0_hz = 9000 Hz is outside 27.5..4186" in err


def test_info_marks_a_cut_meta_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_meta = {"encoder": "test", "settings": {f"knob_{i}": i for i in range(60)}}
    path = tmp_path / "long.evc"
    path.write_bytes(EventSet([0], default_unit_vector()[None], n_samples=100, meta=long_meta).to_bytes())
    _, out, _ = run_cli(["info", str(path)], capsys)
    meta_line = next(line for line in out.splitlines() if line.startswith("meta:"))
    assert "…" in meta_line and "info --json" in meta_line
    short = tmp_path / "short.evc"
    short.write_bytes(EventSet([0], default_unit_vector()[None], n_samples=100, meta={"a": 1}).to_bytes())
    _, out, _ = run_cli(["info", str(short)], capsys)
    assert 'meta:            {"a": 1}\n' in out + "\n"
