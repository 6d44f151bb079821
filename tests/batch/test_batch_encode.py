"""encode-many / decode-many on a small mixed library, with the real encoder and synthesizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from batch_clips import write_bad_files, write_clip

from eventcodec.batch import BatchConfig, decode_many
from eventcodec.cli.main import main
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

ENCODER = "abs"
GOOD = ["a.flac", "album/b.wav", "album/disc 2/c.flac"]
BAD = ["bad/corrupt.flac", "bad/empty.wav", "bad/notes.mp3"]


def _encode_many(src: Path, out: Path, workers: int) -> int:
    return main(["encode-many", str(src), str(out), "--encoder", ENCODER, "--quality", "fast",
                 "--workers", str(workers), "--quiet"])


def _build_library(src: Path) -> None:
    """3 good clips (0.5, 0.75, 1.0 s) in nested folders, 3 bad files, and a non-audio file that is ignored."""
    for i, rel in enumerate(GOOD):
        write_clip(src / rel, seconds=0.5 + 0.25 * i, f0_hz=180.0 * (i + 1), seed=i)
    write_bad_files(src / "bad")
    (src / "cover.jpg").write_bytes(b"\xff\xd8 not audio but not an audio extension either")


def _check_good_encoded_bad_listed(src: Path, out: Path) -> None:
    for rel in GOOD:
        events = EventSet.from_bytes((out / rel).with_suffix(".evc").read_bytes())
        assert events.n_samples == sf.info(str(src / rel)).frames
    manifest = json.loads((out / "encode-manifest.json").read_text())["files"]
    assert sorted(manifest) == sorted(GOOD + BAD)
    assert all(manifest[rel]["status"] == "done" for rel in GOOD)
    assert all(manifest[rel]["status"] == "failed" for rel in BAD)
    reasons = {rel: manifest[rel]["error"] for rel in BAD}
    assert reasons["bad/empty.wav"] == "empty file"
    assert "cannot read" in reasons["bad/corrupt.flac"] and "cannot read" in reasons["bad/notes.mp3"]
    assert all("\n" not in r for r in reasons.values())
    assert not list(out.rglob("*.part")) and not (out / "bad").exists()


def _check_decoded(out: Path, wav_dir: Path, n_files: int = 3) -> None:
    summary = decode_many(out, wav_dir, BatchConfig(workers=1, progress=False))
    assert (summary.n_files, summary.n_done_now, summary.n_failed) == (n_files, n_files, 0)
    for rel in GOOD:
        events = EventSet.from_bytes((out / rel).with_suffix(".evc").read_bytes())
        audio, sr = sf.read(str((wav_dir / rel).with_suffix(".wav")))
        assert sr == events.sample_rate and len(audio) == events.n_samples
        assert np.all(np.isfinite(audio))


def test_mixed_library_encodes_good_files_lists_bad_ones_resumes_and_decodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    _build_library(src)
    assert _encode_many(src, out, workers=2) == 1  # exit status 1: some files failed
    _check_good_encoded_bad_listed(src, out)

    evcs = sorted(out.rglob("*.evc"))
    mtimes = [p.stat().st_mtime_ns for p in evcs]
    capsys.readouterr()
    assert _encode_many(src, out, workers=1) == 0  # nothing failed in this run: old failures are not retried
    text = capsys.readouterr().out
    assert "6 found, 0 encoded now, 3 already done, 0 failed" in text
    assert "3 failed before (unchanged, not retried" in text
    assert "audio:      0.001 h in done files (0.000 h this run)" in text  # 0.5 + 0.75 + 1.0 s
    assert all(f"FAILED BEFORE {rel}:" in text for rel in BAD)
    assert [p.stat().st_mtime_ns for p in evcs] == mtimes  # done files were not redone
    assert not [p for p in out.iterdir() if p.suffix == ".lock"]  # the run's lock files are gone

    write_clip(src / "bad" / "empty.wav", seconds=0.5)  # a failed file that changed is retried
    assert _encode_many(src, out, workers=1) == 0
    text = capsys.readouterr().out
    assert "6 found, 1 encoded now, 3 already done, 0 failed" in text and "2 failed before" in text

    _check_decoded(out, tmp_path / "wav", n_files=4)


def test_bad_encoder_folder_or_workers_are_one_line_errors(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    write_clip(tmp_path / "in" / "x.wav")
    assert main(["encode-many", str(tmp_path / "in"), str(tmp_path / "out"), "--encoder", "nope"]) == 2
    assert "unknown encoder 'nope'" in capsys.readouterr().err
    assert main(["encode-many", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    assert main(["decode-many", str(tmp_path / "in"), str(tmp_path / "o"), "--workers", "0"]) == 2
    with pytest.raises(EventCodecError, match="not a folder"):
        decode_many(tmp_path / "in" / "x.wav", tmp_path / "o")
