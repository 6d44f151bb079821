"""What the studio plays and shows, computed through the codec API (no DSP here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

MAX_EVENT_S = 6.0  # a single event is rendered at most this long (its tail is cut)


def decoded(events: EventSet) -> np.ndarray:
    """The whole set rendered: (n_samples,) float32."""
    from eventcodec.codec import decode

    return decode(events)


def original(path: Path) -> np.ndarray:
    """The uploaded audio as the codec sees it: mono float32 at 22050 Hz."""
    from eventcodec.audio import load

    audio, _ = load(path)
    return audio


def _check(events: EventSet, index: int) -> None:
    if not 0 <= index < len(events):
        raise EventCodecError(f"event index {index} out of range (the set has {len(events)} events)")


def event_length(events: EventSet, index: int) -> int:
    """Samples to render for one event: its audible duration, at most MAX_EVENT_S."""
    try:
        from eventcodec.edit.durations import audible_durations_s

        seconds = float(audible_durations_s(events.select(np.array([index])))[0])
    except (ImportError, EventCodecError):
        seconds = MAX_EVENT_S
    return max(256, round(min(max(seconds, 0.05) + 0.05, MAX_EVENT_S) * events.sample_rate))


def single_event(events: EventSet, index: int) -> np.ndarray:
    """One event alone, from its onset: (n,) float32."""
    from eventcodec.codec import decode

    _check(events, index)
    one = events.select(np.array([index]))
    start = int(one.times[0])
    n = event_length(events, index)
    return decode(one.replace(n_samples=max(one.n_samples, start + n)), start_sample=start, n_samples=n)


def stages(events: EventSet, index: int) -> dict[str, np.ndarray]:
    """The decoder stages of one event (Fig. 5): stage name -> (n,) float32 audio."""
    from eventcodec.synth import render_stages

    _check(events, index)
    n = event_length(events, index)
    out = render_stages(events.select(np.array([index])).replace(times=np.zeros(1, np.int64), n_samples=n), 0)
    return {str(k): np.asarray(v, dtype=np.float32).reshape(-1)[:n] for k, v in dict(out).items()}
