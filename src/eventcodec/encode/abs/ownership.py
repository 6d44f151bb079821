"""Which sounds belong to the window's tracked notes, so the pursuit leaves them to the notes (and the texture).

With a texture, a note owns its sound: where the pursuit picks a peak on a partial (k <= NOTE_HARMONICS) of a
sounding note, or a sound starting within STRUCK_WITH frames of a note (its attack, inharmonic partials
included), it may add only an unpitched event; while a note sounds elsewhere, a pitched event must be
short and struck (a drum). What the note's model misses there is the texture's to fill.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from eventcodec.controls import INDEX, to_physical
from eventcodec.encode.abs.candidates import ONSET_LEAD
from eventcodec.encode.abs.spectra import BIN_HZ

if TYPE_CHECKING:
    from eventcodec.encode.abs.pursuit import Found

DRUM_DECAY_S = 0.3  # while a note sounds, a pitched pursuit event must be struck and ring at most this long
STRUCK_WITH = 3  # frames: a pitched sound starting this close to a note is part of it
NOTE_HARMONICS = 16  # pitched pursuit events on a sounding note's harmonics 2..this are not added


def sounds_at(note: Found, frame: int) -> bool:
    """The note sounds at event frame `frame` (from 4 frames before its onset to its tracked end, 8 frames at least)."""
    return note.frame - 4 <= frame < max(note.end, note.frame + 8)


def not_the_notes(vectors: np.ndarray, notes: list[Found], frame: int, peak_bin: int, onset_frame: int) -> np.ndarray:
    """Bool (n,): which candidate `vectors` (n, 32) the pursuit may add for the peak it picked (module docstring).

    Args:
        notes: the notes that may sound (earlier windows' and this one's).
        frame, peak_bin: spectrogram frame and bin of the picked peak.
        onset_frame: event frame of the sound's onset.
    """
    claim = claimed_by(notes, frame, peak_bin, onset_frame)
    if claim is None:
        return np.ones(len(vectors), bool)
    phys = to_physical(vectors)
    keep: np.ndarray = phys[:, INDEX["tonal_mix"]] < 0.5
    if claim == "sounding":
        keep |= (phys[:, INDEX["sustain_db"]] < -30) & (phys[:, INDEX["decay_s"]] <= DRUM_DECAY_S)
    return keep


def claimed_by(notes: list[Found], frame: int, peak_bin: int, onset_frame: int) -> str | None:
    """Why the sound the pursuit picked belongs to the tracked notes, or None.

    "part": bin `peak_bin` (n_fft 2048) at spectrogram frame `frame` lies on a partial k <= NOTE_HARMONICS of a
    sounding note (within 50 cents or one bin), or the sound starts with a note (event frame `onset_frame`
    within STRUCK_WITH frames of the note's: an inharmonic partial or the body of its attack).
    "sounding": no such note, but a note sounds there.
    """
    f_hz = peak_bin * BIN_HZ
    frame += ONSET_LEAD  # a spectrogram frame -> the event frame of a sound that peaks there
    claim = None
    for ev in notes:
        if not ev.note:
            continue
        if abs(onset_frame - ev.frame) <= STRUCK_WITH:
            return "part"
        if not sounds_at(ev, frame):
            continue
        claim = "sounding"
        f0 = to_physical(ev.vector)[INDEX["f0_hz"]]
        k = max(1, round(f_hz / f0))
        if k <= NOTE_HARMONICS and (abs(1200 * np.log2(max(f_hz, 1.0) / (k * f0))) <= 50
                                    or abs(f_hz - k * f0) <= BIN_HZ):
            return "part"
    return claim


def harmonic_of(notes: list[Found], frame: int, vector: np.ndarray, cents: float = 50.0,
                harmonics: int = NOTE_HARMONICS) -> tuple[int, int] | None:
    """(k, index) of the note sounding at event frame `frame` whose pitch times or divided by k (k <= `harmonics`)
    is the pitch of a pitched `vector` (within `cents`), smallest k first; None for none or an unpitched `vector`."""
    p = to_physical(vector)
    if p[INDEX["tonal_mix"]] < 0.5:
        return None
    hits = []
    for i, ev in enumerate(notes):
        if not ev.note or not sounds_at(ev, frame):
            continue
        ratio = p[INDEX["f0_hz"]] / to_physical(ev.vector)[INDEX["f0_hz"]]
        r = ratio if ratio >= 1 else 1 / ratio
        k = max(1, round(r))
        if k <= harmonics and abs(1200 * np.log2(r / k)) <= cents:
            hits.append((k, i))
    return min(hits) if hits else None
