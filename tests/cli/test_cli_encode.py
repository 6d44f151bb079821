"""`encode` and `demo` end to end with the registered encoder and the synthesizer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from cli_helpers import run_cli

from eventcodec.audio import example_path, load
from eventcodec.encode import available
from eventcodec.types import EventSet

needs_abs = pytest.mark.skipif("abs" not in available(), reason="the abs encoder is not registered")


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, _ = load(example_path())
    path = tmp_path_factory.mktemp("clip") / "short.flac"
    sf.write(path, audio[22050 : 22050 + 11025], 22050)  # 0.5 s with a few notes
    return path


@needs_abs
def test_encode_then_decode_a_short_clip(short_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evc, wav = tmp_path / "short.evc", tmp_path / "short.wav"
    before = short_clip.read_bytes()
    rc, _, err = run_cli(["encode", str(short_clip), str(evc), "--quality", "fast", "--events-per-second", "4",
                          "--quiet"], capsys)
    assert rc == 0, err
    assert short_clip.read_bytes() == before
    events = EventSet.from_bytes(evc.read_bytes())
    assert 1 <= len(events) <= 4 and events.n_samples == 11025 and events.meta.get("encoder") == "abs"
    rc, out, _ = run_cli(["info", str(evc)], capsys)
    assert rc == 0 and f"events:          {len(events)} " in out
    rc, _, err = run_cli(["decode", str(evc), str(wav), "--quiet"], capsys)
    assert rc == 0, err
    audio, rate = sf.read(wav, dtype="float32")
    assert rate == 22050 and len(audio) == 11025 and np.abs(audio).max() > 1e-3


@needs_abs
@pytest.mark.slow
def test_demo_writes_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(["demo", "--out", str(tmp_path / "demo"), "--quality", "fast", "--quiet"], capsys)
    assert rc == 0, err
    names = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert names == ["info.txt", "traveling_minstrels_8s.evc", "traveling_minstrels_8s_decoded.wav",
                     "traveling_minstrels_8s_original.wav"]
    assert "bits per event" in out and str(tmp_path / "demo") in out
    decoded, _ = sf.read(tmp_path / "demo" / "traveling_minstrels_8s_decoded.wav", dtype="float32")
    assert len(decoded) == 8 * 22050
    (tmp_path / "demo" / "mine.txt").write_text("kept")
    rc, _, err = run_cli(["demo", "--out", str(tmp_path / "demo"), "--quality", "fast", "--quiet"], capsys)
    assert rc == 0, err  # `make demo` twice: the demo replaces its own files, and only those
    assert (tmp_path / "demo" / "mine.txt").read_text() == "kept"
