"""Bad samples at every entry point: refused in one line naming the time (NaN, inf, absurd), DC removed and
clipping reported with a warning, subnormals flushed (issue 22, items 1-3)."""

from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from tests.cli.cli_helpers import assert_clean_failure, run_cli

from eventcodec.audio import example_path, load
from eventcodec.codec import encode, encode_file
from eventcodec.encode import EncodeOptions
from eventcodec.errors import AudioError
from eventcodec.input_checks import InputWarning, check_array

FAST = EncodeOptions(quality="fast", texture=False)


@functools.cache
def _music() -> np.ndarray:
    audio, _ = load(example_path())
    return audio[22050 : 2 * 22050].copy()  # 1 s of the example: ~10 events at quality fast


def music() -> np.ndarray:
    return _music().copy()


def short_music() -> np.ndarray:
    """0.5 s (6 events at quality fast): encodes that must stay quick."""
    return _music()[:11025].copy()


@pytest.mark.parametrize(("value", "shown"), [(np.nan, "is NaN"), (np.inf, "is +inf"), (-np.inf, "is -inf"),
                                              (1e30, "is +1e+30, beyond +-1000")])
def test_api_refuses_bad_samples_naming_the_first(value: float, shown: str) -> None:
    x = music()
    x[11025] = value
    x[15000] = value
    with pytest.raises(AudioError, match=rf"^sample at 0\.500000 s {re.escape(shown)}"):
        encode(x, options=FAST)


def test_api_names_the_channel_and_the_source_rate() -> None:
    stereo = np.zeros((48000, 2))
    stereo[24000, 1] = np.nan
    with pytest.raises(AudioError, match=r"sample at 0\.500000 s \(channel 2 of 2\) is NaN"):
        encode(stereo, sample_rate=48000, options=FAST)
    with pytest.raises(AudioError, match=r"sample at 0\.000000 s is \+1e\+300"):
        encode(np.full(100, 1e300), options=FAST)  # float64 beyond float32: not turned into inf first


def test_api_refuses_integer_samples() -> None:
    with pytest.raises(AudioError, match=r"float samples .* not int16; for 16-bit PCM divide by 32768"):
        encode((music() * 20000).astype(np.int16), options=FAST)


def test_file_and_cli_refuse_a_nan_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = np.stack([music(), music()], axis=1)
    x[5000:6000, 0] = np.nan
    wav = tmp_path / "nan.wav"
    sf.write(wav, x, 22050, subtype="FLOAT")
    with pytest.raises(AudioError, match=r"sample at 0\.226757 s \(channel 1 of 2\) is NaN"):
        encode_file(wav, options=FAST)
    rc, _, err = run_cli(["encode", str(wav), str(tmp_path / "out.evc"), "--quality", "fast", "-q"], capsys)
    assert_clean_failure(rc, err)
    assert "sample at 0.226757 s (channel 1 of 2) is NaN" in err
    assert not (tmp_path / "out.evc").exists()


def test_load_names_the_bad_sample(tmp_path: Path) -> None:
    x = music()
    x[2205] = np.inf
    sf.write(tmp_path / "inf.wav", x, 22050, subtype="FLOAT")
    with pytest.raises(AudioError, match=r"inf.wav: sample at 0\.100000 s is \+inf"):
        load(tmp_path / "inf.wav")


def test_subnormals_are_flushed_silently() -> None:
    x = np.full(1000, 1e-40, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mono, stats = check_array(x, 22050)
        stats.warn()
    assert not mono.any()


def test_dc_offset_is_removed_with_a_warning() -> None:
    """+0.5 DC gave 1 event instead of the clean clip's 6; now it gives what the clean clip gives."""
    clean = len(encode(short_music(), options=FAST))
    with pytest.warns(InputWarning, match=r"DC offset \(\+0\.500\); removed before analysis"):
        shifted = len(encode(short_music() + 0.5, options=FAST))
    assert clean >= 4
    assert abs(shifted - clean) <= max(2, clean // 5)


def test_a_few_samples_are_content_not_dc() -> None:
    """The mean of one sample (or of 50 ms) is what it holds: nothing is removed, nothing said."""
    for x in (np.array([0.5], np.float32), np.full(1100, 0.3, np.float32)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mono, stats = check_array(x, 22050)
            stats.warn()
        np.testing.assert_array_equal(mono, x)


def test_cli_warns_on_clipped_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "loud.wav"
    sf.write(wav, np.clip(short_music() * 31.6, -1, 1), 22050)  # +30 dB, clipped by the 16-bit file
    rc, _, err = run_cli(["encode", str(wav), str(tmp_path / "loud.evc"), "--quality", "fast", "-q",
                          "--no-texture"], capsys)
    assert rc == 0
    assert "eventcodec: warning: input clips:" in err
    assert (tmp_path / "loud.evc").exists()
