"""Deterministic per-event noise seeds, derived from the event's time and its quantized `seed` control."""

from __future__ import annotations

import numpy as np

from eventcodec.controls import INDEX, N_CONTROLS

SEED_LEVELS = 65536  # the `seed` control is quantized to this many values before hashing
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic, identical on every machine)."""
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _M64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _M64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _M64
        return x ^ (x >> np.uint64(31))


def quantize_seed(seed_unit: np.ndarray) -> np.ndarray:
    """Normalised `seed` control values -> integer levels in [0, SEED_LEVELS)."""
    q = np.rint(np.clip(np.asarray(seed_unit, dtype=np.float64), 0.0, 1.0) * (SEED_LEVELS - 1))
    return q.astype(np.int64)


def event_seeds(times: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Seeds (n_events,) int64 in [0, 2^31) from times (n_events,) in samples and vectors (n_events, 32).

    The same (time, quantized seed control) gives the same seed on every run and every machine.
    """
    t = np.asarray(times, dtype=np.int64).reshape(-1)
    v = np.asarray(vectors, dtype=np.float64).reshape(len(t), N_CONTROLS)
    level = quantize_seed(v[:, INDEX["seed"]]).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = _splitmix64(t.astype(np.uint64)) ^ ((level * np.uint64(0x2545F4914F6CDD1D)) & _M64)
    return (_splitmix64(key) >> np.uint64(33)).astype(np.int64)
