import math

import numpy as np
import torch

from eventcodec.synth.schedule import PRE_ROLL, bucket_length, fft_size, shift_ramp


def _bandlimited(n, delay):
    t = np.arange(n) - n / 2 - delay
    return np.sinc(t / 4.0) * np.exp(-0.5 * (t / 60.0) ** 2)  # smooth pulse well below Nyquist


def test_integer_shift_is_a_circular_roll():
    m = 1024
    x = torch.randn(1, m, dtype=torch.float64)
    y = torch.fft.irfft(torch.fft.rfft(x) * shift_ramp(torch.tensor([5.0], dtype=torch.float64), m), n=m)
    torch.testing.assert_close(y, torch.roll(x, 5, dims=-1))


def test_fractional_shift_matches_ideal_delay():
    m = 2048
    for d in (0.25, 0.5, -3.7, 100.3):
        x = torch.from_numpy(_bandlimited(m, 0.0)).unsqueeze(0)
        y = torch.fft.irfft(torch.fft.rfft(x) * shift_ramp(torch.tensor([d], dtype=torch.float64), m), n=m)
        np.testing.assert_allclose(y[0].numpy(), _bandlimited(m, d), atol=1e-6)


def test_fft_size_leaves_room_for_linear_convolution_and_shifts():
    for n in (1, 100, 1000, 22050, 2**16 - PRE_ROLL):
        assert fft_size(n) >= 2 * n + 2 * PRE_ROLL


def test_buckets_cover_the_request_with_little_padding():
    n = np.array([1, 500, 896, 897, 30_000, 2**20, 2**25])
    b = bucket_length(n)
    assert (b >= n).all()
    assert (b[2:6] < 1.42 * n[2:6]).all()  # at most ~41% padding
    assert len(np.unique(bucket_length(np.arange(1000, 100_000, 7)))) < 30  # few distinct batch shapes


def test_fft_size_with_a_short_excitation():
    assert fft_size(10_000, 1000) >= 11_000 + 2 * PRE_ROLL and fft_size(10_000, 1000) < fft_size(10_000)
    assert fft_size(10_000, 50_000) == fft_size(10_000)


def test_shift_ramp_matches_the_direct_exponential_in_float32_and_float64():
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 2e-5)):
        s = torch.tensor([-128.0, -3.25, 0.0, 0.5, 77.7, 1000.0], dtype=dtype)
        for m in (256, 2048, 3 * 2**15):
            k = torch.arange(m // 2 + 1, dtype=torch.float64)
            phase = k * ((-2.0 * math.pi / m) * s.to(torch.float64)).unsqueeze(-1)
            direct = torch.polar(torch.ones_like(phase), phase)
            got = shift_ramp(s, m)
            assert got.shape == (6, m // 2 + 1)
            assert float((got.to(torch.complex128) - direct).abs().max()) < tol
