"""Gabor atoms: the dictionary, the 8-bit quantizer of their parameters, and their synthesis.

An atom is `amp * w(n) * cos(2 pi freq_hz n / sample_rate + phase)` for n in [0, scale) starting at sample
`start`, where w is a Gaussian window (std = scale / 6). Every parameter is stored as a code:
scale and frequency are dictionary indices (`SCALES`, 256 mel-spaced frequencies), the amplitude an
8-bit code uniform in dB, the phase an 8-bit code uniform in [0, 2 pi); times are integers in samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.signal

from eventcodec.errors import EventCodecError

SCALES: tuple[int, ...] = (256, 1024, 4096)
N_FREQS = 256
FMIN_HZ = 30.0
AMP_DB_MIN = -90.0
AMP_DB_MAX = 10.0
CODE_MAX = 255


@dataclass(frozen=True, eq=False)
class GaborAtoms:
    """A decoded-or-quantized list of atoms, all arrays of shape (n_atoms,).

    Attributes:
        start: int64 first sample of each atom's window (may be < 0 near the start).
        scale: uint8 index into `SCALES`.
        freq: uint8 index into `freq_grid_hz(sample_rate)`.
        amp: uint8 amplitude code (`amp_from_code`).
        phase: uint8 phase code (`phase_from_code`).
        sample_rate: Hz.
        n_samples: length of the signal the atoms render to.
    """

    start: np.ndarray
    scale: np.ndarray
    freq: np.ndarray
    amp: np.ndarray
    phase: np.ndarray
    sample_rate: int
    n_samples: int

    def __len__(self) -> int:
        return len(self.start)

    def take(self, index: np.ndarray | slice) -> GaborAtoms:
        """The atoms selected by `index`."""
        return GaborAtoms(self.start[index], self.scale[index], self.freq[index], self.amp[index],
                          self.phase[index], self.sample_rate, self.n_samples)

    def sorted_by_time(self) -> GaborAtoms:
        return self.take(np.argsort(self.start, kind="stable"))


def freq_grid_hz(sample_rate: int) -> np.ndarray:
    """(256,) mel-spaced atom frequencies from 30 Hz to 0.95 x Nyquist."""
    mel = np.linspace(_mel(FMIN_HZ), _mel(0.95 * sample_rate / 2), N_FREQS)
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def _mel(f_hz: float) -> float:
    return float(2595.0 * np.log10(1.0 + f_hz / 700.0))


@lru_cache(maxsize=8)
def window(scale: int) -> np.ndarray:
    """(scale,) Gaussian window, std scale / 6, peak 1."""
    w = scipy.signal.windows.gaussian(scale, std=scale / 6.0, sym=False)
    w.setflags(write=False)
    return w


def amp_to_code(amp: np.ndarray | float) -> np.ndarray:
    """Amplitude (linear, >= 0) -> uint8 code, uniform in dB over [AMP_DB_MIN, AMP_DB_MAX]."""
    db = 20.0 * np.log10(np.maximum(np.asarray(amp, dtype=np.float64), 1e-12))
    u = (db - AMP_DB_MIN) / (AMP_DB_MAX - AMP_DB_MIN)
    return np.clip(np.round(u * CODE_MAX), 0, CODE_MAX).astype(np.uint8)


def amp_from_code(code: np.ndarray | int) -> np.ndarray:
    """Inverse of `amp_to_code` on its grid."""
    db = AMP_DB_MIN + np.asarray(code, dtype=np.float64) / CODE_MAX * (AMP_DB_MAX - AMP_DB_MIN)
    return np.asarray(10.0 ** (db / 20.0))


def phase_to_code(phase: np.ndarray | float) -> np.ndarray:
    """Phase in radians -> uint8 code, 256 uniform steps over [0, 2 pi)."""
    u = np.mod(np.asarray(phase, dtype=np.float64), 2 * np.pi) / (2 * np.pi)
    return (np.round(u * (CODE_MAX + 1)).astype(np.int64) % (CODE_MAX + 1)).astype(np.uint8)


def phase_from_code(code: np.ndarray | int) -> np.ndarray:
    """Inverse of `phase_to_code` on its grid."""
    return np.asarray(np.asarray(code, dtype=np.float64) * 2 * np.pi / (CODE_MAX + 1))


def atom_waveform(scale: int, freq_hz: float, phase: float, amp: float, sample_rate: int) -> np.ndarray:
    """One atom, shape (scale,) float64."""
    n = np.arange(scale)
    return amp * window(scale) * np.cos(2 * np.pi * freq_hz * n / sample_rate + phase)


def synthesize(atoms: GaborAtoms) -> np.ndarray:
    """Render atoms to (n_samples,) float32 by overlap-add."""
    if len(atoms) and (int(atoms.scale.max()) >= len(SCALES) or int(atoms.freq.max()) >= N_FREQS):
        raise EventCodecError("Gabor atom with an out-of-range scale or frequency index")
    pad = max(SCALES)
    out = np.zeros(atoms.n_samples + 2 * pad)
    grid = freq_grid_hz(atoms.sample_rate)
    amps, phases = amp_from_code(atoms.amp), phase_from_code(atoms.phase)
    for i in range(len(atoms)):
        m = SCALES[int(atoms.scale[i])]
        s = int(atoms.start[i]) + pad
        if s < 0 or s + m > len(out):
            continue
        out[s : s + m] += atom_waveform(m, float(grid[atoms.freq[i]]), float(phases[i]), float(amps[i]),
                                        atoms.sample_rate)
    return out[pad : pad + atoms.n_samples].astype(np.float32)
