"""A look-ahead peak limiter for decoded audio, offline or streamed in blocks (pure numpy/scipy).

The gain wanted at sample n is r[n] = min(1, ceiling / |x[n]|). The limiter holds the smallest r over
[n - hold, n + lookahead] and averages that over [n - lookahead, n + lookahead]: every term of the average
is a minimum over a window that contains n, so the gain never exceeds r[n] (the output never passes the
ceiling), it starts falling `lookahead` samples before a peak (no click at the onset of limiting) and
recovers over `hold` + 2 `lookahead` samples after it. Audio that stays under the ceiling passes
untouched (gain exactly 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from eventcodec.types import SAMPLE_RATE

LOOKAHEAD_S = 0.005
HOLD_S = 0.05
CEILING_DB = -0.1


def _wanted_gain(x: np.ndarray, ceiling: float) -> np.ndarray:
    """r = min(1, ceiling / |x|), float64."""
    mag = np.abs(x.astype(np.float64))
    return np.minimum(1.0, ceiling / np.maximum(mag, 1e-30))


def _smooth_gain(r: np.ndarray, lookahead: int, hold: int) -> np.ndarray:
    """The limiter's gain for every sample n of r whose window [n - hold - lookahead, n + 2 lookahead] lies in
    r: (len(r) - hold - 3 lookahead,), for n from hold + lookahead on."""
    size = hold + lookahead + 1
    # a centred filter's window at j is [j - size // 2, j - size // 2 + size - 1]: [k - hold, k + lookahead]
    # for j = k - hold + size // 2, so held[i] (k = hold + i) is the minimum over [k - hold, k + lookahead]
    held = minimum_filter1d(r, size)[size // 2 : size // 2 + len(r) - lookahead - hold]
    width = 2 * lookahead + 1
    gain = uniform_filter1d(held, width)[lookahead : len(held) - lookahead]
    flat = minimum_filter1d(held, width)[lookahead : len(held) - lookahead] >= 1.0
    gain[flat] = 1.0  # exactly: a running mean of ones can leave a rounding residue
    return np.minimum(gain, r[hold + lookahead : len(r) - 2 * lookahead])  # <= r also after rounding


class Limiter:
    """Streamed look-ahead limiter: `push` blocks, then `flush`. Samples come out once their look-ahead is
    known (2 x 5 ms later), so the output has the input's timing and length, only handed out later."""

    def __init__(self, ceiling_db: float = CEILING_DB, sample_rate: int = SAMPLE_RATE,
                 lookahead_s: float = LOOKAHEAD_S, hold_s: float = HOLD_S) -> None:
        self.ceiling = 10.0 ** (ceiling_db / 20.0)
        self._ceiling32 = np.float32(self.ceiling)  # the product's float32 rounding must not pass it
        self.lookahead = max(1, round(lookahead_s * sample_rate))
        self.hold = max(self.lookahead, round(hold_s * sample_rate))
        self._history = np.ones(self.hold + self.lookahead)  # wanted gains before the unsent samples
        self._pending = np.zeros(0, np.float32)
        self.limited = 0  # samples whose gain fell below 1

    def push(self, block: np.ndarray) -> np.ndarray:
        """Add a block; return the samples whose look-ahead is now complete (float32)."""
        self._pending = np.concatenate([self._pending, np.asarray(block, dtype=np.float32)])
        return self._emit(len(self._pending) - 2 * self.lookahead)

    def flush(self) -> np.ndarray:
        """Return every sample still held (the file has ended: silence follows)."""
        return self._emit(len(self._pending))

    def _emit(self, count: int) -> np.ndarray:
        if count <= 0:
            return np.zeros(0, np.float32)
        r_pending = _wanted_gain(self._pending, self.ceiling)
        tail = np.ones(max(0, count + 2 * self.lookahead - len(self._pending)))  # after the end: nothing to limit
        r = np.concatenate([self._history, r_pending, tail])
        gain = _smooth_gain(r, self.lookahead, self.hold)[:count]
        out = np.clip(self._pending[:count] * gain.astype(np.float32), -self._ceiling32, self._ceiling32)
        self.limited += int(np.count_nonzero(gain < 1.0))
        self._history = np.concatenate([self._history, r_pending[:count]])[-(self.hold + self.lookahead):]
        self._pending = self._pending[count:]
        return out


def limit(x: np.ndarray, ceiling_db: float = CEILING_DB, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Limit a whole signal (float32, same length): |output| <= 10^(ceiling_db / 20) everywhere."""
    lim = Limiter(ceiling_db, sample_rate)
    return np.concatenate([lim.push(x), lim.flush()])


def input_ceiling_db(meta: Mapping[str, Any], gain_db: float = 0.0, float32: bool = False) -> float | None:
    """The decoder's default ceiling: the input's true peak as the encoder recorded it (`input_true_peak_dbfs`
    in the header), plus `gain_db`, and at most CEILING_DB for integer samples; None when the file does not
    record it (files of older encoders decode as they always did)."""
    peak = meta.get("input_true_peak_dbfs")
    if not isinstance(peak, int | float) or not math.isfinite(peak):
        return None
    ceiling = float(peak) + gain_db
    return ceiling if float32 else min(ceiling, CEILING_DB)


def limited_blocks(blocks: Iterable[np.ndarray], limiter: Limiter) -> Iterator[np.ndarray]:
    """`blocks` through `limiter`, then what it still holds."""
    for block in blocks:
        yield limiter.push(block)
    yield limiter.flush()
