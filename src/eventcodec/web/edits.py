"""Apply a studio edit request through `eventcodec.edit`, and track where the edited events end up."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from eventcodec import edit
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.web.schemas import EditRequest


def new_positions(old_times: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    """Where each event lands after its time changed: EventSet re-sorts stably by time.

    Args:
        old_times: (n,) times before, sorted (the set's order).
        new_times: (n,) times after, in the old order.

    Returns:
        (n,) int64: new index of old event i.
    """
    del old_times  # the old order is the identity; kept for a readable call site
    order = np.argsort(np.asarray(new_times), kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return inverse


class Edited(NamedTuple):
    """The outcome of one edit.

    Attributes:
        events: the edited set, its texture following the edited events (`texture.follow`).
        selected: new indices of the events the edit touched.
        origin: (n_new,) int64, index before the edit of each event after it (the map keeps its points).
        note: what the edit left alone and why ("" when it did all it was asked).
    """

    events: EventSet
    selected: list[int]
    origin: np.ndarray
    note: str = ""


def apply_edit(events: EventSet, req: EditRequest) -> Edited:
    """Apply `req` to `events`.

    Raises:
        EventCodecError: an index out of range, a time before 0, an unknown control, a transpose of
            unpitched events only.
    """
    idx = sorted(set(req.indices))
    n = len(events)
    if any(not 0 <= i < n for i in idx):
        raise EventCodecError(f"event index out of range (the set has {n} events)")
    if not idx and req.op != "delete":
        raise EventCodecError("select at least one event first")
    from eventcodec.texture.follow import follow_edit

    done = _apply(events, req, idx)
    return done._replace(events=follow_edit(events, done.events))


def _events(n: int) -> str:
    return f"{n} event{'' if n == 1 else 's'}"


def _transpose(events: EventSet, semitones: float, idx: list[int]) -> Edited:
    """Transpose the pitched events of `idx`; the others would sound the same (their f0 is not heard)."""
    pitched = edit.pitched_mask(events)
    keep = [i for i in idx if pitched[i]]
    left = len(idx) - len(keep)
    if not keep:
        raise EventCodecError(f"{'the selected event is' if left == 1 else f'all {left} selected events are'} "
                              "unpitched (noise, clicks, glides, bells): transposing changes nothing")
    note = f"{_events(left)} {'is' if left == 1 else 'are'} unpitched: not transposed" if left else ""
    return Edited(edit.transpose(events, semitones, keep), keep, np.arange(len(events)), note)


def _apply(events: EventSet, req: EditRequest, idx: list[int]) -> Edited:
    n = len(events)
    same = np.arange(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", edit.ClipWarning)  # clipping to a bound is the expected outcome here
        if req.op == "delete":
            return Edited(edit.delete(events, idx), [], np.delete(same, idx))
        if req.op == "shift":
            out = edit.shift(events, req.offset_s, idx)
            times = events.times.copy()
            times[idx] += round(req.offset_s * events.sample_rate)
            pos = new_positions(events.times, times)
            origin = np.empty(n, dtype=np.int64)
            origin[pos] = same
            return Edited(out, sorted(int(pos[i]) for i in idx), origin)
        if req.op == "transpose":
            return _transpose(events, req.semitones, idx)
        if req.op == "room":
            return Edited(edit.set_room(events, req.room, req.wet, idx), idx, same)
        if req.op == "set":
            return Edited(edit.set_control(events, req.control, req.value, idx), idx, same)
        if len(idx) != 1:
            raise EventCodecError("replace needs exactly one target event")
        if not 0 <= req.source < n:
            raise EventCodecError(f"source event {req.source} out of range (the set has {n} events)")
        return Edited(edit.replace_vector(events, idx[0], events.vectors[req.source], f"by {req.source}"), idx, same)
