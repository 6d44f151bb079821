"""The encoder's note stage: one event per note, with the note's pitch, before the pursuit."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.codec import encode
from eventcodec.encode import EncodeOptions
from eventcodec.notes.score import event_notes, note_scores

SR = 22050
# (f0_hz, onset_s, duration_s): two triads and two single notes
NOTES = [(261.63, 0.3, 0.8), (329.63, 0.3, 0.8), (392.0, 0.3, 0.8), (220.0, 1.4, 0.6), (587.33, 2.2, 0.5),
         (146.83, 2.2, 0.9), (493.88, 3.2, 0.6), (196.0, 3.2, 0.6)]


def plucked(f0_hz: float, onset_s: float, dur_s: float, n: int) -> np.ndarray:
    t = np.arange(int(dur_s * SR)) / SR
    env = np.minimum(t / 0.004, 1.0) * np.exp(-t / 0.6) * np.minimum(1.0, (dur_s - t) / 0.02)
    x = sum(np.sin(2 * np.pi * k * f0_hz * t + 0.7 * k) * 0.8**k for k in range(1, 11)) * env * 0.15
    out = np.zeros(n)
    i = int(onset_s * SR)
    out[i : i + len(x)] = x[: n - i]
    return out


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    n = 4 * SR
    return np.asarray(sum(plucked(f, on, d, n) for f, on, d in NOTES), np.float32)


def _score(events) -> object:  # type: ignore[no-untyped-def]
    on = np.array([o for _, o, _ in NOTES])
    f0 = np.array([f for f, _, _ in NOTES])
    return note_scores(on, on + np.array([d for _, _, d in NOTES]), f0, *event_notes(events.times, events.vectors, SR))


def test_each_note_becomes_one_event_on_its_pitch(audio: np.ndarray) -> None:
    events = encode(audio, SR, "abs", EncodeOptions())
    s = _score(events)
    assert s.recall == 1.0, s  # type: ignore[attr-defined]
    assert s.events_per_note <= 1.5, s  # type: ignore[attr-defined]
    assert s.pitch_cents < 10, s  # type: ignore[attr-defined]


def test_the_note_stage_is_what_makes_events_notes(audio: np.ndarray) -> None:
    """Without the note stage (the pursuit alone) the same chords take more events per note."""
    pursuit_only = _score(encode(audio, SR, "abs", EncodeOptions(notes=False)))
    with_notes = _score(encode(audio, SR, "abs", EncodeOptions()))
    assert with_notes.f1 > pursuit_only.f1  # type: ignore[attr-defined]
