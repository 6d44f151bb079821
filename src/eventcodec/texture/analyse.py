"""What the events leave unexplained: band levels of (reference power - decoded power), clamped at 0."""

from __future__ import annotations

import numpy as np

from eventcodec.texture.grid import (
    FRAME_SAMPLES,
    HOP,
    MASK_BINS,
    N_BANDS,
    N_FFT,
    Texture,
    band_of_bin,
    levels_to_codes,
    n_frames_for,
    window,
)
from eventcodec.texture.mask import segment_rows

CONTEXT = N_FFT // 2  # samples needed on each side of a range to analyse its frames
STFT_PER_FRAME = FRAME_SAMPLES // HOP


def stft_power(audio: np.ndarray) -> np.ndarray:
    """(n_stft, N_FFT // 2 + 1) power of frames centred every HOP samples from CONTEXT on.

    `audio` carries CONTEXT samples of context on each side of the range it analyses, so a range of
    n samples (a multiple of HOP) gives n // HOP frames.
    """
    x = np.asarray(audio, dtype=np.float64)
    n = (len(x) - 2 * CONTEXT) // HOP
    if n <= 0:
        return np.zeros((0, N_FFT // 2 + 1))
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[: n * HOP : HOP]
    return np.abs(np.fft.rfft(frames * window(), axis=1)) ** 2


def residual_power(reference: np.ndarray, decoded: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """What the events miss in the range both signals cover, minus CONTEXT on each side, per texture frame.

    Args:
        reference: the input audio over [start - CONTEXT, stop + CONTEXT); stop - start a multiple of FRAME_SAMPLES.
        decoded: the events' rendering over the same samples.
        sample_rate: Hz (sets the mel band edges).

    Returns:
        band_power: (n_frames, N_BANDS) the mean over each band's bins and the frame's 8 STFT frames of
            max(P_ref - P_dec, 0): noise of that power, added to the events (random phases add in power),
            fills what they miss.
        low_power: (n_frames, MASK_BINS) the same mean for each of bins 1..MASK_BINS on its own.
    """
    if len(reference) != len(decoded):
        raise ValueError("reference and decoded must have the same length")
    bands, per_bin = pool_frames(np.maximum(stft_power(reference) - stft_power(decoded), 0.0), sample_rate)
    return bands, per_bin[:, 1 : MASK_BINS + 1]


def pool_frames(power: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """STFT power (n_stft, bins) -> per texture frame: (n_frames, N_BANDS) mean over each band's bins, and
    (n_frames, bins) the mean of each bin over the frame's STFT_PER_FRAME frames."""
    n_frames = power.shape[0] // STFT_PER_FRAME
    per_bin = power[: n_frames * STFT_PER_FRAME].reshape(n_frames, STFT_PER_FRAME, -1).mean(axis=1)
    band = band_of_bin(sample_rate)
    bands = np.zeros((n_frames, N_BANDS))
    for b in range(N_BANDS):
        bands[:, b] = per_bin[:, band == b].mean(axis=1)
    return bands, per_bin


def whole_frames(audio: np.ndarray) -> np.ndarray:
    """`audio` with CONTEXT samples of silence before it and enough after for whole texture frames plus CONTEXT."""
    x = np.asarray(audio, dtype=np.float64)
    return np.pad(x, (CONTEXT, n_frames_for(len(x)) * FRAME_SAMPLES - len(x) + CONTEXT))


def residual_codes(reference: np.ndarray, decoded: np.ndarray, sample_rate: int) -> np.ndarray:
    """Texture codes (n_frames, N_BANDS) of `residual_power`'s band levels."""
    return levels_to_codes(residual_power(reference, decoded, sample_rate)[0])


def measure(reference: np.ndarray, decoded: np.ndarray, sample_rate: int) -> Texture:
    """The texture (codes and mask) of whole signals: what `decoded` leaves of `reference` (same length).

    The offline equivalent of the encoder's streaming measurement (`track.TextureTracker`).
    """
    if len(reference) != len(decoded):
        raise ValueError("reference and decoded must have the same length")
    band_power, low_power = residual_power(whole_frames(reference), whole_frames(decoded), sample_rate)
    return Texture(levels_to_codes(band_power), segment_rows(band_power, low_power, band_of_bin(sample_rate)))
