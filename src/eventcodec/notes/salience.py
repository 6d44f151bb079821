"""Pitch activations of a mixture: NMF of a log-frequency magnitude spectrogram on fixed harmonic templates.

The magnitude STFT (n_fft 4096, hop 256; frame t covers samples [256 t, 256 t + 4096)) is pooled onto a
log-frequency axis of LOG_BINS_PER_SEMITONE bins per semitone; each MIDI pitch in [MIDI_LO, MIDI_HI] owns
templates made of harmonic peaks (the Hann main lobe at k f0, amplitudes falling as k^-slope) mapped with
the same pooling. Activations come from multiplicative updates of the KL divergence with the templates
held fixed (Smaragdis & Brown 2003; fixed harmonic dictionaries as in Vincent et al. 2010), so a
pitch's activation is how much of the frame its harmonic comb explains.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_FFT = 4096
HOP = 256
MIDI_LO = 28  # E1, 41 Hz
MIDI_HI = 108  # C8
FMIN_HZ = 35.0
FMAX_HZ = 6000.0
LOG_BINS_PER_SEMITONE = 3
N_HARMONICS = 24
SLOPES = (0.6, 1.4)  # template families: bright and dark (partial k at k^-slope)
WEAK_FUNDAMENTAL = 0.3  # a third family: slope 0.6 with the fundamental at this share (bowed, reed, ensemble)
N_SHAPES = len(SLOPES) + 1


def midi_hz(midi: np.ndarray | float) -> np.ndarray:
    """MIDI pitch -> Hz (A4 = 440)."""
    return np.asarray(440.0 * 2.0 ** ((np.asarray(midi, np.float64) - 69.0) / 12.0))


def magnitude(audio: np.ndarray) -> np.ndarray:
    """|STFT| (N_FFT // 2 + 1, n_samples // HOP), float32; frames zero-padded past the end."""
    import torch

    from eventcodec.spectral import hann, stft

    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(audio, np.float32))
        return stft(x, hann(N_FFT), HOP).abs().numpy()


@lru_cache(maxsize=4)
def log_pool(sample_rate: int) -> np.ndarray:
    """(n_log, n_lin) pooling of linear STFT bins onto log-frequency bins (triangular, overlapping)."""
    n_lin = N_FFT // 2 + 1
    f_lin = np.arange(n_lin) * sample_rate / N_FFT
    n_log = int(np.floor(12 * LOG_BINS_PER_SEMITONE * np.log2(FMAX_HZ / FMIN_HZ))) + 1
    centres = np.log2(FMIN_HZ) + np.arange(n_log) / (12 * LOG_BINS_PER_SEMITONE)
    # each log bin is a triangle one log step wide on either side, at least one linear bin wide
    step = 1.0 / (12 * LOG_BINS_PER_SEMITONE)
    with np.errstate(divide="ignore"):
        lf = np.log2(np.maximum(f_lin, 1e-3))
    width_lin = sample_rate / N_FFT
    pool = np.zeros((n_log, n_lin), np.float32)
    for i, c in enumerate(centres):
        fc = 2.0**c
        w_oct = max(step, np.log2((fc + width_lin) / fc))
        tri = np.maximum(0.0, 1.0 - np.abs(lf - c) / w_oct)
        pool[i] = tri / max(tri.sum(), 1e-9) if fc * 2.0**w_oct > width_lin else tri
    return pool


@lru_cache(maxsize=4)
def templates(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(W, midi): W (n_log, n_pitches * N_SHAPES) unit-sum columns; midi (n_pitches * N_SHAPES,)."""
    n_lin = N_FFT // 2 + 1
    bins = np.arange(n_lin)[:, None]
    cols, pitch = [], []
    for m in range(MIDI_LO, MIDI_HI + 1):
        f0 = float(midi_hz(m))
        k = np.arange(1, N_HARMONICS + 1)
        k = k[k * f0 < min(FMAX_HZ, sample_rate / 2 - 200)]
        centre = k * f0 * N_FFT / sample_rate
        # Hann main lobe, |W(d)| ~ cos^2-like over +-2 bins; a slightly wider lobe tolerates tuning
        d = np.abs(bins - centre[None]) / 2.2
        lobe = np.where(d < 1, np.cos(0.5 * np.pi * d) ** 2, 0.0)
        for amps in [k ** -s for s in SLOPES] + [np.where(k == 1, WEAK_FUNDAMENTAL, k**-SLOPES[0])]:
            cols.append((lobe * amps[None]).sum(axis=1))
            pitch.append(m)
    W = log_pool(sample_rate) @ np.stack(cols, axis=1).astype(np.float32)
    W /= np.maximum(W.sum(axis=0, keepdims=True), 1e-9)
    return W.astype(np.float32), np.array(pitch)


def _kl_updates(V: np.ndarray, W: np.ndarray, H: np.ndarray, n_iter: int) -> np.ndarray:
    """H after `n_iter` multiplicative KL updates of V ~ W H with W fixed (a zero in H stays zero); per pitch."""
    eps = 1e-9 * max(float(V.max()), 1e-12)
    norm = W.sum(axis=0)[:, None] + 1e-9
    for _ in range(n_iter):
        H *= (W.T @ (V / (W @ H + eps))) / norm
    out: np.ndarray = H.reshape(MIDI_HI - MIDI_LO + 1, N_SHAPES, -1).sum(axis=1)
    return out


def _start(V: np.ndarray, n_columns: int) -> float:
    """The flat starting activation: the mean frame magnitude spread over all templates."""
    return float(V.sum(axis=0).mean()) / n_columns + 1e-9 * max(float(V.max()), 1e-12)


def activations(mag: np.ndarray, sample_rate: int, n_iter: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Per-pitch activations of a magnitude STFT: (n_pitches, frames) float32, and the (n_log, frames) pooled input.

    Templates of the same pitch are summed, so the activation is the pitch's share of the frame's magnitude.
    """
    V = log_pool(sample_rate) @ mag
    W, _ = templates(sample_rate)
    H = np.full((W.shape[1], V.shape[1]), _start(V, W.shape[1]), np.float32)
    return _kl_updates(V, W, H, n_iter).astype(np.float32), V


def refit(V: np.ndarray, mask: np.ndarray, sample_rate: int, n_iter: int = 30) -> np.ndarray:
    """Activations (n_pitches, frames) re-fitted with each pitch allowed only where `mask` (n_pitches, frames) is set.

    Leakage that the unconstrained fit spread over neighbouring pitches goes back to the notes that own it.
    """
    W, _ = templates(sample_rate)
    allowed = np.repeat(mask, N_SHAPES, axis=0)  # rows pitch-major, like W's columns
    H = np.where(allowed, _start(V, W.shape[1]), 0.0).astype(np.float32)
    return _kl_updates(V, W, H, n_iter)
