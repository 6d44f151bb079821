"""Log-magnitude spectrograms for the figures (the paper's STFT: n_fft 2048, hop 256)."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.spectral import HOP, N_FFT, stft_magnitude

FLOOR_DB = -80.0


def log_spectrogram(audio: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """dB magnitude re the loudest bin (bins, frames), floored at FLOOR_DB, of mono audio (n_samples,).

    Audio shorter than one frame is zero-padded to n_fft samples.
    """
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(x) < max(n_fft, hop):
        x = np.pad(x, (0, max(n_fft, hop) - len(x)))
    window = torch.hann_window(n_fft, periodic=True)
    mag = stft_magnitude(torch.from_numpy(x), window, hop).numpy()
    db = 20 * np.log10(mag + 1e-9)
    db -= db.max() if np.isfinite(db.max()) else 0.0
    return np.maximum(db, FLOOR_DB)
