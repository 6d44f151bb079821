"""Loudness and peak as ITU-R BS.1770-4 measures them, streamed in blocks (pure numpy/scipy/soxr).

Integrated loudness: the signal through the K-weighting filter (a +4 dB high shelf near 1.7 kHz, then a
high-pass near 38 Hz), mean square over 400 ms blocks overlapping by 75 %, blocks under -70 LUFS dropped,
then blocks more than 10 LU under the mean of the rest dropped; L = -0.691 + 10 log10(mean square).
True peak: the largest magnitude of the signal upsampled 4x (sample peaks miss inter-sample overs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_S = 0.4
STEP_S = 0.1  # 75 % overlap: a block is 4 steps
OVERSAMPLE = 4


def _biquad(kind: str, f0_hz: float, q: float, gain_db: float, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """A high shelf or high-pass biquad (b, a), bilinear with BS.1770's pre-warping."""
    k = math.tan(math.pi * f0_hz / sample_rate)
    if kind == "highpass":
        den = 1.0 + k / q + k * k
        b = np.array([1.0, -2.0, 1.0])  # as the standard publishes it (unity gain well above f0)
        a = np.array([1.0, 2.0 * (k * k - 1.0) / den, (1.0 - k / q + k * k) / den])
        return b, a
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416  # the standard's shelf shape (its 48 kHz coefficients back-derived)
    den = 1.0 + k / q + k * k
    b = np.array([vh + vb * k / q + k * k, 2.0 * (k * k - vh), vh - vb * k / q + k * k]) / den
    a = np.array([1.0, 2.0 * (k * k - 1.0) / den, (1.0 - k / q + k * k) / den])
    return b, a


def k_weighting(sample_rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting stages (b, a) at `sample_rate`: at 48 kHz, BS.1770's published coefficients."""
    return [_biquad("shelf", 1681.974450955533, 0.7071752369554196, 3.999843853973347, sample_rate),
            _biquad("highpass", 38.13547087602444, 0.5003270373238773, 0.0, sample_rate)]


@dataclass(frozen=True)
class Level:
    """What a `LoudnessMeter` measured.

    Attributes:
        lufs: integrated loudness (LUFS); -inf when every block is under the absolute gate.
        true_peak_dbfs: largest magnitude of the 4x-upsampled signal (dBTP); -inf for silence.
        sample_peak_dbfs: largest sample magnitude (dBFS); -inf for silence.
    """

    lufs: float
    true_peak_dbfs: float
    sample_peak_dbfs: float


class LoudnessMeter:
    """Integrated loudness and true peak of mono audio pushed in blocks of any size."""

    def __init__(self, sample_rate: int) -> None:
        import soxr

        self.sample_rate = sample_rate
        self._filters = k_weighting(sample_rate)
        self._states = [np.zeros(2) for _ in self._filters]
        self._step = round(STEP_S * sample_rate)
        self._partial = np.zeros(0)  # weighted samples not yet a whole step
        self._step_energy: list[float] = []  # sum of squares per 100 ms step
        self._upsampler = soxr.ResampleStream(sample_rate, OVERSAMPLE * sample_rate, 1, dtype="float32")
        self._true_peak = 0.0
        self._sample_peak = 0.0

    def push(self, block: np.ndarray) -> None:
        """Add consecutive samples (float, mono)."""
        x = np.asarray(block, np.float64).reshape(-1)
        if len(x) == 0:
            return
        self._sample_peak = max(self._sample_peak, float(np.max(np.abs(x))))
        self._true_peak = max(self._true_peak, _peak(self._upsampler.resample_chunk(x.astype(np.float32))))
        for i, (b, a) in enumerate(self._filters):
            x, self._states[i] = lfilter(b, a, x, zi=self._states[i])
        x = np.concatenate([self._partial, x])
        whole = len(x) // self._step * self._step
        self._step_energy.extend(np.sum(x[:whole].reshape(-1, self._step) ** 2, axis=1).tolist())
        self._partial = x[whole:]

    def result(self) -> Level:
        """The measures over everything pushed so far (a trailing part-step counts toward no block)."""
        true_peak = max(self._true_peak, self._sample_peak)  # the resampler's last few ms are not flushed
        return Level(_gated_lufs(np.asarray(self._step_energy), self._step), _db(true_peak), _db(self._sample_peak))


def _gated_lufs(step_energy: np.ndarray, step: int) -> float:
    """BS.1770's two-gate integrated loudness from per-step sums of squares (4 steps per block)."""
    if len(step_energy) < 4:
        return -math.inf
    blocks = np.convolve(step_energy, np.ones(4), mode="valid") / (4 * step)
    loud = -0.691 + 10.0 * np.log10(np.maximum(blocks, 1e-30))
    kept = blocks[loud > ABSOLUTE_GATE_LUFS]
    if len(kept) == 0:
        return -math.inf
    gate = -0.691 + 10.0 * math.log10(float(np.mean(kept))) + RELATIVE_GATE_LU
    kept = blocks[(loud > ABSOLUTE_GATE_LUFS) & (loud > gate)]
    return -0.691 + 10.0 * math.log10(float(np.mean(kept)))


def _peak(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if len(x) else 0.0


def _db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def measure(audio: np.ndarray, sample_rate: int) -> Level:
    """Integrated loudness and peaks of a whole mono signal."""
    meter = LoudnessMeter(sample_rate)
    meter.push(audio)
    return meter.result()
