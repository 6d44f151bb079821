"""Fitting smoke test: gradient descent on the controls recovers a synthetic target event."""

import numpy as np
import torch

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.synth import render


def _spectral_distance(x, y):
    """Multi-resolution L1 distance between linear STFT magnitudes (the paper's kind of loss)."""
    d = 0.0
    for n_fft in (256, 512, 1024):
        w = torch.hann_window(n_fft, dtype=x.dtype)
        sx = torch.stft(x, n_fft, n_fft // 4, window=w, return_complex=True).abs()
        sy = torch.stft(y, n_fft, n_fft // 4, window=w, return_complex=True).abs()
        d = d + (sx - sy).abs().mean()
    return d


def test_gradient_descent_recovers_a_synthetic_event():
    target_u = default_unit_vector()
    fitted = ("amp_db", "decay_s", "brightness_hz", "tonal_mix", "noise_lowpass_hz", "env_decay_s", "f0_hz")
    for name, value in zip(fitted, (0.7, 0.45, 0.6, 0.7, 0.75, 0.4, 0.42), strict=True):
        target_u[INDEX[name]] = value
    target_u = torch.from_numpy(target_u).double()[None]
    seeds = torch.tensor([12345])
    n = 8192
    target = render(target_u, n, seeds)[0]

    start = target_u.clone()
    offsets = np.array([-0.15, 0.15, -0.12, -0.2, -0.1, 0.12, 0.005])  # f0 starts ~6 cents off
    idx = [INDEX[c] for c in fitted]
    start[0, idx] += torch.from_numpy(offsets)
    free = start[0, idx].clone().requires_grad_(True)
    steps = 150
    opt = torch.optim.Adam([free], lr=0.01)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)

    def controls():
        u = start.clone()
        u[0, idx] = free.clamp(0.0, 1.0)
        return u

    with torch.no_grad():
        d0 = _spectral_distance(render(controls(), n, seeds)[0], target).item()
    for _ in range(steps):
        opt.zero_grad()
        loss = _spectral_distance(render(controls(), n, seeds)[0], target)
        loss.backward()
        opt.step()
        schedule.step()
    with torch.no_grad():
        d1 = _spectral_distance(render(controls(), n, seeds)[0], target).item()
    assert d1 < d0 / 10, (d0, d1)
    assert (free.detach() - target_u[0, idx]).abs().max() < 0.02  # the controls themselves are recovered
