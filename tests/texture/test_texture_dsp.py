"""The texture's DSP: level codes, analysis against a known noise level, seekable deterministic rendering."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from eventcodec.texture.analyse import CONTEXT, residual_codes, stft_power
from eventcodec.texture.grid import (
    FRAME_SAMPLES,
    N_BANDS,
    N_FFT,
    STEP_DB,
    UNIT_NOISE_POWER,
    Texture,
    band_of_bin,
    codes_to_levels,
    levels_to_codes,
)
from eventcodec.texture.render import render

SR = 22050


def _flat(level_db: float, n_samples: int) -> Texture:
    code = levels_to_codes(np.array(UNIT_NOISE_POWER * 10 ** (level_db / 10)))
    return Texture(np.full((-(-n_samples // FRAME_SAMPLES), N_BANDS), code, np.uint8))


def _measure(audio: np.ndarray) -> np.ndarray:
    """Texture codes of `audio` against silence (its whole band envelope)."""
    n = -(-len(audio) // FRAME_SAMPLES) * FRAME_SAMPLES
    x = np.pad(audio, (CONTEXT, n - len(audio) + CONTEXT))
    return residual_codes(x, np.zeros_like(x), SR)


def test_codes_round_trip_within_half_a_step() -> None:
    db = np.linspace(-90, 20, 500)
    power = UNIT_NOISE_POWER * 10 ** (db / 10)
    back = 10 * np.log10(codes_to_levels(levels_to_codes(power)) / UNIT_NOISE_POWER)
    assert np.max(np.abs(back - db)) <= STEP_DB / 2 + 1e-9
    assert levels_to_codes(np.array([0.0, UNIT_NOISE_POWER * 1e-12])).tolist() == [0, 0]  # below the floor: silence
    assert codes_to_levels(np.array([0]))[0] == 0.0


def test_stft_power_matches_scipy() -> None:
    x = np.random.default_rng(0).standard_normal(8192)
    ours = stft_power(x)  # frames centred at CONTEXT + k * 256
    _, _, z = scipy.signal.stft(x, nperseg=N_FFT, noverlap=N_FFT - 256, window="hann", boundary=None,
                                padded=False, scaling="spectrum")
    theirs = (np.abs(z) * np.sum(scipy.signal.get_window("hann", N_FFT))) ** 2  # undo scipy's 1/sum(w) scaling
    np.testing.assert_allclose(ours, theirs.T[: len(ours)], rtol=1e-9, atol=1e-9)


def test_white_noise_reads_its_own_level() -> None:
    rng = np.random.default_rng(1)
    noise = rng.standard_normal(SR * 3) * 10 ** (-30 / 20)  # -30 dB re unit-variance noise
    codes = _measure(noise)[1:-1]
    level_db = 10 * np.log10(codes_to_levels(codes) / UNIT_NOISE_POWER)
    assert np.median(level_db) == pytest.approx(-30, abs=STEP_DB / 2 + 0.5)


def test_render_reads_back_its_codes_and_level() -> None:
    n = 2**17
    tex = _flat(-24.0, n)
    y = render(tex, SR, 0, n)
    assert y.dtype == np.float32 and len(y) == n
    rms_db = 10 * np.log10(np.mean(y[4096:-4096].astype(np.float64) ** 2))
    assert rms_db == pytest.approx(-24.0, abs=1.0)  # every band filled: the level is the broadband level
    codes = _measure(y)[2:-2]
    assert np.mean(codes == tex.codes[0, 0]) > 0.9
    assert np.all(np.abs(codes.astype(int) - int(tex.codes[0, 0])) <= 1)


def test_one_band_renders_only_in_that_band() -> None:
    n = 2**16
    codes = np.zeros((n // FRAME_SAMPLES, N_BANDS), np.uint8)
    codes[:, 12] = levels_to_codes(np.array(UNIT_NOISE_POWER * 0.01))
    y = render(Texture(codes), SR, 0, n)
    power = np.mean(stft_power(np.pad(y, CONTEXT)), axis=0)
    bins = np.flatnonzero(band_of_bin(SR) == 12)
    near = slice(bins[0] - 2, bins[-1] + 3)  # the band and the main lobe of the Hann window around it
    assert power[near].sum() / power.sum() > 0.99


def test_any_range_renders_the_same_samples_as_the_whole() -> None:
    rng = np.random.default_rng(2)
    tex = Texture(rng.integers(0, 20, (70, N_BANDS)))
    whole = render(tex, SR, 0, 70 * FRAME_SAMPLES)
    for start, n in [(0, 1000), (12345, 30000), (2**16 - 7, 300), (70 * FRAME_SAMPLES - 500, 500)]:
        np.testing.assert_array_equal(render(tex, SR, start, n), whole[start : start + n])
    np.testing.assert_array_equal(render(tex, SR, 0, 70 * FRAME_SAMPLES), whole)  # deterministic


def test_silent_texture_renders_zeros() -> None:
    assert not render(Texture.silent(5000), SR, 0, 5000).any()
    assert len(render(Texture.silent(5000), SR, 100, 0)) == 0


def test_analysis_fills_only_what_the_decoded_signal_misses() -> None:
    rng = np.random.default_rng(3)
    n = 4 * FRAME_SAMPLES
    x = np.pad(rng.standard_normal(n) * 0.1, CONTEXT)
    assert not residual_codes(x, x, SR).any()  # explained exactly: nothing to fill
    assert not residual_codes(x, 2 * x, SR).any()  # louder than the input: nothing to fill (never negative)
    half = residual_codes(x, x * np.sqrt(0.5), SR)  # half the power explained
    full = residual_codes(x, np.zeros_like(x), SR)
    assert np.all(np.abs(full.astype(int) - half.astype(int) - 3 / STEP_DB * 1) <= 1)  # 3 dB less to fill
    assert residual_codes(x, x, SR).shape == (4, N_BANDS)
