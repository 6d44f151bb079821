"""Every command that writes refuses, before any work, an existing output (unless -y) and a wrong suffix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from cli_helpers import assert_clean_failure, run_cli, snapshot

from eventcodec.cli.main import build_parser
from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.types import EventSet

SENTINEL = b"the user's file, not to be lost"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    vectors = np.tile(default_unit_vector(), (3, 1))
    vectors[:, INDEX["tonal_mix"]] = 1.0
    vectors[:, INDEX["f0_hz"]] = [0.3, 0.5, 0.6]
    events = EventSet([0, 3000, 7000], vectors, n_samples=11025)
    (tmp_path / "in.evc").write_bytes(events.to_bytes())
    (tmp_path / "in.json").write_text(json.dumps(EventSet.from_bytes(events.to_bytes()).to_json()))
    sf.write(tmp_path / "tone.wav", np.sin(np.arange(11025) / 10).astype(np.float32) * 0.1, 22050)
    (tmp_path / "text.txt").write_text("not audio, not events\n" * 10)
    return tmp_path


# (argv, the output it names); each command, on an existing output, must refuse and leave it as it was
WRITERS = [
    (["encode", "{d}/tone.wav", "{d}/out.evc", "--quality", "fast"], "out.evc"),
    (["decode", "{d}/in.evc", "{d}/out.wav"], "out.wav"),
    (["dump", "{d}/in.evc", "-o", "{d}/out.json"], "out.json"),
    (["undump", "{d}/in.json", "{d}/out.evc"], "out.evc"),
    (["edit", "{d}/in.evc", "{d}/out.evc", "--gain", "1"], "out.evc"),
    (["render-event", "{d}/in.evc", "1", "{d}/out.wav"], "out.wav"),
    (["export", "{d}/in.evc", "{d}/out.csv"], "out.csv"),
    (["export", "{d}/in.evc", "{d}/out.mid"], "out.mid"),
    (["plot", "controls", "{d}/in.evc", "0", "-o", "{d}/out.png"], "out.png"),
]


@pytest.mark.parametrize(("argv", "name"), WRITERS, ids=[" ".join(w[0][:2]) for w in WRITERS])
def test_an_existing_output_is_refused_unless_y(work: Path, argv: list[str], name: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = work / name
    out.write_bytes(SENTINEL)
    before = snapshot(work)
    rc, _, err = run_cli([a.format(d=work) for a in argv], capsys)
    assert_clean_failure(rc, err)
    assert "exists" in err and "-y/--overwrite" in err
    assert snapshot(work) == before


@pytest.mark.parametrize(("argv", "name"), [w for w in WRITERS if w[0][0] not in ("encode", "plot")],
                         ids=[" ".join(w[0][:2]) for w in WRITERS if w[0][0] not in ("encode", "plot")])
def test_y_replaces_an_existing_output(work: Path, argv: list[str], name: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = work / name
    out.write_bytes(SENTINEL)
    rc, _, err = run_cli([a.format(d=work) for a in argv] + ["-y"], capsys)
    assert rc == 0, err
    assert out.read_bytes() != SENTINEL


@pytest.mark.parametrize("argv", [
    ["encode", "{d}/text.txt", "{d}/out.evc"],  # unreadable input: the overwrite refusal comes first
    ["decode", "{d}/text.txt", "{d}/out.wav"],
    ["edit", "{d}/text.txt", "{d}/out.evc", "--gain", "1"],
])
def test_the_refusal_comes_before_any_work(work: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    (work / argv[2].rpartition("/")[2]).write_bytes(SENTINEL)
    rc, _, err = run_cli([a.format(d=work) for a in argv], capsys)
    assert_clean_failure(rc, err)
    assert "-y/--overwrite" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["encode", "{d}/tone.wav", "{d}/out.wav"], "encode writes .evc files (e.g. out.evc)"),
    (["decode", "{d}/in.evc", "{d}/out.evc"], "decode writes .wav or .flac files"),
    (["dump", "{d}/in.evc", "-o", "{d}/out.evc"], "dump writes .json files"),
    (["undump", "{d}/in.json", "{d}/out.json"], "undump writes .evc files"),
    (["edit", "{d}/in.evc", "{d}/out.wav", "--gain", "1"], "edit writes .evc or .json files"),
    (["render-event", "{d}/in.evc", "1", "{d}/out.flac"], "render-event writes .wav files"),
    (["export", "{d}/in.evc", "{d}/out.mid", "--format", "csv"], "writes .csv files"),
    (["plot", "controls", "{d}/in.evc", "0", "-o", "{d}/out.jpg"], "plot writes .png or .svg or .pdf files"),
])
def test_a_wrong_suffix_is_refused_in_one_line(work: Path, argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(work)
    rc, _, err = run_cli([a.format(d=work) for a in argv], capsys)
    assert_clean_failure(rc, err)
    assert message in err
    assert snapshot(work) == before


def test_neighbours_makes_its_render_folder_and_keeps_existing_wavs(work: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = work / "out" / "neighbours"  # does not exist yet
    rc, _, err = run_cli(["neighbours", str(work / "in.evc"), "1", "-k", "2", "--render", str(folder), "-q"], capsys)
    assert rc == 0, err
    wavs = sorted(folder.glob("*.wav"))
    assert len(wavs) == 2
    wavs[0].write_bytes(SENTINEL)
    rc, _, err = run_cli(["neighbours", str(work / "in.evc"), "1", "-k", "2", "--render", str(folder)], capsys)
    assert_clean_failure(rc, err)
    assert wavs[0].read_bytes() == SENTINEL
    rc, _, err = run_cli(["neighbours", str(work / "in.evc"), "1", "-k", "2", "--render", str(folder), "-y"], capsys)
    assert rc == 0 and wavs[0].read_bytes() != SENTINEL


def test_batch_and_bench_take_y_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for cmd in ("encode-many", "decode-many"):
        assert parser.parse_args([cmd, "in", "out", "-y"]).overwrite
    out = tmp_path / "bench"
    out.mkdir()
    (out / "results.json").write_text("{}")
    rc, _, err = run_cli(["bench", "--corpus", str(tmp_path), "--out", str(out), "-q"], capsys)
    assert rc != 0 and "-y/--overwrite" in err
    assert (out / "results.json").read_text() == "{}"
