import numpy as np
import scipy.signal
import torch

from eventcodec.spectral import mrstft_distance, stft_magnitude


def test_paper_shape_for_2_17_samples():
    x = torch.randn(2, 2**17)
    assert stft_magnitude(x).shape == (2, 1025, 512)


def test_matches_scipy_stft_magnitude():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(8192)
    ours = stft_magnitude(torch.from_numpy(x)).numpy()
    win = scipy.signal.get_window("hann", 2048, fftbins=True)
    padded = np.concatenate([x, np.zeros(2048)])
    ref = np.stack(
        [np.abs(np.fft.rfft(padded[t * 256 : t * 256 + 2048] * win)) for t in range(8192 // 256)], axis=1
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-8)


def test_mrstft_zero_for_identical_and_grows_with_noise():
    x = torch.randn(8192)
    assert mrstft_distance(x, x).item() < 1e-5
    small = mrstft_distance(x + 0.01 * torch.randn(8192), x).item()
    large = mrstft_distance(x + 0.5 * torch.randn(8192), x).item()
    assert 0 < small < large


def test_stft_is_differentiable():
    x = torch.randn(4096, requires_grad=True)
    stft_magnitude(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
