"""The note tracker on synthetic chords with known notes, and the note-F1 matcher."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.notes.score import match_notes, note_scores
from eventcodec.notes.track import track_notes

SR = 22050


def tone(f0_hz: float, onset_s: float, dur_s: float, n_s: float, amp: float = 0.2, decay_s: float = 1.0) -> np.ndarray:
    """A harmonic tone (8 partials, 1/k amplitudes, exponential decay, 5 ms attack) placed in n_s seconds."""
    t = np.arange(int(dur_s * SR)) / SR
    env = np.minimum(t / 0.005, 1.0) * np.exp(-t / decay_s) * np.minimum(1.0, (dur_s - t) / 0.02)
    x = sum(np.sin(2 * np.pi * k * f0_hz * t + k) / k for k in range(1, 9)) * env * amp
    out = np.zeros(int(n_s * SR))
    i = int(onset_s * SR)
    out[i : i + len(x)] = x[: len(out) - i]
    return out


NOTES = [(261.63, 0.3, 0.8), (329.63, 0.3, 0.8), (392.0, 0.3, 0.8), (220.0, 1.4, 0.6), (587.33, 2.2, 0.5),
         (146.83, 2.2, 0.9)]


@pytest.fixture(scope="module")
def chords() -> np.ndarray:
    rng = np.random.default_rng(0)
    audio = sum(tone(f, on, d, 3.5) for f, on, d in NOTES) + 1e-4 * rng.standard_normal(int(3.5 * SR))
    return np.asarray(audio, np.float32)


def test_tracker_finds_each_note_once_with_pitch_onset_and_offset(chords: np.ndarray) -> None:
    found = track_notes(chords, SR)
    assert len(found) == len(NOTES), [(round(n.onset_s, 2), round(n.f0_hz, 1)) for n in found]
    for f0, on, dur in NOTES:
        best = min(found, key=lambda n: abs(np.log2(n.f0_hz / f0)) + abs(n.onset_s - on))
        assert abs(1200 * np.log2(best.f0_hz / f0)) < 10  # refined pitch, not only the semitone
        assert abs(best.onset_s - on) < 0.05
        assert abs(best.offset_s - (on + dur)) < 0.15


def test_tracker_refines_a_detuned_pitch() -> None:
    f0 = 440.0 * 2 ** (30 / 1200)  # 30 cents sharp of A4
    found = track_notes(tone(f0, 0.2, 1.0, 1.5).astype(np.float32), SR)
    assert len(found) == 1
    assert abs(1200 * np.log2(found[0].f0_hz / f0)) < 5


def test_silence_has_no_notes() -> None:
    assert track_notes(np.zeros(SR, np.float32), SR) == []


def test_matching_is_one_to_one_and_precision_counts_every_event() -> None:
    on = np.array([0.5, 1.0])
    f0 = np.array([440.0, np.nan])  # a pitched note and a drum hit
    # three events on the pitched note (one matches), one on the drum hit, one 40 cents off
    ev_on = np.array([0.51, 0.52, 0.49, 1.02])
    ev_f0 = np.array([440.0 * 2 ** (40 / 1200), 440.0, 450.0 * 2, np.nan])
    pairs = match_notes(on, f0, ev_on, ev_f0)
    assert sorted(pairs) == [(0, 1), (1, 3)] or sorted(pairs) == [(0, 0), (1, 3)]
    s = note_scores(on, on + 0.3, f0, ev_on, ev_on + 0.3, ev_f0)
    assert s.recall == 1.0 and s.precision == 0.5 and s.events_per_note == 2.0
    off_pitch = note_scores(on[:1], on[:1] + 0.3, f0[:1], ev_on[2:3], ev_on[2:3] + 0.3, ev_f0[2:3])
    assert off_pitch.n_matched == 0  # an octave off is not the note


def test_a_pure_tone_is_a_note_and_short_input_is_no_error() -> None:
    t = np.arange(SR) / SR
    sine = np.pad(0.3 * np.sin(2 * np.pi * 440.0 * t), (4000, 4000)).astype(np.float32)
    found = track_notes(sine, SR)
    assert len(found) == 1 and abs(1200 * np.log2(found[0].f0_hz / 440.0)) < 5
    assert abs(found[0].onset_s - 4000 / SR) < 0.05
    assert track_notes(sine[4000:4001], SR) == [] and track_notes(sine[4000:4100], SR) == []  # under a hop
    shorter_than_a_frame = track_notes(sine[4000:8095], SR)  # padded to one whole analysis frame
    assert all(abs(1200 * np.log2(n.f0_hz / 440.0)) < 50 for n in shorter_than_a_frame)
