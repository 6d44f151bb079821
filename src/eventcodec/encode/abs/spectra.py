"""Power spectrograms on the paper's grid (n_fft 2048, hop 256), for windows and for single events.

Frame t of a window covers samples [256 t, 256 t + 2048). An event rendered from its onset at sample
256 f is zero-padded in front by 2048 - 256 samples so that its frame j lines up with window frame
f - PAD_FRAMES + j.
"""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.spectral import HOP, N_FFT, hann, stft

N_BINS = N_FFT // 2 + 1
PAD_SAMPLES = N_FFT - HOP
PAD_FRAMES = PAD_SAMPLES // HOP
BIN_HZ = 22050.0 / N_FFT


def power_spectrogram(x: torch.Tensor) -> torch.Tensor:
    """|STFT|^2 of (..., n_samples) on the paper's grid: (..., 1025, n_samples // 256)."""
    s = stft(x, hann(N_FFT, x.device, x.dtype), HOP)
    return s.real.square() + s.imag.square()


def event_power(audio: torch.Tensor) -> torch.Tensor:
    """Power spectrogram of events rendered from their onsets: (..., n) -> (..., 1025, (n + PAD) // 256).

    Frame j of the result lines up with window frame `onset_frame - PAD_FRAMES + j`.
    """
    padded = torch.nn.functional.pad(audio, (PAD_SAMPLES, 0))
    return power_spectrogram(padded)


def frame_weights(n_frames: int, commit_frames: int, final: bool) -> np.ndarray:
    """Loss weight per window frame: 1 up to the commit point, then a linear ramp 1 -> 0 (the paper's).

    In the final window every frame weighs 1. Shape (n_frames,), float32.
    """
    w = np.ones(n_frames, np.float32)
    if not final and commit_frames < n_frames:
        ramp = n_frames - commit_frames
        w[commit_frames:] = np.linspace(1.0, 0.0, ramp, endpoint=False, dtype=np.float32)
    return w


def place(local: np.ndarray, onset_frame: int, n_frames: int) -> tuple[slice, slice]:
    """Slices (into the window, into `local`) where an event spectrogram (bins, m) starting at onset lands."""
    first = onset_frame - PAD_FRAMES
    lo, hi = max(first, 0), min(first + local.shape[-1], n_frames)
    if hi <= lo:
        return slice(0, 0), slice(0, 0)
    return slice(lo, hi), slice(lo - first, hi - first)
