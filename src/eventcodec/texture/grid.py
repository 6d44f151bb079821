"""The texture grid: noise levels per mel band and per 2048-sample frame, stored as small integer codes.

The texture is the stochastic part of a sines + noise model: what the events leave unexplained, kept as
the power of shaped noise in N_BANDS mel bands (40 Hz to Nyquist) every FRAME_SAMPLES samples. A code
0 is silence; code k >= 1 is a level of FLOOR_DB + (k - 1) * STEP_DB, in dB re unit-variance white noise
(0 dB: noise of RMS 1.0 over the whole band), per STFT bin of the analysis grid (N_FFT, HOP).

A fine-structure mask says where inside its band the noise sits: per segment of SEGMENT_FRAMES frames and
per STFT bin below ~4 kHz (bins 1..MASK_BINS), 1 where the events leave more than their band's mean
unexplained. Those bins get MASK_CONTRAST_DB more power than the others of their band (the band's mean
unchanged), so the noise takes the pitch of the partials the events miss instead of filling the valleys
between partials. An all-zero mask is the plain texture of format version 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.mel import hz_to_mel, mel_to_hz

N_FFT = 1024
HOP = 256
FRAME_SAMPLES = 2048  # 8 STFT hops; 2**16 / 2048 = 32 frames per .evc chunk
N_BANDS = 32
STEP_DB = 6.0
FLOOR_DB = -96.0
MAX_CODE = 40  # +138 dB per bin re unit noise: far above any input the encoder takes (|x| <= 1000); a
# larger code (up to 255 fits a byte) would render to inf, so the format refuses it
LOW_HZ = 40.0
SEGMENT_FRAMES = 4  # mask rows: one per 8192 samples (0.37 s), 8 per .evc chunk
SEGMENT_SAMPLES = SEGMENT_FRAMES * FRAME_SAMPLES
MASK_BINS = 185  # rfft bins 1..185 of N_FFT: up to 3.98 kHz at 22.05 kHz
MASK_CONTRAST_DB = 20.0
GRID_PLAIN = {"frame_samples": FRAME_SAMPLES, "bands": N_BANDS, "step_db": STEP_DB, "floor_db": FLOOR_DB,
              "n_fft": N_FFT, "low_hz": LOW_HZ}  # format 2 as first written: no mask
GRID = {**GRID_PLAIN, "mask": {"segment_frames": SEGMENT_FRAMES, "bins": MASK_BINS, "contrast_db": MASK_CONTRAST_DB}}


def n_frames_for(n_samples: int) -> int:
    """Texture frames that cover `n_samples` samples."""
    return -(-int(n_samples) // FRAME_SAMPLES)


def n_segments_for(n_frames: int) -> int:
    """Mask rows that cover `n_frames` texture frames."""
    return -(-int(n_frames) // SEGMENT_FRAMES)


def band_of_bin(sample_rate: int) -> np.ndarray:
    """(N_FFT // 2 + 1,) int: the band of each rfft bin; -1 for DC and Nyquist (never filled)."""
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
    """Noise levels of a whole file.

    codes: (n_frames, N_BANDS) uint8, frame k starting at sample k * FRAME_SAMPLES.
    mask: (n_segments_for(n_frames), MASK_BINS) uint8 0/1, row s starting at sample s * SEGMENT_SAMPLES;
        Empty (the default): all zeros, the noise flat inside each band.
    """

    codes: np.ndarray
    mask: np.ndarray = field(default_factory=lambda: np.zeros((0, MASK_BINS), np.uint8))

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes)
        if codes.ndim != 2 or codes.shape[1] != N_BANDS:
            raise EventCodecError(f"texture codes must have shape (n_frames, {N_BANDS}), got {codes.shape}")
        if codes.size and (codes.min() < 0 or codes.max() > MAX_CODE):
            raise EventCodecError(f"texture codes must lie in [0, {MAX_CODE}]")
        shape = (n_segments_for(len(codes)), MASK_BINS)
        mask = np.asarray(self.mask)
        mask = np.zeros(shape, np.uint8) if mask.size == 0 else mask
        if mask.shape != shape:
            raise EventCodecError(f"texture mask must have shape {shape}, got {mask.shape}")
        if mask.size and (mask.min() < 0 or mask.max() > 1):
            raise EventCodecError("texture mask must hold 0 and 1 only")
        object.__setattr__(self, "codes", codes.astype(np.uint8))
        object.__setattr__(self, "mask", mask.astype(np.uint8))

    @property
    def n_frames(self) -> int:
        return int(self.codes.shape[0])

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Texture) and np.array_equal(self.codes, other.codes)
                and np.array_equal(self.mask, other.mask))

    @staticmethod
    def silent(n_samples: int) -> Texture:
        return Texture(np.zeros((n_frames_for(n_samples), N_BANDS), np.uint8))

    def fitted(self, n_samples: int) -> Texture:
        """Exactly the frames that cover `n_samples` (cut, or padded with silence)."""
        n = n_frames_for(n_samples)
        return Texture(_fit_rows(self.codes, n), _fit_rows(self.mask, n_segments_for(n)))

    def shifted(self, offset_samples: int, n_samples: int) -> Texture:
        """The texture moved later by `offset_samples` (negative: earlier), covering `n_samples`.

        Whole frames move exactly; a remainder interpolates the codes between neighbouring frames. Mask
        rows move to the nearest segment.
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
        old = np.rint(np.arange(n_segments_for(n)) - offset_samples / SEGMENT_SAMPLES).astype(np.int64)
        rows = np.concatenate([self.mask, np.zeros((1, MASK_BINS), np.uint8)])
        mask = rows[np.where((old >= 0) & (old < len(self.mask)), old, len(self.mask))]
        return Texture(np.rint(out).astype(np.uint8), mask)

    def concat(self, other: Texture, at_sample: int, n_samples: int) -> Texture:
        """This texture followed by `other` starting at `at_sample`; where both sound, the louder code wins
        and the masks are merged (a bin marked in either is marked)."""
        a = self.fitted(n_samples)
        b = other.shifted(at_sample, n_samples)
        return Texture(np.maximum(a.codes, b.codes), np.maximum(a.mask, b.mask))


def _fit_rows(rows: np.ndarray, n: int) -> np.ndarray:
    """The first `n` rows of `rows`, padded with zero rows."""
    out = rows[:n]
    return np.concatenate([out, np.zeros((n - len(out), rows.shape[1]), rows.dtype)]) if len(out) < n else out
