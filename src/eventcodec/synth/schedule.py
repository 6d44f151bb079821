"""Scheduling: FFT sizes, fractional (sub-sample) shifts as phase ramps, render-length buckets (pure)."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import torch

MAX_SHIFT = 128  # |shift_samples| bound from the controls table
PRE_ROLL = MAX_SHIFT  # samples rendered before the event time so negative shifts are kept in decoding
COLOUR_RING = 2048  # samples for the colour filters' ring-out (20 Hz high-pass: -60 dB after ~1700)
MIN_BUCKET_LOG2 = 11


def fft_size(n_samples: int) -> int:
    """FFT size M >= 2 n + 2 MAX_SHIFT + COLOUR_RING.

    The excitation (n samples, then the colour filters' ring) convolved with an n-sample resonance
    and shifted by up to +-MAX_SHIFT never wraps into the first n output samples.
    """
    return int(scipy.fft.next_fast_len(2 * n_samples + 2 * MAX_SHIFT + COLOUR_RING, real=True))


def shift_phase(shift_samples: torch.Tensor, n_fft: int) -> torch.Tensor:
    """Phase -2 pi k s / M (batch, n_fft // 2 + 1) in radians: exp(i phase) delays by s samples (fractional).

    Args:
        shift_samples: (batch,) delays in samples (negative advances).
        n_fft: FFT size M.
    """
    k = torch.arange(n_fft // 2 + 1, dtype=shift_samples.dtype, device=shift_samples.device)
    return k * ((-2.0 * math.pi / n_fft) * shift_samples).unsqueeze(-1)


def shift_ramp(shift_samples: torch.Tensor, n_fft: int) -> torch.Tensor:
    """exp(-2 pi i k s / M): multiplying an rFFT by it delays the signal by s samples (fractional, circular).

    Returns:
        complex (batch, n_fft // 2 + 1).
    """
    phase = shift_phase(shift_samples, n_fft)
    return torch.polar(torch.ones_like(phase), phase)


def bucket_length(n_samples: np.ndarray) -> np.ndarray:
    """Render lengths for decoding: the smallest 2^k - MAX_SHIFT - COLOUR_RING / 2 >= n, whose FFT size
    (`fft_size`) is exactly 2^(k+1)."""
    pad = MAX_SHIFT + COLOUR_RING // 2
    n = np.maximum(np.asarray(n_samples, dtype=np.int64) + pad, 2**MIN_BUCKET_LOG2)
    k = np.ceil(np.log2(n)).astype(np.int64)
    return (np.int64(1) << k) - pad
