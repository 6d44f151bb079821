"""Spectral front end and distances (pure, batched, differentiable torch functions).

The paper's analysis: STFT magnitude with n_fft 2048, hop 256, periodic Hann, no centring;
2^17 samples give 1025 bins x 512 frames (frame t covers samples [256 t, 256 t + 2048),
zero-padded past the end).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

N_FFT = 2048
HOP = 256


def hann(n_fft: int, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Periodic Hann window, shape (n_fft,)."""
    return torch.hann_window(n_fft, periodic=True, device=device, dtype=dtype)


def frames(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """Frame (..., n_samples) into (..., n_samples // hop, n_fft), zero-padding the end."""
    n_frames = x.shape[-1] // hop
    pad = n_frames * hop + n_fft - hop - x.shape[-1]
    x = torch.nn.functional.pad(x, (0, max(pad, 0)))
    return x.unfold(-1, n_fft, hop)[..., :n_frames, :]


def stft(x: torch.Tensor, window: torch.Tensor, hop: int) -> torch.Tensor:
    """Complex STFT (..., n_samples) -> (..., n_fft // 2 + 1, n_samples // hop)."""
    f = frames(x, window.shape[-1], hop) * window
    return torch.fft.rfft(f, dim=-1).transpose(-1, -2)


def peak_offset(log_spectrum: np.ndarray, i: int) -> float | None:
    """Sub-bin offset in [-0.5, 0.5] of the parabola through a log spectrum's bins i-1, i, i+1, or None where
    bin i is not a local peak."""
    a, b, d = log_spectrum[i - 1], log_spectrum[i], log_spectrum[i + 1]
    if not (b >= a and b >= d):
        return None
    curve = a - 2 * b + d
    return float(np.clip(0.5 * (a - d) / curve, -0.5, 0.5)) if curve < 0 else 0.0


def stft_magnitude(x: torch.Tensor, window: torch.Tensor | None = None, hop: int = HOP) -> torch.Tensor:
    """Linear STFT magnitude (..., n_samples) -> (..., bins, frames); the paper's features."""
    w = hann(N_FFT, x.device, x.dtype) if window is None else window
    return stft(x, w, hop).abs()


class STFTMagnitude(nn.Module):
    """The paper's front end with its window held as a buffer."""

    window: torch.Tensor

    def __init__(self, n_fft: int = N_FFT, hop: int = HOP) -> None:
        super().__init__()
        self.hop = hop
        self.register_buffer("window", hann(n_fft), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return stft_magnitude(x, self.window, self.hop)


def stft_distance(
    x: torch.Tensor, y: torch.Tensor, n_fft: int, hop: int, eps: float = 1e-7
) -> torch.Tensor:
    """Single-resolution distance: spectral convergence + mean |log|X| - log|Y||.

    SC = ||Y| - |X||_F / ||Y||_F (per item), LM = mean|log(|X|+eps) - log(|Y|+eps)|;
    x is the estimate, y the reference; returns shape (...) without the sample axis.
    """
    w = hann(n_fft, x.device, x.dtype)
    X, Y = stft(x, w, hop).abs(), stft(y, w, hop).abs()
    sc = torch.linalg.vector_norm(Y - X, dim=(-2, -1)) / (torch.linalg.vector_norm(Y, dim=(-2, -1)) + eps)
    lm = (torch.log(X + eps) - torch.log(Y + eps)).abs().mean(dim=(-2, -1))
    return sc + lm


MRSTFT_FFTS: tuple[int, ...] = (2048, 1024, 512, 256)


def mrstft_distance(x: torch.Tensor, y: torch.Tensor, ffts: tuple[int, ...] = MRSTFT_FFTS) -> torch.Tensor:
    """Multi-resolution STFT distance: mean over n_fft in `ffts` (hop n_fft/4) of `stft_distance`.

    0 for identical signals; larger is worse. Shape (...) for inputs (..., n_samples).
    """
    return torch.stack([stft_distance(x, y, n, n // 4) for n in ffts]).mean(dim=0)
