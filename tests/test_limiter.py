"""The look-ahead limiter: never past the ceiling, transparent below it, the same streamed or whole."""

from __future__ import annotations

import numpy as np

from eventcodec.limiter import Limiter, limit

CEILING = 10 ** (-0.1 / 20)


def _loud(n: int = 40_000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * np.repeat(rng.uniform(0.05, 2.0, n // 1000), 1000)).astype(np.float32)


def test_peaks_stay_under_the_ceiling_and_the_length_is_kept() -> None:
    x = _loud()
    y = limit(x)
    assert y.dtype == np.float32 and len(y) == len(x)
    assert np.abs(x).max() > 3 and np.abs(y).max() <= np.float32(CEILING)
    assert np.all(np.abs(y) <= np.abs(x))  # a gain, never a boost


def test_audio_under_the_ceiling_passes_untouched() -> None:
    x = 0.9 * _loud() / np.abs(_loud()).max()
    assert np.array_equal(limit(x), x)


def test_streaming_in_any_blocks_equals_the_whole_signal() -> None:
    x, rng = _loud(seed=1), np.random.default_rng(2)
    lim, parts, i = Limiter(), [], 0
    while i < len(x):
        size = int(rng.integers(1, 5000))
        parts.append(lim.push(x[i : i + size]))
        i += size
    parts.append(lim.flush())
    assert np.array_equal(np.concatenate(parts), limit(x))


def test_the_gain_falls_ahead_of_a_peak_and_recovers_after_the_hold() -> None:
    sr, n = 22050, 22050
    x = np.full(n, 0.5, np.float32)
    x[10_000] = 4.0  # one spike, 12 dB over the ceiling
    lim = Limiter(sample_rate=sr)
    gain = np.concatenate([lim.push(x), lim.flush()]) / x
    look, hold = lim.lookahead, lim.hold
    assert gain[10_000] <= CEILING / 4.0 + 1e-6
    assert np.all(gain[: 10_000 - 2 * look] == 1.0)  # untouched before the look-ahead
    assert gain[10_000 - look // 2] < 0.9  # already falling before the spike: no click at its onset
    assert np.all(np.diff(gain[10_000 - 2 * look : 10_000]) <= 1e-7)  # a ramp down, not a step
    assert np.all(gain[10_000 + hold + 2 * look + 1 :] == 1.0)  # back to unity after hold + 2 look-ahead
    assert lim.limited == np.count_nonzero(gain < 1.0)
