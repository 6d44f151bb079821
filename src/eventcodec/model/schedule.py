"""Coarse scheduling: place an event rendered at time 0 at its frame by convolving with the one-hot."""

from __future__ import annotations

import torch


def place_at_frames(audio: torch.Tensor, one_hot: torch.Tensor, hop: int) -> torch.Tensor:
    """Convolve each event with its frame one-hot upsampled to samples (FFT, truncated, not circular).

    With a hard one-hot this is a delay by `frame * hop` samples; the convolution keeps the
    straight-through gradient to the selection logits.

    Args:
        audio: (batch, n_samples) events rendered starting at sample 0.
        one_hot: (batch, frames) selection, frames * hop == n_samples.
    Returns:
        (batch, n_samples) placed events.
    """
    n = audio.shape[-1]
    impulses = torch.zeros_like(audio)
    impulses[:, ::hop] = one_hot
    spectrum = torch.fft.rfft(audio, 2 * n) * torch.fft.rfft(impulses, 2 * n)
    return torch.fft.irfft(spectrum, 2 * n)[..., :n]


def delay(audio: torch.Tensor, n_delay: int) -> torch.Tensor:
    """Exact integer delay with zero fill, same length: (..., n_samples) -> (..., n_samples)."""
    if n_delay <= 0:
        return audio
    return torch.nn.functional.pad(audio, (n_delay, 0))[..., : audio.shape[-1]]
