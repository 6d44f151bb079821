"""Edit operations on EventSets; each returns a new set and never changes its input.

Selections (`where`) are a filter expression (see `edit.expr`), a bool mask (n_events,), a sequence
of indices, or None for all events. Edits that would push a control past its bound **clip it to
the bound and warn** with a `ClipWarning` naming the control and how many events were clipped (the
CLI prints it); edits that cannot be done at all (a time before 0, a latent set where controls are
needed) raise `EventCodecError`. Every edit is appended to ``meta["edits"]`` for provenance.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from eventcodec import controls
from eventcodec.edit.expr import evaluate
from eventcodec.edit.pitched import pitched_mask
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

Where = str | np.ndarray | Sequence[int] | None

# Durations that a time-stretch scales (body_decay_s is a timbre property and is left alone).
STRETCHED_DURATIONS = ("attack_s", "env_decay_s", "hold_s", "release_s", "decay_s", "morph_time_s")
N_ROOMS = int(controls.CONTROLS[controls.INDEX["room_id"]].max) + 1


class ClipWarning(UserWarning):
    """An edit pushed some controls past their bounds; they were clipped to the bound."""


def selection(events: EventSet, where: Where) -> np.ndarray:
    """Bool mask (n_events,) for a `where` selector.

    Raises:
        EventCodecError: a bad expression, a mask of the wrong length or an index out of range.
    """
    n = len(events)
    if where is None:
        return np.ones(n, dtype=bool)
    if isinstance(where, str):
        return evaluate(where, events)
    arr = np.asarray(where)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise EventCodecError(f"selection mask has {arr.size} entries for {n} events")
        return arr.copy()
    idx = arr.astype(np.int64).reshape(-1)
    if len(idx) and (idx.min() < -n or idx.max() >= n):
        raise EventCodecError(f"event index out of range (the set has {n} events)")
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    return mask


def _logged(events: EventSet, edit: str, **changes: Any) -> EventSet:
    meta = dict(events.meta)
    meta["edits"] = [*list(meta.get("edits", [])), edit]
    return events.replace(meta=meta, **changes)


def _need_controls(events: EventSet, what: str) -> None:
    if events.space != "controls":
        raise EventCodecError(f"{what} needs an event set in the controls space (this one is latent)")


def _set_physical(events: EventSet, mask: np.ndarray, name: str, values: np.ndarray, edit: str) -> np.ndarray:
    """Vectors with control `name` of the masked events set to physical `values`, clipping with a warning."""
    c = controls.CONTROLS[controls.index_of(name)]
    values = np.asarray(values, dtype=np.float64)
    # float32 storage rounds values at a bound by ~1e-7; only a real excursion counts as clipping
    tol_lo, tol_hi = (1e-5 * c.min, 1e-5 * c.max) if c.scale == "log" else (1e-5 * (c.max - c.min),) * 2
    out_of_range = int(np.count_nonzero((values < c.min - tol_lo) | (values > c.max + tol_hi)))
    if out_of_range:
        warnings.warn(f"{edit}: {out_of_range} event(s) had {name} clipped to [{c.min:g}, {c.max:g}] {c.unit}",
                      ClipWarning, stacklevel=3)
    vectors = events.vectors.copy()
    phys = controls.to_physical(vectors[mask])
    phys[:, controls.index_of(name)] = values
    vectors[mask, controls.index_of(name)] = controls.to_unit(phys)[:, controls.index_of(name)]
    return vectors


def physical(events: EventSet, name: str) -> np.ndarray:
    """Physical values (n_events,) of one control (float64, in its unit)."""
    _need_controls(events, f"reading {name}")
    return controls.to_physical(events.vectors)[:, controls.index_of(name)]


def keep(events: EventSet, where: Where) -> EventSet:
    """Only the selected events."""
    mask = selection(events, where)
    return _logged(events.select(mask), f"keep {_describe(where)}")


def delete(events: EventSet, where: Where) -> EventSet:
    """All events except the selected ones."""
    mask = selection(events, where)
    return _logged(events.select(~mask), f"delete {_describe(where)}")


def slice_time(events: EventSet, start_s: float, stop_s: float | None = None) -> EventSet:
    """Events starting in [start_s, stop_s), re-timed so that start_s becomes 0 (stop None: the end)."""
    sr = events.sample_rate
    start = round(start_s * sr)
    stop = events.n_samples if stop_s is None else round(stop_s * sr)
    if start < 0 or stop <= start:
        raise EventCodecError(f"bad time range {start_s:g}..{stop_s} s: need 0 <= start < stop")
    return _logged(events.slice(start, stop), f"slice {start_s:g}:{'' if stop_s is None else f'{stop_s:g}'}")


def shift(events: EventSet, offset_s: float, where: Where = None) -> EventSet:
    """Move the selected events by `offset_s` seconds (the length grows to keep moved events).

    Raises:
        EventCodecError: an event would start before time 0.
    """
    mask = selection(events, where)
    offset = round(offset_s * events.sample_rate)
    times = events.times.copy()
    times[mask] += offset
    if len(times) and times.min() < 0:
        raise EventCodecError(f"shift by {offset_s:g} s would move events before time 0")
    n_samples = max(events.n_samples, int(times.max()) + 1 if len(times) else 0)
    if where is None:
        n_samples = max(0, events.n_samples + offset)
    return _logged(events, f"shift {offset_s:g}s {_describe(where)}", times=times, n_samples=n_samples)


def move(events: EventSet, index: int, to_s: float) -> EventSet:
    """Move one event (by index) so it starts at `to_s` seconds."""
    selection(events, [index])
    if to_s < 0:
        raise EventCodecError("cannot move an event before time 0")
    times = events.times.copy()
    times[index] = round(to_s * events.sample_rate)
    n_samples = max(events.n_samples, int(times[index]) + 1)
    return _logged(events, f"move {index} -> {to_s:g}s", times=times, n_samples=n_samples)


def gain(events: EventSet, gain_db: float, where: Where = None) -> EventSet:
    """Add `gain_db` to `amp_db` of the selected events (clipped to the control's bounds)."""
    _need_controls(events, "gain")
    mask = selection(events, where)
    new = physical(events, "amp_db")[mask] + gain_db
    vectors = _set_physical(events, mask, "amp_db", new, "gain")
    return _logged(events, f"gain {gain_db:+g}dB {_describe(where)}", vectors=vectors)


def transpose(events: EventSet, semitones: float, where: Where = "pitched") -> EventSet:
    """Multiply `f0_hz` by 2**(semitones/12) on pitched events (or on `where`).

    Args:
        events: the set (controls space).
        semitones: shift; +12 is an octave up.
        where: "pitched" (default: the rule in `edit.pitched`), None for all, or a selector.
    """
    _need_controls(events, "transpose")
    mask = pitched_mask(events) if isinstance(where, str) and where == "pitched" else selection(events, where)
    new = physical(events, "f0_hz")[mask] * 2.0 ** (semitones / 12.0)
    vectors = _set_physical(events, mask, "f0_hz", new, "transpose")
    return _logged(events, f"transpose {semitones:+g}st {_describe(where)}", vectors=vectors)


def time_stretch(events: EventSet, factor: float) -> EventSet:
    """Scale onsets, length and the durations in `STRETCHED_DURATIONS` by `factor`; tremolo rate by 1/factor.

    Pitch and timbre (f0, brightness, body) are unchanged: 2.0 plays twice as slowly.
    """
    if not np.isfinite(factor) or factor <= 0:
        raise EventCodecError(f"stretch factor must be > 0, got {factor:g}")
    times = np.round(events.times * factor).astype(np.int64)
    n_samples = round(events.n_samples * factor)
    out = events.replace(times=times, n_samples=n_samples)
    if events.space == "controls" and len(events):
        mask = np.ones(len(events), dtype=bool)
        for name in STRETCHED_DURATIONS:
            out = out.replace(vectors=_set_physical(out, mask, name, physical(out, name) * factor, "stretch"))
        out = out.replace(vectors=_set_physical(out, mask, "tremolo_hz", physical(out, "tremolo_hz") / factor,
                                                "stretch"))
    return _logged(out, f"stretch x{factor:g}")


def room_index(room: str | int) -> int:
    """Room bank index from a name (see `eventcodec explain`) or an index.

    Raises:
        EventCodecError: an unknown name or an index out of range.
    """
    names = room_names()
    if isinstance(room, str) and not room.strip().isdigit():
        lowered = [n.lower() for n in names]
        if room.lower() not in lowered:
            known = ", ".join(names) or "none (use an index 0..7)"
            raise EventCodecError(f"unknown room {room!r}; known: {known}")
        return lowered.index(room.lower())
    idx = int(room)
    if not 0 <= idx < N_ROOMS:
        raise EventCodecError(f"room index {idx} out of range 0..{N_ROOMS - 1}")
    return idx


def room_names() -> list[str]:
    """Names of the synth's room bank, in `room_id` order (empty when the synth is not installed)."""
    try:
        from eventcodec.synth.rooms import ROOM_NAMES
    except ImportError:
        return []
    return list(ROOM_NAMES)


def set_room(events: EventSet, room: str | int, wet: float | None = None, where: Where = None) -> EventSet:
    """Put the selected events in another room (and optionally set their `room_wet` in [0, 1])."""
    _need_controls(events, "room")
    mask = selection(events, where)
    idx = room_index(room)
    vectors = _set_physical(events, mask, "room_id", np.full(int(mask.sum()), float(idx)), "room")
    out = events.replace(vectors=vectors)
    if wet is not None:
        out = out.replace(vectors=_set_physical(out, mask, "room_wet", np.full(int(mask.sum()), wet), "room"))
    return _logged(out, f"room {room}{'' if wet is None else f' wet {wet:g}'} {_describe(where)}")


def set_control(events: EventSet, name: str, value: float, where: Where = None) -> EventSet:
    """Set one control of the selected events to a physical value (clipped to its bounds)."""
    _need_controls(events, "set")
    mask = selection(events, where)
    vectors = _set_physical(events, mask, name, np.full(int(mask.sum()), float(value)), "set")
    return _logged(events, f"set {name}={value:g} {_describe(where)}", vectors=vectors)


def replace_vector(events: EventSet, index: int, vector: np.ndarray, note: str = "") -> EventSet:
    """Event `index` with a new 32-d vector (same time), e.g. one of its neighbours'."""
    selection(events, [index])
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape != (events.vectors.shape[1],):
        raise EventCodecError(f"replacement vector has {v.size} numbers, expected {events.vectors.shape[1]}")
    if events.space == "controls" and (v.min() < 0 or v.max() > 1):
        raise EventCodecError("replacement vector is outside [0, 1] (not a controls-space vector)")
    vectors = events.vectors.copy()
    vectors[index] = v
    return _logged(events, f"replace {index}{' ' + note if note else ''}", vectors=vectors)


def mix(a: EventSet, b: EventSet, offset_s: float = 0.0, gain_db: float = 0.0) -> EventSet:
    """Both sets' events together; `b` starts at `offset_s` and gets `gain_db` (controls space only).

    Raises:
        EventCodecError: different sample rates, spaces or models.
    """
    if (a.sample_rate, a.space, a.model_hash) != (b.sample_rate, b.space, b.model_hash):
        raise EventCodecError("cannot mix event sets of different sample rate, space or model")
    if offset_s < 0:
        raise EventCodecError("mix offset must be >= 0 s")
    if gain_db != 0.0:
        b = gain(b, gain_db)
    offset = round(offset_s * a.sample_rate)
    return _logged(
        a,
        f"mix {b.meta.get('source', 'events')} at {offset_s:g}s",
        times=np.concatenate([a.times, b.times + offset]),
        vectors=np.concatenate([a.vectors, b.vectors]),
        n_samples=max(a.n_samples, b.n_samples + offset),
    )


def _describe(where: Where | str) -> str:
    if where is None:
        return "all"
    if isinstance(where, str):
        return f"where {where}"
    arr = np.asarray(where)
    return f"{int(arr.sum()) if arr.dtype == bool else arr.size} selected"
