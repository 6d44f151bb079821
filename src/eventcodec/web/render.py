"""What the studio plays and shows, computed through the codec API (no DSP here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

RATE_HZ = 22050  # eventcodec.types.SAMPLE_RATE: what the studio plays and shows
MAX_EVENT_S = 6.0  # a single event is rendered at most this long (its tail is cut)


def decoded(events: EventSet, texture: bool = True) -> np.ndarray:
    """The whole set rendered, with its noise texture unless `texture` is False: (n_samples,) float32."""
    from eventcodec.codec import decode

    return decode(events, texture=texture)


def original(path: Path, n_samples: int | None = None) -> np.ndarray:
    """The uploaded audio as the codec sees it: mono float32 at RATE_HZ, its first `n_samples` only if given
    (read block by block, so a long file's tail is never decoded).
    """
    from eventcodec.audio import iter_blocks, load

    if n_samples is None:
        audio, _ = load(path)
        return audio
    blocks, total = [], 0
    for block in iter_blocks(path, sample_rate=RATE_HZ):
        blocks.append(block[: n_samples - total])
        total += len(blocks[-1])
        if total >= n_samples:
            break
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def _check(events: EventSet, index: int) -> None:
    if not 0 <= index < len(events):
        raise EventCodecError(f"event index {index} out of range (the set has {len(events)} events)")


def event_length(events: EventSet, index: int) -> int:
    """Samples to render for one event: until it falls silent (synth.audible_length), at most MAX_EVENT_S."""
    from eventcodec.synth import audible_length

    _check(events, index)
    n = int(np.asarray(audible_length(events.vectors[index : index + 1], events.sample_rate)).reshape(-1)[0])
    return int(min(max(n, 256), round(MAX_EVENT_S * events.sample_rate)))


def onset_lead(events: EventSet, index: int) -> int:
    """Samples before its time where one event's onset lies (a negative fine shift), not before the file start."""
    from eventcodec.synth.length import onset_lead as shift_lead

    _check(events, index)
    return min(int(shift_lead(events.vectors[index : index + 1])[0]), int(events.times[index]))


def single_event(events: EventSet, index: int) -> np.ndarray:
    """One event alone, from its onset (`onset_lead` before its time), as `decode` renders it: (n,) float32.

    Without the set's noise texture: that belongs to no event.
    """
    from eventcodec.codec import decode

    lead = onset_lead(events, index)
    n = event_length(events, index) + lead
    one = events.select(np.array([index]))
    start = int(one.times[0]) - lead
    return decode(one.replace(n_samples=max(one.n_samples, start + n)), start_sample=start, n_samples=n,
                  texture=False)


def stages(events: EventSet, index: int) -> dict[str, np.ndarray]:
    """The decoder stages of one event (Fig. 5) from its onset, with the seed `decode` uses: name -> (n,) float32."""
    import torch

    from eventcodec.synth import event_seeds, render_stages

    if events.space != "controls":
        raise EventCodecError("decoder stages need an event set in the controls space")
    lead = onset_lead(events, index)
    n = event_length(events, index) + lead
    vectors = events.vectors[index : index + 1]
    seeds = torch.as_tensor(event_seeds(events.times[index : index + 1], vectors))
    with torch.no_grad():
        out = render_stages(torch.as_tensor(vectors), n, seeds, lead_samples=lead)
    return {str(k): v.reshape(-1).numpy().astype(np.float32) for k, v in out.items()}


def placement(events: EventSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the timeline draws each event: height, pitched flag and length.

    Returns:
        centre_hz (n,): f0_hz for tonal events (tonal_mix >= 0.5), else the geometric centre of the
            excitation noise band (noise_highpass_hz..noise_lowpass_hz), where a noise hit's energy sits;
        pitched (n,) bool: the rule of `edit.pitched_mask`;
        length_s (n,): audible length (synth.audible_length).
    """
    from eventcodec import controls
    from eventcodec.edit import pitched_mask
    from eventcodec.synth import audible_length

    n = len(events)
    if events.space != "controls" or n == 0:
        return np.full(n, 220.0), np.zeros(n, bool), np.zeros(n)
    p = controls.to_physical(events.vectors)
    col = controls.INDEX
    band = np.sqrt(p[:, col["noise_highpass_hz"]] * np.maximum(p[:, col["noise_lowpass_hz"]],
                                                                p[:, col["noise_highpass_hz"]]))
    centre = np.where(p[:, col["tonal_mix"]] >= 0.5, p[:, col["f0_hz"]], band)
    length_s = np.asarray(audible_length(events.vectors, events.sample_rate), dtype=np.float64).reshape(n)
    return centre, pitched_mask(events), length_s / events.sample_rate
