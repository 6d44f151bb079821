"""Polyphonic note tracking: pitch activations (salience.py) -> notes with onset, offset, f0 and level.

Per pitch, an onset is a peak of the activation's rise (log activation over RISE_FRAMES frames) that
leads to a level within ACTIVE_DB of the loudest activation; the note lasts while its activation stays
within RELEASE_DB of its own peak and above the floor, and ends at the next onset of the same pitch.
Harmonic ghosts (a note on the 2nd-4th harmonic of a louder note that starts with it) are dropped
unless they stand out from what the lower note's comb predicts. f0 is refined from the sub-bin peaks of
the note's harmonics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from eventcodec.notes.salience import HOP, MIDI_HI, MIDI_LO, N_FFT, activations, magnitude, midi_hz, refit
from eventcodec.spectral import peak_offset

Row = TypeVar("Row", tuple[int, int, float], tuple[int, int, int, float])

RISE_FRAMES = 4
MIN_RISE_DB = 6.0  # an onset doubles the activation (at least) over RISE_FRAMES
ACTIVE_DB = -38.0  # re the loudest activation of the analysed audio
FRAME_REL_DB = -26.0  # re the loudest pitch of the same frame
RELEASE_DB = 30.0  # a note ends this far below its own peak
MIN_NOTE_FRAMES = 12  # ~0.14 s: shorter activations are attack transients, not notes
GHOST_HARMONICS = (2, 3, 4)
GHOST_FRAMES = 6
STILL_RISING_FRAMES = 24  # ~0.28 s
GHOST_DB = -12.0  # a note on a louder note's harmonic must reach this re that note to be kept
SUSTAIN_FRAMES = 8  # a note's level: its mean activation over the frames after the rise
REATTACK_DB = 12.0  # a pitch within this of its new level before the rise is a re-attack (needs a broadband onset)
NEIGHBOUR_DB = -15.0  # an onset 1-2 semitones from a louder one must reach this re it
REFIT_NEIGHBOUR_DB = -10.0  # the same after the confined re-fit (leakage then has little left)
PRUNE_ROUNDS = 2
MIN_SHARE = 0.08  # a note must explain this share of the magnitude of its first frames
CHORD_SHARE = 0.5  # ... or this part of it, when it is within CHORD_DB of the loudest note struck with it
CHORD_DB = -8.0
PEAK_DB = 6.0  # a harmonic stands out when its bin is this far above the median of the 17 around it
MIN_PEAKS = 2  # a note needs this many of its first 4 harmonics to stand out
START_DB = -30.0  # a note starts where its activation first reaches this re its level
ONSET_OFFSET_SAMPLES = 2900  # start frame t (window [256 t, 256 t + 4096)) -> onset sample 256 t + this


@dataclass(frozen=True)
class TrackedNote:
    """A note found in audio.

    Attributes:
        onset_s: start, seconds from the audio's first sample.
        offset_s: end (activation fell RELEASE_DB below its peak, or the pitch was struck again).
        f0_hz: refined fundamental.
        midi: nearest MIDI pitch.
        level: peak activation (linear magnitude units of the pooled spectrogram).
    """

    onset_s: float
    offset_s: float
    f0_hz: float
    midi: int
    level: float


def _smooth(x: np.ndarray, n: int = 3) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    out: np.ndarray = uniform_filter1d(x, n, axis=-1, mode="nearest")
    return out


def broadband_onsets(mag: np.ndarray) -> np.ndarray:
    """(frames,) bool: frames within 3 of a peak of log spectral flux (any-pitch onsets)."""
    from scipy.ndimage import maximum_filter1d, median_filter

    logm = np.log10(mag[: mag.shape[0] // 3] + 1e-4 * max(float(mag.max()), 1e-9))
    flux = np.concatenate([[0.0], np.maximum(np.diff(logm, axis=1), 0.0).mean(axis=0)])
    if len(flux) < 8 or flux.max() <= 0:
        return np.zeros(len(flux), bool)
    peak = (maximum_filter1d(flux, 7) == flux) & (flux > median_filter(flux, 41, mode="nearest") + 0.5 * flux.std())
    near: np.ndarray = maximum_filter1d(peak.astype(np.uint8), 2 * 3 + 1 + RISE_FRAMES) > 0
    return near


def segment(H: np.ndarray, onset_ok: np.ndarray) -> list[tuple[int, int, int, float]]:
    """(pitch row, onset frame, end frame, level) of each note in activations H (n_pitches, frames).

    `onset_ok` (frames,) marks broadband onsets: a pitch that was already sounding may only start a new
    note at one of them (vibrato and bowing also make the activation rise).
    """
    A = _smooth(H)
    n_f = A.shape[1]
    frame_max = A.max(axis=0)
    ref = float(np.percentile(frame_max, 99))
    if ref <= 0:
        return []
    floor = ref * 10 ** (ACTIVE_DB / 20)
    G = np.log10(A + 1e-3 * floor) * 20
    rise = np.full_like(G, -np.inf)
    rise[:, RISE_FRAMES:] = G[:, RISE_FRAMES:] - G[:, :-RISE_FRAMES]
    csum = np.concatenate([np.zeros((A.shape[0], 1)), np.cumsum(A, axis=1)], axis=1)
    fsum = np.concatenate([[0.0], np.cumsum(frame_max)])

    def mean(p: int, a: int, b: int) -> float:
        a, b = max(a, 0), min(b, n_f)
        return float(csum[p, b] - csum[p, a]) / max(b - a, 1)

    cands = []
    for p in range(A.shape[0]):
        r = rise[p]
        is_peak = (r >= MIN_RISE_DB) & (r >= np.roll(r, 1)) & (r > np.roll(r, -1))
        ts = [int(t) for t in np.nonzero(is_peak)[0]]
        if A[p, 0] >= floor:
            ts.insert(0, 0)  # a note sounding from the very start has no rise to see
        for t in ts:
            level = mean(p, t + 1, t + 1 + SUSTAIN_FRAMES)
            ctx = float(fsum[min(t + 1 + SUSTAIN_FRAMES, n_f)] - fsum[min(t + 1, n_f)]) / SUSTAIN_FRAMES
            if level < floor or level < ctx * 10 ** (FRAME_REL_DB / 20):
                continue
            before = A[p, max(t - RISE_FRAMES - 2, 0)]
            if t > 0 and before >= level * 10 ** (-REATTACK_DB / 20) and not onset_ok[t]:
                continue
            cands.append((p, t, level))
    cands = drop_neighbours(cands, NEIGHBOUR_DB, 2)
    notes = []
    by_pitch: dict[int, list[tuple[int, float]]] = {}
    for p, t, level in sorted(cands, key=lambda c: (c[0], c[1])):
        lst = by_pitch.setdefault(p, [])
        if lst and t - lst[-1][0] < MIN_NOTE_FRAMES:
            continue
        if lst and t - lst[-1][0] < STILL_RISING_FRAMES and A[p, lst[-1][0] : t].min() >= 0.9 * A[p, lst[-1][0]]:
            continue  # the activation never fell since the last onset: a slow attack, not a new note
        lst.append((t, level))
    for p, lst in by_pitch.items():
        for i, (t, level) in enumerate(lst):
            stop = lst[i + 1][0] if i + 1 < len(lst) else n_f
            seg = A[p, t:stop]
            peak_i = int(np.argmax(seg[: 16]))
            thr = max(float(seg[peak_i]) * 10 ** (-RELEASE_DB / 20), floor)
            below = np.nonzero(seg[peak_i:] < thr)[0]
            end = t + peak_i + (int(below[0]) if len(below) else len(seg) - peak_i)
            if end - t >= MIN_NOTE_FRAMES:
                notes.append((p, start_frame(A[p], t, level), end, level))
    return drop_ghosts(notes)


def start_frame(a: np.ndarray, t: int, level: float) -> int:
    """First frame before the rise peak `t` from which activation `a` stays above START_DB re `level`."""
    thr = level * 10 ** (START_DB / 20)
    s = t
    while s > 0 and t - s < 40 and a[s - 1] >= thr and a[s - 1] <= a[s] * 1.05:
        s -= 1
    return s


def drop_neighbours(items: list[Row], rel_db: float, frames: int) -> list[Row]:
    """Drop entries 1-2 semitones from an entry `rel_db` louder within `frames` frames (leakage of its comb).

    Entries are tuples (pitch row, frame, ..., level).
    """
    return [n for n in items
            if not any(0 < abs(m[0] - n[0]) <= 2 and abs(m[1] - n[1]) <= frames and n[-1] < m[-1] * 10 ** (rel_db / 20)
                       for m in items)]


def drop_ghosts(notes: list[tuple[int, int, int, float]]) -> list[tuple[int, int, int, float]]:
    """Drop notes on the 2nd-4th harmonic of a louder note that starts within 2 frames of them."""
    semis = {h: round(12 * np.log2(h)) for h in GHOST_HARMONICS}
    keep = []
    for n in notes:
        p, t, _, peak = n
        ghost = any(q + semis[h] == p and abs(u - t) <= GHOST_FRAMES and peak < qpk * 10 ** (GHOST_DB / 20)
                    for (q, u, _, qpk) in notes for h in GHOST_HARMONICS)
        if not ghost:
            keep.append(n)
    return keep


def prune(notes: list[tuple[int, int, int, float]], V: np.ndarray, sample_rate: int
          ) -> list[tuple[int, int, int, float]]:
    """Re-fit activations with every pitch confined to its notes; drop notes that explain under MIN_SHARE of
    the magnitude in their first SUSTAIN_FRAMES frames."""
    if not notes:
        return notes
    n_p = MIDI_HI - MIDI_LO + 1
    mask = np.zeros((n_p, V.shape[1]), bool)
    for p, t, end, _ in notes:
        mask[p, max(t - 2, 0) : end] = True
    H = refit(V, mask, sample_rate)  # unit-sum templates: a pitch's activation is the magnitude it explains
    total = V.sum(axis=0)
    rows = []
    for p, t, end, _ in notes:
        a, b = t, min(t + SUSTAIN_FRAMES + 4, end)
        rows.append((float(H[p, a:b].sum()) / max(float(total[a:b].sum()), 1e-12), float(H[p, a:b].mean())))
    keep = []
    for (p, t, end, _), (share, level) in zip(notes, rows, strict=True):
        # a chord member may hold a small share of a dense frame yet be as loud as the notes struck with it
        chord = max(lv for (_, u, _, _), (_, lv) in zip(notes, rows, strict=True) if abs(u - t) <= 3)
        if share >= MIN_SHARE or (share >= MIN_SHARE * CHORD_SHARE and level >= chord * 10 ** (CHORD_DB / 20)):
            keep.append((p, t, end, level))
    return drop_neighbours(keep, REFIT_NEIGHBOUR_DB, 4)


def refine_f0(mag: np.ndarray, midi: int, t0: int, t1: int, sample_rate: int, max_cents: float = 50.0
              ) -> tuple[float, int]:
    """(f0, peaks): f0 of a note from the parabolic sub-bin peaks of its first 8 harmonics over frames
    [t0, t1), and how many of its first 4 harmonics stand out (PEAK_DB over their surroundings); a
    fundamental that stands out counts MIN_PEAKS (a pure tone is a note)."""
    spec = mag[:, t0 : max(t1, t0 + 1)].mean(axis=1)
    f_nom = float(midi_hz(midi))
    bin_hz = sample_rate / N_FFT
    log_s = np.log(spec + 1e-12)
    num = den = 0.0
    peaks = 0
    for k in range(1, 9):
        c = round(k * f_nom / bin_hz)
        half = 1 + int(k * f_nom * (2 ** (max_cents / 1200) - 1) / bin_hz)  # +-max_cents, in bins
        if c < half + 1 or c > len(spec) - half - 2:
            break
        i = c - half + int(np.argmax(spec[c - half : c + half + 1]))
        off = peak_offset(log_s, i)
        if off is None:
            continue
        f_k = (i + off) * bin_hz
        if abs(1200 * np.log2(f_k / (k * f_nom))) > max_cents:
            continue
        around = np.median(log_s[max(i - 8, 0) : i + 9])
        stands_out = k <= 4 and (log_s[i] - around) * 20 / np.log(10) >= PEAK_DB
        # a pure tone has one partial: its own fundamental standing out counts as a comb
        peaks += int(stands_out) * (MIN_PEAKS if k == 1 else 1)
        w = float(spec[i])
        num += w * k * f_k
        den += w * k * k
    return (num / den if den > 0 else f_nom), peaks


def track_notes(audio: np.ndarray, sample_rate: int) -> list[TrackedNote]:
    """Notes of mono `audio`, sorted by onset."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    if len(audio) < HOP or not np.any(audio):
        return []
    mag = magnitude(np.pad(audio, (0, max(0, N_FFT - len(audio)))))  # short input: one whole frame at least
    H, V = activations(mag, sample_rate)
    notes = segment(H, broadband_onsets(mag))
    for _ in range(PRUNE_ROUNDS):
        notes = prune(notes, V, sample_rate)
    out = []
    for p, t, end, peak in notes:
        midi = MIDI_LO + p
        f0, peaks = refine_f0(mag, midi, t + 2, min(end, t + 12), sample_rate)
        if peaks < MIN_PEAKS:
            continue  # no harmonic comb of its own: a ghost of another note's partials
        onset = HOP * t + ONSET_OFFSET_SAMPLES if t > 0 else 0
        offset = HOP * end + N_FFT // 2
        out.append(TrackedNote(onset / sample_rate, offset / sample_rate, f0, midi, peak))
    return sorted(out, key=lambda n: (n.onset_s, n.f0_hz))


__all__ = ["TrackedNote", "segment", "track_notes"]
