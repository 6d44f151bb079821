"""`decode` renders through the synthesizer; a --start/--duration range equals that part of the full decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from cli_helpers import run_cli
from scipy.ndimage import maximum_filter1d
from scipy.signal import chirp

from eventcodec.codec import encode
from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.encode import EncodeOptions
from eventcodec.format import CHUNK_SAMPLES
from eventcodec.types import SAMPLE_RATE, EventSet

# a 3 s exponential sweep 100 Hz -> 4 kHz peaking at -6 dBFS
_T_S = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
SWEEP = (0.5 * chirp(_T_S, 100.0, 3.0, 4000.0, method="logarithmic", phi=-90)).astype(np.float32)


@pytest.fixture
def ringing_evc(tmp_path: Path) -> Path:
    """Three tonal events; the first rings for seconds, across the chunk boundaries the range starts in."""
    vectors = np.tile(default_unit_vector(), (3, 1))
    vectors[:, INDEX["amp_db"]] = 0.8
    vectors[:, INDEX["tonal_mix"]] = 1.0
    vectors[0, INDEX["decay_s"]] = 0.9  # T60 about 9 s: rings across the chunk boundary
    vectors[:, INDEX["f0_hz"]] = [0.3, 0.5, 0.6]
    events = EventSet([1000, CHUNK_SAMPLES + 500, 2 * CHUNK_SAMPLES + 9000], vectors, n_samples=3 * CHUNK_SAMPLES)
    path = tmp_path / "ring.evc"
    path.write_bytes(events.to_bytes())
    return path


def test_decode_writes_the_whole_length(ringing_evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "full.wav"
    rc, _, err = run_cli(["decode", str(ringing_evc), str(out), "--quiet"], capsys)
    assert rc == 0, err
    audio, rate = sf.read(out, dtype="float32")
    assert rate == 22050 and len(audio) == 3 * CHUNK_SAMPLES
    assert np.abs(audio[1000:5000]).max() > 0.01  # the first event sounds
    assert np.abs(audio[:900]).max() < 1e-3  # nothing before it (pre-roll is at most 128 samples)


def test_range_matches_the_full_decode(ringing_evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full, part = tmp_path / "full.wav", tmp_path / "part.wav"
    assert run_cli(["decode", str(ringing_evc), str(full), "-q"], capsys)[0] == 0
    start_s, duration_s = (CHUNK_SAMPLES + 100) / 22050, 1.0
    assert run_cli(["decode", str(ringing_evc), str(part), "-q", "--start", str(start_s),
                    "--duration", str(duration_s)], capsys)[0] == 0
    a, _ = sf.read(full, dtype="float32")
    b, _ = sf.read(part, dtype="float32")
    start = round(start_s * 22050)
    assert len(b) == 22050
    # the first event (in chunk 0) still rings here: the range must have carried it in
    assert np.abs(b[:400]).max() > 1e-3
    np.testing.assert_allclose(b, a[start : start + len(b)], atol=2.0 / 32768)


def test_loud_output_is_reported_and_clipped_limited_or_kept_as_asked(
    ringing_evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, loud, limited, floats = (tmp_path / f"{k}.wav" for k in ("plain", "loud", "limited", "float"))
    rc, _, err = run_cli(["decode", str(ringing_evc), str(plain)], capsys)  # the summary goes to stderr
    assert rc == 0 and "peak -" in err and "warning" not in err  # amp_db 0.8: under full scale
    reference, _ = sf.read(plain, dtype="float32")
    peak = np.abs(reference).max()
    scale = np.float32(2.0 / peak)  # twice full scale
    gain_db = 20 * np.log10(scale)
    rc, _, err = run_cli(["decode", str(ringing_evc), str(loud), "--gain-db", str(gain_db)], capsys)
    assert rc == 0 and "peak +6.0 dBFS" in err
    assert "clipped" in err and f"--gain-db {gain_db - 6.0 - 0.1:.1f}" in err
    assert np.abs(sf.read(loud, dtype="float32")[0]).max() == 1.0
    rc, _, err = run_cli(["decode", str(ringing_evc), str(floats), "--gain-db", str(gain_db), "--float"], capsys)
    x, _ = sf.read(floats, dtype="float32")
    assert rc == 0 and sf.info(floats).subtype == "FLOAT" and "warning" not in err
    np.testing.assert_allclose(x, scale * reference, atol=scale / 32768)  # nothing clipped
    rc, _, err = run_cli(["decode", str(ringing_evc), str(limited), "--gain-db", str(gain_db), "--limit"], capsys)
    assert rc == 0 and "samples limited" in err and "warning" not in err
    y, _ = sf.read(limited, dtype="float32")
    assert len(y) == len(x) and np.abs(y).max() <= 10 ** (-0.1 / 20) + 1 / 32768
    # where nothing within the limiter's reach (50 ms hold + 2 x 5 ms look-ahead) passes the ceiling, no change
    calm = maximum_filter1d(np.abs(x), 2 * (1103 + 2 * 111) + 1) < 10 ** (-0.1 / 20)
    assert calm.mean() > 0.1
    np.testing.assert_allclose(y[calm], x[calm], atol=1 / 32768)


def test_the_output_format_follows_the_suffix(ringing_evc: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    wav, flac = tmp_path / "a.wav", tmp_path / "a.FLAC"
    assert run_cli(["decode", str(ringing_evc), str(wav), "-q"], capsys)[0] == 0
    assert run_cli(["decode", str(ringing_evc), str(flac), "-q"], capsys)[0] == 0
    assert sf.info(flac).format == "FLAC" and sf.info(wav).format == "WAV"
    assert np.array_equal(sf.read(flac, dtype="int16")[0], sf.read(wav, dtype="int16")[0])
    for name, extra, message in (("a.mp3", [], "writes .wav or .flac files"), ("b.flac", ["--float"], "need a .wav")):
        rc, _, err = run_cli(["decode", str(ringing_evc), str(tmp_path / name), *extra], capsys)
        assert rc != 0 and message in err and len(err.strip().splitlines()) == 1
        assert not (tmp_path / name).exists()


def test_the_decoder_is_never_louder_than_the_inputs_peak_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evc = tmp_path / "sweep.evc"
    evc.write_bytes(encode(SWEEP, SAMPLE_RATE, options=EncodeOptions(quality="fast")).to_bytes())
    peaks = {}
    for name, extra in {"default": [], "limit": ["--limit"], "none": ["--no-limit", "--float"]}.items():
        out = tmp_path / f"{name}.wav"
        rc, _, err = run_cli(["decode", str(evc), str(out), "-q", *extra], capsys)
        assert rc == 0, err
        peaks[name] = 20 * np.log10(np.abs(sf.read(out, dtype="float32")[0]).max())
    assert peaks["default"] <= -6.0 + 0.05  # the noisy decode of a pure tone peaks far over it unlimited
    assert peaks["none"] > peaks["default"] + 1.0
    assert -6.0 < peaks["limit"] <= -0.1 + 0.01
    rc, _, err = run_cli(["decode", str(evc), str(tmp_path / "x.wav"), "--limit", "--no-limit"], capsys)
    assert rc != 0 and "not allowed with" in err


def test_a_range_past_the_end_is_said(ringing_evc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    total_s = 3 * CHUNK_SAMPLES / 22050
    rc, _, err = run_cli(["decode", str(ringing_evc), str(tmp_path / "end.wav"), "--start", repr(total_s - 1),
                          "--duration", "5", "-q"], capsys)
    assert rc == 0
    assert len(sf.read(tmp_path / "end.wav")[0]) == round(22050 * 1.0)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "warning" in lines[0] and f"ends at {total_s:.3f} s" in lines[0]
    assert "writing 1.000 s" in lines[0] and "5 s asked" in lines[0]
