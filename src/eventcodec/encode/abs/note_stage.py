"""The encoder's first stage: one event per tracked note (DESIGN.md, "Notes, instruments, residual, texture").

`notes.track.track_notes` finds the window's notes (onset, offset, f0, level); each note that starts in
the committed part of the window becomes ONE event: time and `shift_samples` from the onset, `f0_hz`
from the tracked pitch (never moved by the search), `hold_s` from the note's length. The search only
chooses how it sounds (struck or held, decay, brightness) among a few candidates scored by the surrogate
with a closed-form level, loudest note first, each fitted on what the louder ones left. The pursuit
then explains what the notes leave (`pursuit.pursue(..., initial=...)`).
"""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.controls import CONTROLS, INDEX
from eventcodec.encode.abs.candidates import noise, tonal
from eventcodec.encode.abs.proposals import estimate_envelope, harmonic_bins, partial_shape
from eventcodec.encode.abs.pursuit import Found, add_at, event_frames, score, with_gain
from eventcodec.encode.abs.spectra import PAD_FRAMES
from eventcodec.encode.abs.surrogate import expected_power
from eventcodec.notes.hits import Hit, track_hits
from eventcodec.notes.track import TrackedNote, track_notes
from eventcodec.types import SAMPLE_RATE

AMP = INDEX["amp_db"]
SHIFT = INDEX["shift_samples"]
HOLD = INDEX["hold_s"]
SCORE_S = 1.0
MIN_NOTE_DB = -60.0  # a note fitted below this level (re full scale) is not kept
HIT_DECAYS_S = (0.05, 0.15, 0.4)


def window_notes(audio: np.ndarray, commit_samples: int, file_start: bool) -> tuple[list[TrackedNote], list[Hit]]:
    """Notes and unpitched hits of a window's audio that start before `commit_samples` (a note already sounding
    when a later window starts belongs to an earlier window)."""
    notes = track_notes(audio, SAMPLE_RATE)
    hits = track_hits(audio, SAMPLE_RATE, np.array([n.onset_s for n in notes]))
    mine = [n for n in notes if n.onset_s * SAMPLE_RATE < commit_samples and (file_start or n.onset_s > 0)]
    return mine, [h for h in hits if h.onset_s * SAMPLE_RATE < commit_samples]


def note_vector(note: TrackedNote, residual: np.ndarray, frame: int) -> list[np.ndarray]:
    """Candidate control vectors for a note at event frame `frame` of the (1025, frames) power residual."""
    spec = residual[:, frame : frame + 6].mean(axis=1) if frame < residual.shape[1] else residual[:, -1]
    bright, slope, n_part = partial_shape(spec, note.f0_hz)
    env = estimate_envelope(residual[harmonic_bins(note.f0_hz)].sum(axis=0), max(frame - 2, 0))
    hold_s = max(note.offset_s - note.onset_s, 0.05)
    out = []
    for sustained in (False, True):
        for k in (0.4, 1.0, 2.5):
            v = tonal(note.f0_hz, bright, slope, n_part, env.decay_s * k, hold_s, sustained)
            # the gate is the note's length for struck notes too (their excitation has decayed long before it
            # closes, so the sound is the same): the event then says when the note ends (plots, MIDI, offsets)
            v[HOLD] = CONTROLS[HOLD].to_unit(hold_s)
            out.append(v)
    return out


def event_frame(onset: int, n_frames: int) -> int:
    """The window frame (hop 256) nearest window sample `onset`, within the window's `n_frames`."""
    return int(np.clip(round(onset / 256), 0, n_frames - 1))


def fit_at(cands: np.ndarray, onset: int, residual: np.ndarray, weights: np.ndarray) -> tuple[int, np.ndarray,
                                                                                          np.ndarray] | None:
    """The best of `cands` (n, 32) placed at window sample `onset`, its level fitted on `residual` (1025, frames):
    (event frame, vector, expected power), or None when it would explain nothing or lie below MIN_NOTE_DB.
    `residual` loses the event's power (in place)."""
    n_frames = residual.shape[1]
    score_frames = int(SCORE_S * SAMPLE_RATE / 256) + PAD_FRAMES
    frame = event_frame(onset, n_frames)
    cands = cands.copy()
    cands[:, SHIFT] = (np.clip(onset - 256 * frame, -128, 128) + 128) / 256
    with torch.no_grad():
        models = expected_power(torch.from_numpy(cands), score_frames)[0].numpy()
    gains, _ = score(residual, weights, models, np.full(len(cands), frame - PAD_FRAMES))
    vector = cands[int(np.argmax(np.nan_to_num(gains, nan=0.0)))]
    with torch.no_grad():
        full = expected_power(torch.from_numpy(vector[None]), event_frames(vector, n_frames + 512))[0][0].numpy()
    _, scale = score(residual, weights, full[None], np.array([frame - PAD_FRAMES]))
    if not scale[0] > 0:
        return None
    vector, applied = with_gain(vector, float(scale[0]))
    if CONTROLS[AMP].from_unit(float(vector[AMP])) < MIN_NOTE_DB:
        return None
    full = full * applied
    add_at(residual, full, frame - PAD_FRAMES, -1.0)
    np.maximum(residual, 0.0, out=residual)
    return frame, vector, full


def note_events(notes: list[TrackedNote], base: np.ndarray, weights: np.ndarray, max_events: int,
                hits: list[Hit] | None = None) -> list[Found]:
    """One Found event per note (the `max_events` loudest), fitted loudest first on `base` (1025, frames) power
    minus the notes before it; then one unpitched event per hit, while the budget lasts."""
    residual = base.copy()
    out: list[Found] = []
    for note in sorted(notes, key=lambda n: -n.level)[: max(max_events, 0)]:
        onset = round(note.onset_s * SAMPLE_RATE)
        cands = np.stack(note_vector(note, residual, event_frame(onset, residual.shape[1])))
        got = fit_at(cands, onset, residual, weights)
        if got is not None:
            out.append(Found(*got, note=True, end=round(note.offset_s * SAMPLE_RATE / 256)))
    for hit in sorted(hits or [], key=lambda h: -h.level_db)[: max(max_events - len(out), 0)]:
        cands = np.stack([noise(hit.highpass_hz, hit.lowpass_hz, d, 0.01, False) for d in HIT_DECAYS_S])
        got = fit_at(cands, round(hit.onset_s * SAMPLE_RATE), residual, weights)
        if got is not None:
            out.append(Found(*got))
    return sorted(out, key=lambda f: f.frame)
