"""Scheduling: FFT sizes, fractional (sub-sample) shifts as phase ramps, render-length buckets (pure)."""

from __future__ import annotations

import math

import numpy as np
import torch

MAX_SHIFT = 128  # |shift_samples| bound from the controls table
PRE_ROLL = MAX_SHIFT  # samples rendered before the event time so negative shifts are kept in decoding
COLOUR_RING = 2048  # samples for the colour filters' ring-out (20 Hz high-pass: -60 dB after ~1700)


def fft_size(n_samples: int, excitation_samples: int | None = None, ring_samples: int = COLOUR_RING) -> int:
    """FFT size M >= n + n_x + 2 MAX_SHIFT + ring (n_x = excitation length, default n).

    The excitation (n_x samples, then the colour filters' ring) convolved with an n-sample resonance
    and shifted by up to +-MAX_SHIFT never wraps into the first n output samples.
    """
    n_x = n_samples if excitation_samples is None else min(excitation_samples, n_samples)
    return fast_fft_length(n_samples + excitation_span(n_x, ring_samples))


def excitation_span(excitation_samples: int, ring_samples: int = COLOUR_RING) -> int:
    """Samples after which an excitation of n_x samples is over: n_x + 2 MAX_SHIFT + the colour ring (capped)."""
    return excitation_samples + 2 * MAX_SHIFT + min(ring_samples, COLOUR_RING)


def colour_ring_samples(lowest_cutoff_hz: float, sample_rate: int) -> int:
    """Samples for a 2nd-order Butterworth section at `lowest_cutoff_hz` to ring down by 60 dB (+20%)."""
    tau_s = 1.0 / (math.sqrt(0.5) * 2.0 * math.pi * lowest_cutoff_hz)
    return math.ceil(1.2 * math.log(1000.0) * tau_s * sample_rate)


def fast_fft_length(n: int) -> int:
    """Smallest m >= n of the form 2^k x (1, 9/8, 5/4 or 3/2): sizes the CPU FFT handles at full speed
    (some 5-smooth sizes such as 3^8 x 5 run 4x slower per sample)."""
    k = max(4, math.ceil(math.log2(max(n, 1))))
    candidates = [(2**e * num) // den for num, den in ((1, 1), (9, 8), (5, 4), (3, 2)) for e in (k - 1, k)]
    return min(m for m in candidates if m >= n)


RAMP_BLOCK = 64  # bins per inner block of `shift_ramp`


def shift_ramp(shift_samples: torch.Tensor, n_fft: int) -> torch.Tensor:
    """exp(-2 pi i k s / M): multiplying an rFFT by it delays the signal by s samples (fractional, circular).

    With k = RAMP_BLOCK j + i the ramp is the outer product of exp(i w RAMP_BLOCK j) and exp(i w i)
    (w = -2 pi s / M): two short grids of sines and cosines per event instead of one per bin. All
    phases are reduced mod 2 pi in float64 first, so float32 keeps full precision.

    Returns:
        complex (batch, n_fft // 2 + 1).
    """
    n_bins = n_fft // 2 + 1
    dtype, dev = shift_samples.dtype, shift_samples.device
    w = ((-2.0 * math.pi / n_fft) * shift_samples.to(torch.float64)).unsqueeze(-1)
    i = torch.arange(RAMP_BLOCK, dtype=torch.float64, device=dev)
    j = torch.arange(-(-n_bins // RAMP_BLOCK), dtype=torch.float64, device=dev) * RAMP_BLOCK
    inner = torch.remainder(w * i, 2.0 * math.pi).to(dtype)
    outer = torch.remainder(w * j, 2.0 * math.pi).to(dtype)
    ramp = torch.polar(torch.ones_like(outer), outer).unsqueeze(-1) * torch.polar(torch.ones_like(inner),
                                                                                 inner).unsqueeze(-2)
    return ramp.reshape(*shift_samples.shape, -1)[..., :n_bins]


def _grid() -> np.ndarray:
    """Bucket lengths: multiples of 64 spaced by ~sqrt(2) from 1024 to 2^24 samples."""
    sizes = {64 * math.ceil(1024 * 2 ** (k / 2) / 64) for k in range(29)}
    return np.array(sorted(sizes), dtype=np.int64)


BUCKETS = _grid()


def bucket_length(n_samples: np.ndarray) -> np.ndarray:
    """Render lengths for decoding: the smallest bucket >= n (buckets grow by ~41%, so events of
    similar length share a batch; the FFT size adds its own rounding anyway)."""
    n = np.asarray(n_samples, dtype=np.int64)
    idx = np.minimum(np.searchsorted(BUCKETS, n, side="left"), len(BUCKETS) - 1)
    return np.maximum(BUCKETS[idx], n)
