"""Planning a batch: which files are picked up and where their outputs go."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventcodec.batch.plan import output_rels, plan_jobs
from eventcodec.errors import EventCodecError


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")


def test_plan_mirrors_tree_and_ignores_non_audio_and_hidden(tmp_path: Path) -> None:
    src = tmp_path / "lib"
    for rel in ["a.flac", "sub/b.WAV", "sub/deep/c.ogg", "cover.jpg", ".hidden.wav", ".cache/d.wav"]:
        _touch(src / rel)
    jobs = plan_jobs("encode", src, tmp_path / "out", {"encoder": "abs"})
    assert [j.rel for j in jobs] == ["a.flac", "sub/b.WAV", "sub/deep/c.ogg"]
    assert [j.output_rel for j in jobs] == ["a.evc", "sub/b.evc", "sub/deep/c.evc"]
    assert jobs[1].output_path == str((tmp_path / "out" / "sub" / "b.evc").resolve())
    assert all(j.size_bytes == 1 for j in jobs)


def test_plan_decode_picks_evc_only(tmp_path: Path) -> None:
    for rel in ["x.evc", "y.wav"]:
        _touch(tmp_path / "in" / rel)
    jobs = plan_jobs("decode", tmp_path / "in", tmp_path / "out", {})
    assert [(j.rel, j.output_rel) for j in jobs] == [("x.evc", "x.wav")]


def test_colliding_outputs_keep_their_extension() -> None:
    assert output_rels(["a.wav", "a.flac", "b.ogg"], ".evc") == ["a.wav.evc", "a.flac.evc", "b.evc"]


def test_output_folder_inside_input_is_not_scanned(tmp_path: Path) -> None:
    _touch(tmp_path / "lib" / "a.wav")
    _touch(tmp_path / "lib" / "decoded" / "a.wav")
    jobs = plan_jobs("encode", tmp_path / "lib", tmp_path / "lib" / "decoded", {})
    assert [j.rel for j in jobs] == ["a.wav"]


def test_missing_input_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(EventCodecError, match="does not exist"):
        plan_jobs("encode", tmp_path / "nope", tmp_path / "out", {})
    _touch(tmp_path / "file.wav")
    with pytest.raises(EventCodecError, match="not a folder"):
        plan_jobs("encode", tmp_path, tmp_path / "file.wav", {})
