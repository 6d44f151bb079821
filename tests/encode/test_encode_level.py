"""The decode keeps the input's level: loudness matched by the encoder, peaks held by the decoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import chirp

from eventcodec.codec import decode, encode
from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.encode import EncodeOptions
from eventcodec.encode.abs.level import decoded_lufs, match_loudness
from eventcodec.loudness import measure
from eventcodec.types import SAMPLE_RATE, EventSet

# a 3 s exponential sweep 100 Hz -> 4 kHz peaking at -6 dBFS
_T_S = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
SWEEP = (0.5 * chirp(_T_S, 100.0, 3.0, 4000.0, method="logarithmic", phi=-90)).astype(np.float32)



def _tones() -> EventSet:
    vectors = np.tile(default_unit_vector(), (4, 1))
    vectors[:, INDEX["tonal_mix"]] = 1.0
    vectors[:, INDEX["amp_db"]] = 0.7
    vectors[:, INDEX["f0_hz"]] = [0.3, 0.4, 0.5, 0.45]
    return EventSet([0, 11025, 22050, 33075], vectors, n_samples=2 * SAMPLE_RATE)


def test_match_loudness_moves_the_decode_to_the_asked_level() -> None:
    events = _tones()
    before = decoded_lufs(events, texture=False)
    matched = match_loudness(events, before + 2.0)
    assert decoded_lufs(matched, texture=False) == pytest.approx(before + 2.0, abs=0.1)
    assert matched.meta["level_match_db"] == pytest.approx(2.0, abs=0.1)
    assert decoded_lufs(match_loudness(events, before - 9.0), texture=False) == pytest.approx(before - 3.0, abs=0.1)
    assert match_loudness(events, before + 0.4) is events  # within the dead band: untouched
    assert match_loudness(events, -np.inf) is events  # a silent input: nothing to match


def test_the_header_records_the_input_level_and_the_decode_matches_its_loudness() -> None:
    audio = SWEEP
    events = encode(audio, SAMPLE_RATE, options=EncodeOptions(quality="fast"))
    level = measure(audio, SAMPLE_RATE)
    assert events.meta["input_lufs"] == pytest.approx(level.lufs, abs=0.01)
    assert events.meta["input_true_peak_dbfs"] == pytest.approx(-6.0, abs=0.05)
    assert measure(decode(events), SAMPLE_RATE).lufs == pytest.approx(level.lufs, abs=1.0)


def test_info_shows_the_input_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from eventcodec.cli.main import main

    evc = tmp_path / "sweep.evc"
    evc.write_bytes(encode(SWEEP, SAMPLE_RATE, options=EncodeOptions(quality="fast")).to_bytes())
    assert main(["info", str(evc)]) == 0
    out = capsys.readouterr().out
    assert "input level:" in out and "true peak -6.0 dBFS" in out
