"""Header strings a terminal would act on, a directory where a file belongs (issue 22, items 5-6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_clean_failure, run_cli

from eventcodec.controls import default_unit_vector
from eventcodec.types import EventSet

HOSTILE = "\x1b[31mred\x1b[0m\nline two\r\x07 \u202e é \\"


@pytest.fixture
def evc(tmp_path: Path) -> Path:
    events = EventSet(np.array([100, 5000]), np.tile(default_unit_vector(), (2, 1)), n_samples=22050,
                      model_hash=HOSTILE, meta={"source": HOSTILE, "n": 1})
    path = tmp_path / "x.evc"
    path.write_bytes(events.to_bytes())
    return path


def test_info_prints_header_strings_escaped(evc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(["info", str(evc)], capsys)
    assert rc == 0
    assert not any(c in out for c in "\x1b\r\x07")
    assert "(hash \\x1b[31mred\\x1b[0m\\x0aline two\\x0d\\x07 \u202e é \\\\)" in out
    assert len(out.splitlines()) == 11  # one fact per line, the hash on its own


def test_dump_undump_round_trips_hostile_strings(evc: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(["dump", str(evc)], capsys)
    assert rc == 0 and "\x1b" not in out
    (tmp_path / "x.json").write_text(out)
    rc, _, err = run_cli(["undump", str(tmp_path / "x.json"), str(tmp_path / "y.evc")], capsys)
    assert rc == 0, err
    assert (tmp_path / "y.evc").read_bytes() == evc.read_bytes()


@pytest.mark.parametrize("command", [["encode", "{d}", "{o}.evc"], ["undump", "{d}", "{o}.evc"],
                                     ["info", "{d}"], ["dump", "{d}"], ["decode", "{d}", "{o}.wav"],
                                     ["edit", "{d}", "{o}.evc", "--gain", "1"]])
def test_a_directory_as_input_is_named_as_one(command: list[str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in.evc"
    folder.mkdir()
    rc, _, err = run_cli([a.format(d=folder, o=tmp_path / "out") for a in command], capsys)
    assert_clean_failure(rc, err)
    assert "is a directory" in err and "no such file" not in err


@pytest.mark.parametrize("flag", ["--gain-db=1e308", "--texture-gain-db=1e308", "--gain-db=-201"])
def test_gains_beyond_float_range_are_refused(flag: str, evc: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(["decode", str(evc), str(tmp_path / "o.wav"), "-q", flag], capsys)
    assert_clean_failure(rc, err)  # was an OverflowError traceback
    assert "within +-200" in err and not (tmp_path / "o.wav").exists()
