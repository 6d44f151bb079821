"""Options mean the same in every command: --threads, -q, help texts; conflicting options are refused."""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_clean_failure, run_cli

from eventcodec.cli.main import build_parser
from eventcodec.cli.threads import default_threads
from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.types import EventSet

# every command that computes, with arguments that parse
COMPUTING = [
    ["encode", "a.wav", "a.evc"], ["decode", "a.evc", "a.wav"], ["demo"], ["edit", "a.evc", "b.evc"],
    ["neighbours", "a.evc", "0"], ["render-event", "a.evc", "0", "a.wav"], ["plot", "timeline", "a.evc", "-o", "a.png"],
    ["plot", "map", "a.evc", "-o", "a.png"], ["plot", "stages", "a.evc", "0", "-o", "a.png"],
    ["plot", "controls", "a.evc", "0", "-o", "a.png"], ["encode-many", "a", "b"], ["decode-many", "a", "b"],
    ["train"], ["bench"], ["studio"],
]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every (sub)command's parser by its full name, e.g. 'plot timeline'."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{parser.prog.partition(' ')[2]} {name}".strip()
                found[full] = sub
                found.update(_subparsers(sub))
    return found


@pytest.mark.parametrize("argv", COMPUTING, ids=[" ".join(a[:2]) for a in COMPUTING])
def test_every_computing_command_takes_threads(argv: list[str]) -> None:
    assert build_parser().parse_args([*argv, "--threads", "3"]).threads == 3


def test_threads_must_be_a_positive_count(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(["decode", "a.evc", "a.wav", "--threads", "0"], capsys)
    assert_clean_failure(rc, err)
    assert "--threads" in err and "at least 1" in err


def test_threads_reach_torch_blas_and_child_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")
    from threadpoolctl import threadpool_info, threadpool_limits

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(name, os.environ.get(name, "1"))  # restored after the test
    before = torch.get_num_threads()
    events = EventSet([0], np.tile(default_unit_vector(), (1, 1)), n_samples=4410)
    (tmp_path / "a.evc").write_bytes(events.to_bytes())
    try:
        with threadpool_limits():  # restores the BLAS pools after the test
            rc, _, err = run_cli(["render-event", str(tmp_path / "a.evc"), "0", str(tmp_path / "a.wav"),
                                  "--threads", "1"], capsys)
            assert rc == 0, err
            assert torch.get_num_threads() == 1 and os.environ["OMP_NUM_THREADS"] == "1"
            assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        torch.set_num_threads(before)


def test_the_default_is_every_core_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert default_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # a parent's choice (the studio's workers, the benchmark) holds
    assert default_threads() == 1


def test_batch_threads_are_its_workers() -> None:
    from eventcodec.cli.batch import _config

    args = build_parser().parse_args(["encode-many", "a", "b", "--threads", "3"])
    assert _config(args).workers == 3
    args = build_parser().parse_args(["encode-many", "a", "b", "--threads", "3", "--workers", "2"])
    assert _config(args).workers == 2


def test_edit_takes_q_like_encode_and_decode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = EventSet([0, 100], np.tile(default_unit_vector(), (2, 1)), n_samples=4410)
    (tmp_path / "a.evc").write_bytes(events.to_bytes())
    rc, out, err = run_cli(["edit", str(tmp_path / "a.evc"), str(tmp_path / "b.evc"), "--gain", "1", "-q"], capsys)
    assert rc == 0 and out == "" and err == ""
    for argv in [*COMPUTING[:2], ["neighbours", "a.evc", "0"], ["plot", "map", "a.evc", "-o", "a.png"],
                 ["encode-many", "a", "b"], ["train"], ["bench"]]:
        assert build_parser().parse_args([*argv, "-q"]).quiet


def test_no_texture_with_a_texture_gain_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vectors = np.tile(default_unit_vector(), (1, 1))
    vectors[:, INDEX["tonal_mix"]] = 1.0
    (tmp_path / "a.evc").write_bytes(EventSet([0], vectors, n_samples=4410).to_bytes())
    rc, _, err = run_cli(["decode", str(tmp_path / "a.evc"), str(tmp_path / "a.wav"), "--no-texture",
                          "--texture-gain-db", "-6"], capsys)
    assert_clean_failure(rc, err)
    assert "--no-texture" in err and not (tmp_path / "a.wav").exists()


def test_encode_help_explains_the_presets_and_the_default_bitrate() -> None:
    text = " ".join(_subparsers(build_parser())["encode"].format_help().split())
    for preset in ("fast =", "default =", "best ="):
        assert preset in text
    assert "events/s" in text and "default: none; the rate follows the music" in text and "kbps" in text


def test_every_command_has_a_description() -> None:
    missing = [name for name, p in _subparsers(build_parser()).items() if not (p.description or "").strip()]
    assert missing == []


def test_make_corpus_says_how_to_install_and_how_much(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "scripts" / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("make_corpus", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "missing_sources", lambda: ["fluid-soundfont-gm"])
    assert script.main(["--out", "unused"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--install" in err and "MB" in err
