"""Note F1: how well an event list reads as the score of known notes (DESIGN.md, "Measuring quality honestly").

Events and notes are matched one-to-one (maximum bipartite matching). A pitched note matches an event
whose onset is within `onset_tol_s` and whose `f0_hz` is within `cents_tol` cents; a drum note matches any
event within `onset_tol_s`. Precision counts every event, so several events per note cost precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NoteScore:
    """Note-level scores of one event list against one note list.

    Attributes:
        precision, recall, f1: over all events and all notes.
        n_notes, n_events, n_matched: counts.
        events_per_note: n_events / n_notes.
        pitch_cents: mean |cents| error of matched pitched notes.
        offset_ok: share of matched pitched notes whose event ends within max(50 ms, 20 % of the note).
    """

    precision: float
    recall: float
    f1: float
    n_notes: int
    n_events: int
    n_matched: int
    events_per_note: float
    pitch_cents: float
    offset_ok: float


def match_notes(note_onset_s: np.ndarray, note_f0_hz: np.ndarray, ev_onset_s: np.ndarray, ev_f0_hz: np.ndarray,
                onset_tol_s: float = 0.05, cents_tol: float = 50.0) -> list[tuple[int, int]]:
    """(note, event) index pairs of a maximum one-to-one matching.

    Args:
        note_onset_s: (N,) note onsets.
        note_f0_hz: (N,) note pitch; NaN for a drum note (matched by onset alone).
        ev_onset_s: (E,) event onsets.
        ev_f0_hz: (E,) event pitch (NaN for an unpitched event: it can only match a drum note).
    """
    from scipy.optimize import linear_sum_assignment

    if len(note_onset_s) == 0 or len(ev_onset_s) == 0:
        return []
    dt = np.abs(note_onset_s[:, None] - ev_onset_s[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        cents = np.abs(1200 * np.log2(ev_f0_hz[None, :] / note_f0_hz[:, None]))
    drum = np.isnan(note_f0_hz)[:, None]
    ok = (dt <= onset_tol_s) & (drum | (cents <= cents_tol))
    # prefer more matches first, then closer ones: each valid pair is worth 1 minus a small distance term
    cost = np.where(ok, -1.0 + 0.1 * dt / onset_tol_s + 0.1 * np.nan_to_num(cents, nan=0.0) / cents_tol, 0.0)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if ok[r, c]]


def note_scores(note_onset_s: np.ndarray, note_offset_s: np.ndarray, note_f0_hz: np.ndarray,
                ev_onset_s: np.ndarray, ev_offset_s: np.ndarray, ev_f0_hz: np.ndarray) -> NoteScore:
    """Note F1 and companions (see NoteScore) of events against notes; arrays as in `match_notes`."""
    pairs = match_notes(note_onset_s, note_f0_hz, ev_onset_s, ev_f0_hz)
    n_notes, n_events, m = len(note_onset_s), len(ev_onset_s), len(pairs)
    p = m / n_events if n_events else 0.0
    r = m / n_notes if n_notes else 0.0
    pitched = [(i, j) for i, j in pairs if not np.isnan(note_f0_hz[i])]
    cents = [abs(1200 * np.log2(ev_f0_hz[j] / note_f0_hz[i])) for i, j in pitched]
    off_ok = [abs(ev_offset_s[j] - note_offset_s[i]) <= max(0.05, 0.2 * (note_offset_s[i] - note_onset_s[i]))
              for i, j in pitched]
    return NoteScore(p, r, 2 * p * r / (p + r) if p + r else 0.0, n_notes, n_events, m,
                     n_events / max(n_notes, 1), float(np.mean(cents)) if cents else float("nan"),
                     float(np.mean(off_ok)) if off_ok else float("nan"))


def event_notes(times_samples: np.ndarray, vectors: np.ndarray, sample_rate: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(onset_s, offset_s, f0_hz) of events in the controls space; f0 NaN where the event is unpitched.

    Onset is the event time plus its fine shift; an event is pitched when its `tonal_mix` is at least 0.5;
    its offset is onset + attack + hold (the gate), which is what MIDI export writes.
    """
    from eventcodec.controls import INDEX, to_physical

    phys = to_physical(vectors) if len(vectors) else np.zeros((0, 32))
    onset = (np.asarray(times_samples, np.float64) + phys[:, INDEX["shift_samples"]]) / sample_rate
    offset = onset + phys[:, INDEX["attack_s"]] + phys[:, INDEX["hold_s"]]
    f0 = np.where(phys[:, INDEX["tonal_mix"]] >= 0.5, phys[:, INDEX["f0_hz"]], np.nan)
    return onset, offset, f0
