"""One event alone, rendered at every decoder stage (for `render-event`, the stages plot, neighbours)."""

from __future__ import annotations

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

MAX_EVENT_S = 8.0
MIN_EVENT_S = 0.25


def event_stages(events: EventSet, index: int, n_samples: int | None = None) -> dict[str, np.ndarray]:
    """Stages of event `index` from its own onset: {"impulse", "resonance", "body", "room", "output"}.

    Each value is (n_samples,) float32 audio at the set's rate, at the event's final level, with the
    same noise seed as in `decode` (so "output" is what the event adds to the decoded file). A negative
    fine shift puts the onset `synth.length.onset_lead` samples before the event time; renders start there.

    Args:
        events: a controls-space set.
        index: which event (negative counts from the end).
        n_samples: render length (None: the event's audible length, 0.25 s to 8 s, plus that lead).

    Raises:
        EventCodecError: a latent set or an index out of range.
    """
    import torch

    from eventcodec.synth import render_stages
    from eventcodec.synth.length import onset_lead
    from eventcodec.synth.seeds import event_seeds

    if events.space != "controls":
        raise EventCodecError("rendering one event needs an event set in the controls space")
    if not -len(events) <= index < len(events):
        raise EventCodecError(f"event index {index} out of range (the set has {len(events)} events)")
    one = events.select(np.array([index % len(events)]))
    lead = int(onset_lead(one.vectors)[0])
    if n_samples is None:
        from eventcodec.edit.durations import audible_durations_s

        length_s = float(np.clip(audible_durations_s(one)[0], MIN_EVENT_S, MAX_EVENT_S))
        n_samples = round(length_s * events.sample_rate) + lead
    seeds = torch.from_numpy(event_seeds(one.times, one.vectors))
    with torch.no_grad():
        stages = render_stages(torch.from_numpy(one.vectors), int(n_samples), seeds=seeds, lead_samples=lead)
    return {k: v[0].numpy().astype(np.float32) for k, v in stages.items()}
