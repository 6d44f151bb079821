"""The texture grid: noise levels per mel band and per 2048-sample frame, stored as small integer codes.

The texture is the stochastic part of a sines + noise model: what the events leave unexplained, kept as
the power of shaped noise in N_BANDS mel bands (40 Hz to Nyquist) every FRAME_SAMPLES samples. A code
0 is silence; code k >= 1 is a level of FLOOR_DB + (k - 1) * STEP_DB, in dB re unit-variance white noise
(0 dB: noise of RMS 1.0 over the whole band), per STFT bin of the analysis grid (N_FFT, HOP).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventcodec.errors import EventCodecError

N_FFT = 1024
HOP = 256
FRAME_SAMPLES = 2048  # 8 STFT hops; 2**16 / 2048 = 32 frames per .evc chunk
N_BANDS = 32
STEP_DB = 6.0
FLOOR_DB = -96.0
MAX_CODE = 255
LOW_HZ = 40.0
GRID = {"frame_samples": FRAME_SAMPLES, "bands": N_BANDS, "step_db": STEP_DB, "floor_db": FLOOR_DB,
        "n_fft": N_FFT, "low_hz": LOW_HZ}


def n_frames_for(n_samples: int) -> int:
    """Texture frames that cover `n_samples` samples."""
    return -(-int(n_samples) // FRAME_SAMPLES)


def band_of_bin(sample_rate: int) -> np.ndarray:
    """(N_FFT // 2 + 1,) int: the band of each rfft bin; -1 for DC and Nyquist (never filled)."""
    from eventcodec.metrics import hz_to_mel, mel_to_hz

    f_hz = np.fft.rfftfreq(N_FFT, 1.0 / sample_rate)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(LOW_HZ), hz_to_mel(sample_rate / 2), N_BANDS + 1))
    band = np.clip(np.searchsorted(edges_hz, f_hz, side="right") - 1, 0, N_BANDS - 1)
    band[0] = band[-1] = -1
    return band


def window() -> np.ndarray:
    """(N_FFT,) periodic Hann window of analysis and synthesis."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float64)


# power per bin that unit-variance white noise reads in the analysis STFT: sum of the window squared
UNIT_NOISE_POWER = float(np.sum(window() ** 2))


def levels_to_codes(power: np.ndarray) -> np.ndarray:
    """Mean power per bin (any shape, analysis-STFT units) -> uint8 codes (0 below the floor)."""
    db = 10.0 * np.log10(np.maximum(power, 1e-30) / UNIT_NOISE_POWER)
    k = np.round((db - FLOOR_DB) / STEP_DB) + 1
    return np.where(db < FLOOR_DB - STEP_DB / 2, 0, np.clip(k, 1, MAX_CODE)).astype(np.uint8)


def codes_to_levels(codes: np.ndarray) -> np.ndarray:
    """Inverse of `levels_to_codes`: mean power per bin (float64), 0 for code 0."""
    c = np.asarray(codes, dtype=np.float64)
    power = UNIT_NOISE_POWER * 10.0 ** ((FLOOR_DB + (c - 1) * STEP_DB) / 10.0)
    return np.where(c == 0, 0.0, power)


@dataclass(frozen=True, eq=False)
class Texture:
    """Noise levels of a whole file: codes (n_frames, N_BANDS) uint8, frame k starting at sample k * FRAME_SAMPLES."""

    codes: np.ndarray

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes)
        if codes.ndim != 2 or codes.shape[1] != N_BANDS:
            raise EventCodecError(f"texture codes must have shape (n_frames, {N_BANDS}), got {codes.shape}")
        if codes.size and (codes.min() < 0 or codes.max() > MAX_CODE):
            raise EventCodecError(f"texture codes must lie in [0, {MAX_CODE}]")
        object.__setattr__(self, "codes", codes.astype(np.uint8))

    @property
    def n_frames(self) -> int:
        return int(self.codes.shape[0])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Texture) and np.array_equal(self.codes, other.codes)

    @staticmethod
    def silent(n_samples: int) -> Texture:
        return Texture(np.zeros((n_frames_for(n_samples), N_BANDS), np.uint8))

    def fitted(self, n_samples: int) -> Texture:
        """Exactly the frames that cover `n_samples` (cut, or padded with silence)."""
        n = n_frames_for(n_samples)
        codes = self.codes[:n]
        if len(codes) < n:
            codes = np.concatenate([codes, np.zeros((n - len(codes), N_BANDS), np.uint8)])
        return Texture(codes)

    def shifted(self, offset_samples: int, n_samples: int) -> Texture:
        """The texture moved later by `offset_samples` (negative: earlier), covering `n_samples`.

        Whole frames move exactly; a remainder interpolates the codes between neighbouring frames.
        """
        n = n_frames_for(n_samples)
        pos = np.arange(n) - offset_samples / FRAME_SAMPLES  # new frame k reads old position pos[k]
        if self.n_frames == 0:
            return Texture.silent(n_samples)
        lo = np.floor(pos).astype(np.int64)
        frac = pos - lo
        c = np.concatenate([self.codes.astype(np.float64), np.zeros((1, N_BANDS))])  # past the end: silence
        idx = lambda i: np.where((i >= 0) & (i < self.n_frames), i, self.n_frames)  # noqa: E731
        a, b = c[idx(lo)], c[idx(lo + 1)]
        out = np.where(frac[:, None] == 0, a, np.where((a == 0) | (b == 0), 0, a + frac[:, None] * (b - a)))
        return Texture(np.rint(out).astype(np.uint8))

    def concat(self, other: Texture, at_sample: int, n_samples: int) -> Texture:
        """This texture followed by `other` starting at `at_sample`; where both sound, the louder code wins."""
        a = self.fitted(n_samples).codes
        b = other.shifted(at_sample, n_samples).codes
        return Texture(np.maximum(a, b))
