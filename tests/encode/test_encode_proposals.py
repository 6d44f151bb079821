"""Onset, pitch and shape proposals read off a residual spectrogram."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eventcodec.encode.abs.proposals import estimate_envelope, estimate_pitch, noise_band, pick_onset
from eventcodec.encode.abs.spectra import power_spectrogram

SR = 22050


def _spec(x: np.ndarray) -> np.ndarray:
    return power_spectrogram(torch.from_numpy(x.astype(np.float32))).numpy()


def _tone(f0: float, n: int = SR, partials: int = 10, missing_fundamental: bool = False) -> np.ndarray:
    t = np.arange(n) / SR
    ks = range(2 if missing_fundamental else 1, partials + 1)
    return sum(np.sin(2 * np.pi * k * f0 * t + k) / k for k in ks if k * f0 < SR / 2)  # type: ignore[return-value]


@pytest.mark.parametrize("f0", [41.2, 98.0, 220.0, 261.6, 523.3, 1046.5, 2093.0])
def test_pitch_within_50_cents(f0: float) -> None:
    est = estimate_pitch(_spec(_tone(f0))[:, 20:30].mean(axis=1))
    assert abs(1200 * np.log2(est.f0_hz / f0)) < 50
    assert est.salience > 1.5


def test_pitch_does_not_lock_to_subharmonic_or_octave() -> None:
    f0 = 330.0
    est = estimate_pitch(_spec(_tone(f0, partials=6))[:, 20:30].mean(axis=1))
    assert abs(1200 * np.log2(est.f0_hz / f0)) < 50  # not 165 (sub-harmonic) nor 660 (octave)


def test_noise_has_low_salience_and_its_band() -> None:
    rng = np.random.default_rng(0)
    spec = _spec(rng.standard_normal(SR))[:, 20:30].mean(axis=1)
    assert estimate_pitch(spec).salience < 1.5
    lo, hi = noise_band(spec)
    assert lo < 1000 and hi > 8000


def test_onset_found_at_burst() -> None:
    x = np.zeros(SR, np.float32)
    start = 10000
    x[start : start + 4000] = np.sin(2 * np.pi * 440 * np.arange(4000) / SR) * np.exp(-np.arange(4000) / 1500)
    spec = _spec(x)
    onset = pick_onset(spec.sum(axis=0), np.ones(spec.shape[1], bool))
    # spectrogram onset: where the 2048-sample frame starts to overlap the burst, about 4 frames early
    assert abs((onset + 4) * 256 - start) <= 3 * 256


def test_envelope_decay_and_hold() -> None:
    t = np.arange(300) * 256 / SR
    decaying = 10 ** (-(60 / 1.0) * t / 10)  # power falling 60 dB per second: T60 = 1 s
    env = estimate_envelope(decaying, 0)
    assert 0.7 < env.decay_s < 1.4 and env.hold_s < 0.15
    held = np.where(t < 1.5, 1.0, 1e-6)
    assert 1.3 < estimate_envelope(held, 0).hold_s < 1.7


@pytest.mark.parametrize("f0", [110.0, 196.3, 261.6, 311.1, 523.25, 987.8])
def test_pitch_between_bins_is_placed_within_3_cents(f0: float) -> None:
    """Harmonics fall between the 10.8 Hz bins; the sub-bin refinement puts f0 within 3 cents (was up to 11)."""
    est = estimate_pitch(_spec(_tone(f0, partials=8))[:, 40])
    assert abs(1200 * np.log2(est.f0_hz / f0)) < 3.0


def test_pitch_is_stored_at_12_bits() -> None:
    from eventcodec.controls import INDEX
    from eventcodec.format.quantizer import controls_quantizer

    q = controls_quantizer()
    assert q.bits[INDEX["f0_hz"]] == 12 and q.bits[INDEX["amp_db"]] == 8
    assert controls_quantizer({"amp_db": 6}).bits[INDEX["f0_hz"]] == 12  # a mapping overrides the defaults only
    assert controls_quantizer(8).bits[INDEX["f0_hz"]] == 8
