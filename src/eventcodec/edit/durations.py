"""Audible duration of each event, as the synthesizer defines it (used by plots and MIDI export)."""

from __future__ import annotations

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet


def audible_durations_s(events: EventSet, include_room: bool = True) -> np.ndarray:
    """Seconds (n_events,) from each onset until the event is below -60 dB re its peak.

    Args:
        events: a controls-space set.
        include_room: count the room's reverberant tail (False: the dry note only, as for MIDI notes).

    Raises:
        EventCodecError: a latent set.
    """
    from eventcodec.synth import audible_length

    if events.space != "controls":
        raise EventCodecError("audible durations need an event set in the controls space")
    if len(events) == 0:
        return np.zeros(0)
    vectors = events.vectors.copy()
    if not include_room:
        vectors[:, controls.index_of("room_wet")] = 0.0
    n = np.asarray(audible_length(vectors, events.sample_rate), dtype=np.float64).reshape(-1)
    out: np.ndarray = n / events.sample_rate
    return out
