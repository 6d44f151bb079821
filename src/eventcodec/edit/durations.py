"""Audible duration of each event, as the synthesizer defines it (used by plots and MIDI export)."""

from __future__ import annotations

import numpy as np

from eventcodec.types import EventSet


def audible_durations_s(events: EventSet) -> np.ndarray:
    """Seconds (n_events,) from each onset until the event's rendered output falls below audibility."""
    from eventcodec.synth import audible_length

    return np.asarray(audible_length(events), dtype=np.float64) / events.sample_rate
