import math

import numpy as np
import pytest
import torch

from eventcodec.synth.resonance import (
    damped_sinusoid_bank,
    damped_sinusoid_reference,
    damped_sinusoid_spectrum,
    harmonic_family,
    t60_to_radius,
    unit_energy_gain,
)

SR = 22050


def _bank(dtype=torch.float64):
    f = torch.tensor([[440.0, 1000.0, 5000.0, 50.0], [27.5, 3000.0, 10900.0, 200.0]], dtype=dtype)
    t60 = torch.tensor([[0.5, 2.0, 0.05, 20.0], [0.01, 1.0, 0.3, 5.0]], dtype=dtype)
    a = torch.tensor([[1.0, 0.5, 0.3, 0.2], [0.7, 1.0, 0.1, 0.4]], dtype=dtype)
    return f, t60, a


def test_closed_form_spectrum_matches_time_domain_reference():
    f, t60, a = _bank()
    length, n_fft = 3001, 8192
    spec = damped_sinusoid_spectrum(f, t60, a, n_fft, length, SR)
    ref = damped_sinusoid_reference(f, t60, a, length, SR)
    np.testing.assert_allclose(spec.numpy(), np.fft.rfft(ref.numpy(), n_fft), atol=1e-9)


def test_closed_form_spectrum_float32_is_accurate():
    f, t60, a = _bank()
    spec = damped_sinusoid_spectrum(f.float(), t60.float(), a.float(), 8192, 4000, SR)
    h = torch.fft.irfft(spec, n=8192)
    ref = damped_sinusoid_reference(f, t60, a, 4000, SR)
    assert (h[:, :4000].double() - ref).abs().max() < 1e-4
    assert h[:, 4000:].abs().max() < 1e-4  # truncated: nothing after `length`


def test_matmul_bank_matches_reference_for_long_renders():
    f, t60, a = _bank()
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        h = damped_sinusoid_bank(f.to(dtype), t60.to(dtype), a.to(dtype), 100_003, SR)
        ref = damped_sinusoid_reference(f, t60, a, 100_003, SR)
        assert h.shape == (2, 100_003)
        assert (h.double() - ref).abs().max() < tol


def test_t60_is_the_time_to_fall_60_db():
    t60 = torch.tensor([0.05, 0.5, 3.0], dtype=torch.float64)
    r = t60_to_radius(t60, SR)
    assert torch.allclose(r ** (t60 * SR), torch.full_like(t60, 1e-3))
    h = damped_sinusoid_reference(torch.full((3, 1), 1000.0), t60.unsqueeze(-1), torch.ones(3, 1), 4 * SR, SR)
    for i, t in enumerate(t60.tolist()):
        n = int(t * SR)
        period = SR // 1000 + 1
        early = h[i, :period].abs().max().item()
        late = h[i, n : n + period].abs().max().item()
        assert 20 * math.log10(late / early) == pytest_approx(-60.0, 1.5)


def pytest_approx(x, tol):

    return pytest.approx(x, abs=tol)


def _family(**kw):
    base = dict(f0_hz=200.0, n_partials=8.0, inharmonicity=1e-6, decay_s=1.0, decay_tilt=0.0, brightness_hz=11025.0,
                slope_db_oct=0.0, odd_even=0.0, detune_cents=0.0)
    base.update(kw)
    t = {k: torch.tensor([v], dtype=torch.float64) for k, v in base.items()}
    return harmonic_family(sample_rate=SR, max_partials=16, **t)


def test_harmonic_family_frequencies_decays_and_masks():
    freq, t60, amp = _family(inharmonicity=0.01, decay_tilt=1.0)
    k = torch.arange(1, 17, dtype=torch.float64)
    assert torch.allclose(freq[0], 200.0 * k * torch.sqrt(1 + 0.01 * k * k))
    assert torch.allclose(t60[0], 1.0 / k)
    assert (amp[0, 8:] == 0).all() and (amp[0, :8] > 0.99).all()  # n_partials = 8


def test_odd_only_slope_and_brightness():
    _, _, amp = _family(odd_even=-1.0)
    assert (amp[0, 1:8:2] == 0).all() and (amp[0, 0:8:2] > 0).all()
    _, _, amp = _family(slope_db_oct=-6.0)
    assert 20 * math.log10(amp[0, 3] / amp[0, 1]) == pytest_approx(-6.0, 1e-6)  # partial 4 vs 2: one octave
    _, _, amp = _family(brightness_hz=500.0)
    assert amp[0, 1] > 0.9 and amp[0, 7] < 0.01  # 400 Hz passes, 1600 Hz is cut


def test_partials_above_nyquist_are_silenced():
    freq, _, amp = _family(f0_hz=3000.0)
    assert (amp[0][freq[0] >= 0.5 * SR * 0.98] < 1e-3).all()


def test_unit_energy_gain_normalises_the_bank():
    freq, t60, amp = _family(f0_hz=300.0, decay_tilt=0.5)
    g = unit_energy_gain(t60, amp, SR)
    h = damped_sinusoid_reference(freq, t60, amp * g.unsqueeze(-1), 2 * SR, SR)
    assert float((h**2).sum()) == pytest_approx(1.0, 0.05)
