"""How long an event stays audible: used to size renders, draw timelines and decode in chunks."""

from __future__ import annotations

import numpy as np

from eventcodec.controls import INDEX, to_physical
from eventcodec.synth.rooms import ROOM_NAMES, room_lengths
from eventcodec.synth.validate import validate_controls
from eventcodec.types import SAMPLE_RATE

LN_1000 = float(np.log(1000.0))
COLOUR_RING_S = 0.02  # ring-out of the 2nd-order colour filters at their lowest cut-offs
MIN_SAMPLES = 64


def _excitation_end_s(p: np.ndarray, below_db: float) -> np.ndarray:
    """Seconds until the excitation envelope stays `below_db` under its peak, from physical controls (n, 32)."""
    attack, tau = p[..., INDEX["attack_s"]], p[..., INDEX["env_decay_s"]]
    gate_end = np.maximum(p[..., INDEX["hold_s"]], attack) + p[..., INDEX["release_s"]] * below_db / 60.0
    sustain_floor = p[..., INDEX["sustain_db"]] <= -60.0 + 1e-6  # the floor means no sustain (envelope -> 0)
    decay_end = np.where(sustain_floor, attack + tau * below_db / 20.0 * np.log(10.0), np.inf)
    return np.minimum(gate_end, decay_end)


def excitation_length(vectors: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Samples (int64, (n_events,)) after which the excitation envelope is below -80 dB re its peak.

    `decode` stops each event's noise there, so its FFTs cover n + excitation rather than 2 n samples.
    """
    p = to_physical(np.asarray(vectors, dtype=np.float64))
    return np.maximum(np.ceil(_excitation_end_s(p, 80.0) * sample_rate), MIN_SAMPLES).astype(np.int64)


def audible_length(
    vectors: np.ndarray, sample_rate: int = SAMPLE_RATE, rooms: tuple[str, ...] = ROOM_NAMES
) -> np.ndarray:
    """Samples from the event time until the event is below -60 dB re its peak, room tail included.

    A conservative bound: excitation end (the earlier of the gate + release and, for a -60 dB
    sustain, the envelope decay) + resonance T60 (if tonal_mix > 0) + body T60 (if body_mix > 0)
    + room IR length (if room_wet > 0) + any positive fine shift.

    Args:
        vectors: (n_events, 32) normalised controls (or (32,)).
        sample_rate: Hz.
        rooms: the room bank `room_id` indexes.

    Returns:
        int64 (n_events,) (a scalar array for a single vector).
    """
    v = np.asarray(vectors, dtype=np.float64)
    validate_controls(v)
    p = to_physical(v)

    def col(name: str) -> np.ndarray:
        return p[..., INDEX[name]]

    t = _excitation_end_s(p, 60.0) + COLOUR_RING_S
    t = t + np.where(col("tonal_mix") > 0, col("decay_s"), 0.0)
    t = t + np.where(col("body_mix") > 0, col("body_decay_s"), 0.0)
    lengths = room_lengths(tuple(rooms))
    idx = np.clip(np.rint(col("room_id")).astype(np.int64), 0, len(lengths) - 1)
    n = np.ceil(t * sample_rate) + np.where(col("room_wet") > 0, lengths[idx], 0)
    n = n + np.maximum(col("shift_samples"), 0.0)
    return np.maximum(np.ceil(n), MIN_SAMPLES).astype(np.int64)


def onset_lead(vectors: np.ndarray) -> np.ndarray:
    """Samples (int64, (n_events,)) by which a negative fine shift moves each onset before the event time.

    ceil(-shift_samples) for a negative shift, else 0; at most PRE_ROLL. Renders that should start at the
    onset (`explain`, `render-event`) begin this many samples before the event time.

    Args:
        vectors: (n_events, 32) normalised controls (or (32,): a scalar array).
    """
    shift = to_physical(np.asarray(vectors, dtype=np.float64))[..., INDEX["shift_samples"]]
    # float32 controls put a whole-sample shift a hair off the integer: do not add a sample of silence for it
    return np.ceil(np.maximum(-shift, 0.0) - 1e-3).astype(np.int64)
