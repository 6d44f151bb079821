"""explain(event): one event's signal after each stage of the chain, for plots, the CLI and the web studio."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.synth.length import audible_length, onset_lead
from eventcodec.synth.render import render_stages
from eventcodec.synth.rooms import ROOM_NAMES
from eventcodec.synth.seeds import event_seeds


def explain(
    vector: np.ndarray, time_samples: int = 0, n_samples: int | None = None, rooms: tuple[str, ...] = ROOM_NAMES
) -> dict[str, np.ndarray]:
    """Stages of one event: {"impulse", "resonance", "body", "room", "output"}, each float32 (n_samples,).

    Each starts at the event's onset: `onset_lead(vector)` samples before `time_samples` when the fine
    shift is negative, else at `time_samples`.

    Args:
        vector: (32,) normalised controls.
        time_samples: the event's time (sets its noise seed exactly as `decode` does).
        n_samples: render length; None uses the event's audible length (from its onset).
        rooms: the room bank `room_id` indexes.
    """
    v = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    lead = int(onset_lead(v)[0])
    n = int(audible_length(v, rooms=rooms)[0]) + lead if n_samples is None else int(n_samples)
    seeds = torch.from_numpy(event_seeds(np.array([time_samples]), v))
    with torch.no_grad():
        stages = render_stages(torch.from_numpy(v), n, seeds, rooms=rooms, lead_samples=lead)
    return {k: s[0].numpy().astype(np.float32) for k, s in stages.items()}
