"""Log-magnitude spectrograms for the figures (default: the paper's STFT, n_fft 2048, hop 256)."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.spectral import HOP, N_FFT, stft_magnitude

FLOOR_DB = -80.0


def db_spectrogram(audio: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """20 log10 |STFT| (bins, frames) of mono audio (n_samples,); shorter than n_fft is zero-padded."""
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(x) < max(n_fft, hop):
        x = np.pad(x, (0, max(n_fft, hop) - len(x)))
    window = torch.hann_window(n_fft, periodic=True)
    mag = stft_magnitude(torch.from_numpy(x), window, hop).numpy()
    out: np.ndarray = 20 * np.log10(mag + 1e-9)
    return out


def log_spectrogram(audio: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """dB magnitude re the loudest bin (bins, frames), floored at FLOOR_DB."""
    db = db_spectrogram(audio, n_fft, hop)
    return np.maximum(db - db.max(), FLOOR_DB)
