"""Apply a studio edit request through `eventcodec.edit`, and track where the edited events end up."""

from __future__ import annotations

import warnings

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


def apply_edit(events: EventSet, req: EditRequest) -> tuple[EventSet, list[int]]:
    """The edited set, its texture following the edited events (`texture.follow`), and the new indices of the
    events the edit touched.

    Raises:
        EventCodecError: an index out of range, a time before 0, an unknown control.
    """
    idx = sorted(set(req.indices))
    n = len(events)
    if any(not 0 <= i < n for i in idx):
        raise EventCodecError(f"event index out of range (the set has {n} events)")
    if not idx and req.op != "delete":
        raise EventCodecError("select at least one event first")
    from eventcodec.texture.follow import follow_edit

    out, touched = _apply(events, req, idx)
    return follow_edit(events, out), touched


def _apply(events: EventSet, req: EditRequest, idx: list[int]) -> tuple[EventSet, list[int]]:
    n = len(events)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", edit.ClipWarning)  # clipping to a bound is the expected outcome here
        if req.op == "delete":
            return edit.delete(events, idx), []
        if req.op == "shift":
            out = edit.shift(events, req.offset_s, idx)
            times = events.times.copy()
            times[idx] += round(req.offset_s * events.sample_rate)
            pos = new_positions(events.times, times)
            return out, sorted(int(pos[i]) for i in idx)
        if req.op == "transpose":
            return edit.transpose(events, req.semitones, idx), idx
        if req.op == "room":
            return edit.set_room(events, req.room, req.wet, idx), idx
        if req.op == "set":
            return edit.set_control(events, req.control, req.value, idx), idx
        if len(idx) != 1:
            raise EventCodecError("replace needs exactly one target event")
        if not 0 <= req.source < n:
            raise EventCodecError(f"source event {req.source} out of range (the set has {n} events)")
        return edit.replace_vector(events, idx[0], events.vectors[req.source], f"by {req.source}"), idx
