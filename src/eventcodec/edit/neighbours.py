"""Nearest neighbours of an event across encoded files, by a weighted distance on the controls.

Distance (controls space): a weighted RMS difference of the normalised controls,

    d(u, v) = sqrt( sum_i w_i (u_i - v_i)^2 / sum_i w_i ),   u, v in [0, 1]^32,

so d is in [0, 1]. Normalised controls are already perceptually spaced (log scale for frequencies
and times, dB for levels), so equal steps are roughly equal audible changes. The weights
`PERCEPTUAL_WEIGHTS` say what makes two events *sound alike*: pitch, tonal/noise balance, decay and
brightness count most; level and room count less (the same note played softer or in a hall is
still the same note); the noise seed and the sub-millisecond fine shift count not at all. Latent
sets use the plain Euclidean distance (their coordinates have no names to weight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

PERCEPTUAL_WEIGHTS: dict[str, float] = {
    "f0_hz": 4.0,
    "tonal_mix": 3.0,
    "decay_s": 2.0,
    "brightness_hz": 2.0,
    "noise_lowpass_hz": 1.5,
    "noise_highpass_hz": 1.5,
    "attack_s": 1.5,
    "hold_s": 1.5,
    "n_partials": 1.5,
    "inharmonicity": 1.5,
    "amp_db": 0.5,
    "room_id": 0.5,
    "room_wet": 0.5,
    "seed": 0.0,
    "shift_samples": 0.0,
}


def weights(space: str = "controls") -> np.ndarray:
    """Per-coordinate weights (32,): `PERCEPTUAL_WEIGHTS` (default 1) for controls, ones for latent."""
    if space != "controls":
        return np.ones(controls.N_CONTROLS)
    return np.array([PERCEPTUAL_WEIGHTS.get(n, 1.0) for n in controls.NAMES])


def features(vectors: np.ndarray, space: str = "controls") -> np.ndarray:
    """Vectors (n, 32) mapped so that Euclidean distance / sqrt(sum w) is the documented distance."""
    w = weights(space)
    scale = np.sqrt(w / w.sum()) if space == "controls" else np.ones_like(w)
    return np.asarray(vectors, dtype=np.float64) * scale


def distances(query: np.ndarray, vectors: np.ndarray, space: str = "controls") -> np.ndarray:
    """Distance (n,) from one vector (32,) to each row of (n, 32)."""
    diff = features(vectors, space) - features(np.asarray(query).reshape(1, -1), space)
    out: np.ndarray = np.sqrt(np.sum(diff * diff, axis=1))
    return out


@dataclass(frozen=True)
class Neighbour:
    """One match: which file and event, when, and how far."""

    source: str
    set_index: int
    event_index: int
    time_s: float
    distance: float


def nearest(
    pool: Sequence[tuple[str, EventSet]], set_index: int, event_index: int, k: int = 5
) -> list[Neighbour]:
    """The k events of `pool` closest to event `event_index` of set `set_index`, nearest first.

    The query itself is always first (distance 0, ties broken in its favour), then the others by
    increasing distance (ties by file then index).

    Args:
        pool: (name, EventSet) pairs, all in the same space (and model).
        set_index: which pool entry holds the query.
        event_index: the query's index in that set.
        k: how many to return (including the query).

    Raises:
        EventCodecError: bad indices, k < 1, or sets of different spaces/models.
    """
    if k < 1:
        raise EventCodecError("k must be at least 1")
    if not 0 <= set_index < len(pool):
        raise EventCodecError(f"no set {set_index} in the pool of {len(pool)}")
    query_set = pool[set_index][1]
    if not -len(query_set) <= event_index < len(query_set):
        raise EventCodecError(f"event index {event_index} out of range (the set has {len(query_set)} events)")
    event_index %= len(query_set)
    for name, es in pool:
        if (es.space, es.model_hash) != (query_set.space, query_set.model_hash):
            raise EventCodecError(f"{name} is in another space or model than the query's set")
    query = query_set.vectors[event_index]
    rows: list[tuple[float, int, int, int]] = []
    for si, (_, es) in enumerate(pool):
        if len(es) == 0:
            continue
        d = distances(query, es.vectors, es.space)
        for ei in range(len(es)):
            is_self = si == set_index and ei == event_index
            rows.append((0.0 if is_self else float(d[ei]), 0 if is_self else 1, si, ei))
    rows.sort()
    return [
        Neighbour(pool[si][0], si, ei, float(pool[si][1].times[ei] / pool[si][1].sample_rate), dist)
        for dist, _, si, ei in rows[:k]
    ]
