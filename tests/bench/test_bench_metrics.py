import numpy as np
import pytest
import scipy.signal
from bench_signals import repeated_note

from eventcodec import metrics
from eventcodec.errors import EventCodecError

SR = 22050


def _music_like(seed: int, n_s: float = 3.0) -> np.ndarray:
    """Decaying harmonic notes at random onsets and pitches, plus a little noise: (n_samples,)."""
    rng = np.random.default_rng(seed)
    n = int(n_s * SR)
    t = np.arange(n) / SR
    x = 0.003 * rng.standard_normal(n)
    for _ in range(int(12 * n_s)):
        onset = rng.uniform(0, n_s - 0.2)
        f0 = 110 * 2 ** rng.uniform(0, 4)
        env = np.where(t >= onset, np.exp(-(t - onset) / rng.uniform(0.03, 0.2)), 0.0)
        for h in range(1, 12):
            if h * f0 < SR / 2:
                x += env * 0.1 / h * np.sin(2 * np.pi * h * f0 * t + rng.uniform(0, 6.3))
    return x.astype(np.float32)


def test_st_corr_self_is_one_unrelated_near_zero_lowpass_between():
    ref, other = _music_like(1), _music_like(2)
    assert metrics.st_corr(ref, ref, SR) == pytest.approx(1.0, abs=1e-9)
    unrelated = metrics.st_corr(ref, other, SR)
    low = metrics.st_corr(ref, metrics.lowpass(ref, SR, 4000.0), SR)
    assert abs(unrelated) < 0.25
    assert 0.5 < low < 0.99


def test_st_corr_ignores_gain():
    ref = _music_like(3)
    assert metrics.st_corr(ref, 0.5 * ref, SR) > 0.99


def test_find_lag_waveform_known_lag():
    ref = _music_like(4)
    lag = 123
    deg = np.concatenate([np.zeros(lag, np.float32), ref])[: len(ref)]
    a = metrics.find_lag(ref, deg, SR)
    assert (a.lag_samples, a.method) == (lag, "waveform")
    r, d = metrics.apply_lag(ref, deg, a.lag_samples)
    np.testing.assert_allclose(r, d, atol=1e-7)


def test_find_lag_spectral_for_a_phase_incoherent_codec():
    ref = _music_like(5)
    # Same STFT magnitudes, random phases (what a parametric codec produces), and 320 samples early.
    _, _, z = scipy.signal.stft(ref, nperseg=1024)
    rng = np.random.default_rng(0)
    _, vocoded = scipy.signal.istft(np.abs(z) * np.exp(2j * np.pi * rng.random(z.shape)), nperseg=1024)
    early = np.concatenate([vocoded[320 : len(ref)], np.zeros(320)]).astype(np.float32)
    a = metrics.find_lag(ref, early, SR)
    assert a.method == "spectral"
    assert abs(a.lag_samples + 320) <= metrics.ALIGN_HOP


def test_find_lag_is_zero_without_evidence():
    a = metrics.find_lag(_music_like(7), _music_like(8), SR)
    assert (a.lag_samples, a.method) == (0, "none")


def test_mrstft_zero_for_identical_larger_for_lowpass():
    ref = _music_like(6, 1.0)
    assert metrics.mrstft(ref, ref, SR) < 1e-4
    assert metrics.mrstft(ref, metrics.lowpass(ref, SR, 2000.0), SR) > 0.5


def test_bad_input_is_a_user_error():
    with pytest.raises(EventCodecError):
        metrics.st_corr(np.zeros(0), np.zeros(10), SR)
    with pytest.raises(EventCodecError):
        metrics.st_corr(np.full(2048, np.nan), np.zeros(2048), SR)


def test_mel_filterbank_covers_40hz_to_nyquist():
    fb = metrics.mel_filterbank(SR)
    assert fb.shape == (64, 513)
    assert fb.max() == pytest.approx(1.0, abs=0.05)
    bins_hz = np.arange(513) * SR / 1024
    assert bins_hz[fb[0] > 0].min() >= 40.0
    assert fb[-1, -2] > 0  # the top band reaches Nyquist


def test_fs_corr_self_is_one_and_survives_gain_and_a_lag():
    ref = _music_like(9)
    assert metrics.fs_corr(ref, ref, SR) == pytest.approx(1.0, abs=1e-9)
    assert metrics.fs_corr(ref, 0.5 * ref, SR) > 0.99
    late = np.concatenate([np.zeros(300, np.float32), ref])[: len(ref)]
    assert metrics.fs_corr(ref, late, SR) > 0.99  # aligned=False: the lag is found first
    assert abs(metrics.fs_corr(ref, _music_like(10), SR)) < 0.1


def test_fs_corr_sees_pitch_where_st_corr_does_not():
    ref = repeated_note(220.0, 3 * SR)
    three_semitones_up = repeated_note(220.0 * 2 ** (3 / 12), 3 * SR, seed=1)
    assert metrics.st_corr(ref, three_semitones_up, SR) > 0.5  # same rhythm and envelope: ST-corr is fooled
    assert abs(metrics.fs_corr(ref, three_semitones_up, SR)) < 0.2


def test_fs_corr_of_a_zero_variance_signal_is_zero():
    ref = _music_like(11, 1.0)
    assert metrics.fs_corr(ref, np.zeros_like(ref), SR, aligned=True) == 0.0
