import numpy as np
import pytest
import scipy.signal
import torch

from eventcodec.synth.excitation import colour_response, envelope, excitation_spectrum
from eventcodec.synth.noise import white_noise
from eventcodec.synth.schedule import fft_size

SR = 22050


def _t(*xs):
    return [torch.tensor([x], dtype=torch.float64) for x in xs]


def test_colour_response_matches_scipy_digital_butterworth():
    f = torch.linspace(0.0, SR / 2 - 1.0, 500, dtype=torch.float64)
    for lp, hp in ((3000.0, 200.0), (11025.0, 20.0), (50.0, 8000.0)):
        h = colour_response(f, *_t(lp, hp), sample_rate=SR)[0].numpy()
        b1, a1 = scipy.signal.butter(2, min(lp, 0.995 * SR / 2), "low", fs=SR)
        b2, a2 = scipy.signal.butter(2, hp, "high", fs=SR)
        ref = scipy.signal.freqz(b1, a1, f.numpy(), fs=SR)[1] * scipy.signal.freqz(b2, a2, f.numpy(), fs=SR)[1]
        np.testing.assert_allclose(h, ref, rtol=1e-6, atol=1e-9)


def test_colour_filter_is_causal():
    m = 4096
    f = torch.arange(m // 2 + 1, dtype=torch.float64) * SR / m
    ir = torch.fft.irfft(colour_response(f, *_t(2000.0, 100.0), sample_rate=SR), n=m)[0]
    assert ir[m // 2 :].abs().max() < 1e-6 * ir.abs().max()  # nothing "before" time 0 (the wrapped half)


def test_colour_response_ramp_argument_is_multiplied():
    f = torch.linspace(0.0, SR / 2, 64, dtype=torch.float64)
    phase = torch.linspace(-3.0, 7.0, 64, dtype=torch.float64).unsqueeze(0)
    ramp = torch.polar(torch.ones_like(phase), phase)
    a = colour_response(f, *_t(5000.0, 50.0))
    b = colour_response(f, *_t(5000.0, 50.0), ramp)
    torch.testing.assert_close(b, a * ramp)


def test_envelope_shape_attack_sustain_release():
    t = torch.arange(2 * SR, dtype=torch.float64) / SR
    attack, tau, sus_db, hold, rel = 200 / SR, 0.05, -20.0, 0.5, 0.3
    env = envelope(t, *_t(attack, tau, sus_db, hold, rel, 5.0, 0.0))[0].numpy()
    i_a, i_h = round(attack * SR), round(hold * SR)
    assert env.max() == pytest.approx(1.0, abs=1e-9) and env.argmax() == i_a
    assert env[i_h] == pytest.approx((0.1 - 1e-3) / (1 - 1e-3), rel=1e-3)  # sustain -20 dB reached
    floor = envelope(t, *_t(attack, tau, -60.0, hold, rel, 5.0, 0.0))[0].numpy()
    assert floor[i_a + int(10 * tau * SR)] < 1e-4  # the -60 dB floor means no sustain: it dies away
    assert env[i_h + int(rel * SR)] / env[i_h] == pytest.approx(1e-3, rel=1e-2)  # release: 60 dB in release_s
    trem = envelope(t, *_t(attack, tau, 0.0, 2.0, rel, 4.0, 1.0))[0].numpy()
    assert trem[int(0.125 * SR)] == pytest.approx(0.0, abs=1e-6)  # depth 1: silent at half a 4 Hz period


def test_envelope_without_gradients_equals_the_differentiable_one():
    """The in-place path (one exp for events without sustain) against the autograd path, mixed batch."""
    t = torch.arange(SR, dtype=torch.float64) / SR
    rng = np.random.default_rng(3)
    n = 12
    attack, tau = torch.from_numpy(rng.uniform(5e-4, 0.3, n)), torch.from_numpy(rng.uniform(2e-3, 2.0, n))
    sus = torch.from_numpy(np.where(rng.random(n) < 0.5, -60.0, rng.uniform(-59.0, 0.0, n)))
    hold, rel = torch.from_numpy(rng.uniform(5e-3, 0.8, n)), torch.from_numpy(rng.uniform(2e-3, 1.0, n))
    trem = (torch.full((n,), 5.0, dtype=torch.float64), torch.zeros(n, dtype=torch.float64))
    for sustain in (sus, torch.full_like(sus, -60.0)):  # mixed, and the one-exp path alone
        fast = envelope(t, attack, tau, sustain, hold, rel, *trem)
        ref = envelope(t, attack.requires_grad_(), tau, sustain, hold, rel, *trem).detach()
        attack = attack.detach()
        np.testing.assert_allclose(fast.numpy(), ref.numpy(), rtol=1e-12, atol=1e-14)


def test_noise_is_deterministic_unit_variance_and_length_independent():
    seeds = torch.tensor([0, 1, 2**31 - 1])
    a = white_noise(seeds, 50_000, torch.float64)
    b = white_noise(seeds, 1_000, torch.float64)
    assert torch.equal(a[:, :1000], b)  # a prefix of a longer render is the shorter render
    assert torch.equal(a, white_noise(seeds, 50_000, torch.float64))
    assert a.std(dim=-1).sub(1.0).abs().max() < 0.02 and a.mean().abs() < 0.02
    c = np.corrcoef(a.numpy())
    assert np.abs(c[np.triu_indices(3, 1)]).max() < 0.03


def test_frequency_domain_convolution_matches_scipy_fftconvolve():
    rng = np.random.default_rng(0)
    n = 3000
    x, h = rng.standard_normal((2, n))
    m = fft_size(n)
    y = torch.fft.irfft(torch.fft.rfft(torch.from_numpy(x), n=m) * torch.fft.rfft(torch.from_numpy(h), n=m), n=m)
    np.testing.assert_allclose(y[:n].numpy(), scipy.signal.fftconvolve(x, h)[:n], atol=1e-9)


def test_excitation_spectrum_is_noise_times_envelope_plus_click():
    n = 1000
    m = fft_size(n)
    noise = white_noise(torch.tensor([7]), n, torch.float64)
    env = torch.linspace(1.0, 0.0, n, dtype=torch.float64).unsqueeze(0)
    ones = torch.ones(1, m // 2 + 1, dtype=torch.complex128)
    x = torch.fft.irfft(excitation_spectrum(noise, env, torch.tensor([0.25], dtype=torch.float64), ones, m), n=m)
    from eventcodec.synth.excitation import CLICK_GAIN

    expected = 0.75 * noise[0] * env[0]
    expected[0] += 0.25 * CLICK_GAIN
    torch.testing.assert_close(x[0, :n], expected)
    assert x[0, n:].abs().max() < 1e-12
