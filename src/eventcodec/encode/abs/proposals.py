"""Where to place the next event and what it should sound like, read off the residual power spectrogram.

Pure numpy functions on a residual `(1025, n_frames)` power spectrogram (n_fft 2048, hop 256, 22050 Hz):
an onset-aware choice of the next onset, pitch by harmonic sum with a penalty for energy between
harmonics (which stops sub-harmonic locking), and envelope / spectral-shape estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventcodec.encode.abs.spectra import BIN_HZ, N_BINS
from eventcodec.spectral import peak_offset

FRAME_S = 256 / 22050.0
F0_MIN_HZ = 27.5
F0_MAX_HZ = 4186.0
HARMONIC_FMAX_HZ = 8000.0
F0_STEPS_PER_OCTAVE = 36
EXPLAIN_FRAMES = 24  # ~0.28 s of energy an onset is credited with when choosing where to look


@dataclass(frozen=True)
class PitchEstimate:
    """A harmonic-sum pitch estimate.

    Attributes:
        f0_hz: fundamental frequency.
        salience: harmonic minus between-harmonic level, re the spectrum's mean level (0 for noise).
        alternatives_hz: the next best fundamentals that are not octave-related to `f0_hz`.
    """

    f0_hz: float
    salience: float
    alternatives_hz: tuple[float, ...]


@dataclass(frozen=True)
class Envelope:
    """Level over time of one sound after its onset.

    Attributes:
        peak_frame: window frame of the level's maximum.
        hold_s: how long the level stays within 6 dB of the peak.
        decay_s: T60 after the hold, from a straight-line fit in dB.
    """

    peak_frame: int
    hold_s: float
    decay_s: float


def frame_energy(residual: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted energy per frame: (bins, frames) -> (frames,)."""
    return residual.sum(axis=0) * weights


def pick_onset(energy: np.ndarray, allowed: np.ndarray, explain_frames: int = EXPLAIN_FRAMES) -> int:
    """Spectrogram frame where the sound that explains the most residual energy starts, or -1.

    Each frame is credited with the energy of the `explain_frames` that follow it; from the best one we
    walk back to where the level first rose to a quarter of that frame's level (the onset).

    Args:
        energy: (frames,) weighted residual energy per frame.
        allowed: (frames,) bool, frames where an onset may be chosen (committed region, not exhausted).
    """
    if not allowed.any() or energy.max(initial=0.0) <= 0:
        return -1
    csum = np.concatenate([[0.0], np.cumsum(energy, dtype=np.float64)])
    idx = np.arange(len(energy))
    ahead = csum[np.minimum(idx + explain_frames, len(energy))] - csum[idx]
    ahead = np.where(allowed, ahead, -1.0)
    best = int(np.argmax(ahead))
    if ahead[best] <= 0:
        return -1
    peak = best + int(np.argmax(energy[best : best + 4]))
    level = energy[peak]
    t = peak
    while t > 0 and peak - t < 24 and energy[t - 1] >= 0.25 * level and energy[t - 1] <= energy[t] * 1.5:
        t -= 1
    if not allowed[t]:
        t = best
    return t


def target_onsets(target: np.ndarray, fmax_hz: float = HARMONIC_FMAX_HZ) -> np.ndarray:
    """Spectrogram onset frames of the window's audio by log spectral flux peak picking: (n,) int64, sorted.

    Flux(t) = sum over bins below `fmax_hz` of max(0, log P(t) - log P(t-1)), P floored at 60 dB below the
    window's peak bin; a frame is an onset when it is the largest within +-3 frames and above the local
    median + half the mean flux. Log flux peaks as soon as the attack enters the leading edge of the
    2048-sample window, about 6 frames before the window is centred on it; the frame returned is 2 after
    the peak, on the same convention as `pick_peak` (the event frame is ONSET_LEAD = 4 frames later).
    """
    hi = int(fmax_hz / BIN_HZ)
    p = target[:hi]
    floor = max(float(p.max()), 1e-20) * 1e-6
    logp = np.log10(p + floor)
    flux = np.maximum(np.diff(logp, axis=1), 0.0).sum(axis=0)
    flux = np.concatenate([[0.0], flux])
    if flux.max() <= 0:
        return np.zeros(0, np.int64)
    from scipy.ndimage import maximum_filter1d, median_filter

    local_max = maximum_filter1d(flux, 7) == flux
    thresh = median_filter(flux, 51, mode="nearest") + 0.5 * flux.mean()
    peaks = np.nonzero(local_max & (flux > thresh))[0]
    return (peaks + 2).astype(np.int64)


def snap_onset(onset: int, peak: int, onsets: np.ndarray, max_back: int = 80) -> int:
    """The latest audio onset in [peak - max_back, onset + 2] (a sound starts at a note onset), else `onset`."""
    if len(onsets) == 0:
        return onset
    ok = onsets[(onsets <= onset + 2) & (onsets >= peak - max_back)]
    return int(ok.max()) if len(ok) else onset


def pick_peak(residual: np.ndarray, weights: np.ndarray, allowed: np.ndarray, ahead_frames: int = 8,
              suppressed: np.ndarray | None = None, onsets: np.ndarray | None = None) -> tuple[int, int, int]:
    """(spectrogram onset frame, bin, picked frame) of the strongest partial-like track, or (-1, -1, -1).

    The time-frequency cell with the most magnitude over the next `ahead_frames` frames is chosen; the
    onset is where that bin's track (+-1 bin) last rose to 30% of its peak (at most 16 frames back), so
    notes of a polyphonic texture get their own onsets instead of sharing the loudest one.
    """
    if not allowed.any():
        return -1, -1, -1
    mag = np.sqrt(np.maximum(residual, 0.0)) * weights[None]
    csum = np.concatenate([np.zeros((mag.shape[0], 1)), np.cumsum(mag, axis=1)], axis=1)
    idx = np.arange(mag.shape[1])
    ahead = csum[:, np.minimum(idx + ahead_frames, mag.shape[1])] - csum[:, idx]
    ahead[:, ~allowed] = -1.0
    if suppressed is not None:
        ahead[suppressed] = -1.0
    ahead[:2] = -1.0  # DC and the lowest bin are not notes
    b_i, t_i = np.unravel_index(int(np.argmax(ahead)), ahead.shape)
    b, t = int(b_i), int(t_i)
    if ahead[b, t] <= 0:
        return -1, -1, -1
    track = residual[max(b - 1, 0) : b + 2].sum(axis=0)
    peak = t + int(np.argmax(track[t : t + ahead_frames]))
    level = track[peak]
    onset = peak
    while onset > 0 and peak - onset < 16 and track[onset - 1] >= 0.3 * level and allowed[onset - 1]:
        onset -= 1
    if onsets is not None:
        onset = snap_onset(onset, peak, onsets)
    return int(onset), int(b), int(t)


def _interp(spec: np.ndarray, f_hz: np.ndarray) -> np.ndarray:
    x = np.clip(f_hz / BIN_HZ, 0, N_BINS - 1.001)
    i = x.astype(np.int64)
    frac = x - i
    return spec[i] * (1 - frac) + spec[i + 1] * frac


def _peak(spec: np.ndarray, f_hz: np.ndarray) -> np.ndarray:
    x = np.clip(np.rint(f_hz / BIN_HZ).astype(np.int64), 1, N_BINS - 2)
    return np.maximum(np.maximum(spec[x - 1], spec[x]), spec[x + 1])


def harmonic_salience(spec: np.ndarray, f0_hz: np.ndarray) -> np.ndarray:
    """Weighted mean over harmonics of (peak at k f0 - level at (k - 1/2) f0); spec is (1025,) compressed.

    Returns (len(f0_hz),). A sub-harmonic f0/2 scores about half (its odd harmonics are empty); an
    octave error 2 f0 is penalised by the true odd harmonics sitting on its midpoints.
    """
    f0 = np.asarray(f0_hz, dtype=np.float64)[:, None]
    k = np.arange(1, 31, dtype=np.float64)[None]
    n_harm = np.clip(HARMONIC_FMAX_HZ // f0, 1, 30)
    w = np.where(k <= n_harm, 1.0 / np.sqrt(k), 0.0)
    on = _peak(spec, (k * f0).ravel()).reshape(w.shape)
    off = _interp(spec, ((k - 0.5) * f0).ravel()).reshape(w.shape)
    out: np.ndarray = (w * (on - off)).sum(axis=1) / w.sum(axis=1)
    return out


def estimate_pitch(power: np.ndarray, n_alternatives: int = 2, peak_bin: int | None = None) -> PitchEstimate:
    """Pitch of a (1025,) power spectrum by harmonic sum with between-harmonic penalty (on power^0.25).

    With `peak_bin`, only fundamentals that have a harmonic (k = 1..10) on that bin are considered, so
    the event explains the partial that was picked.
    """
    spec = np.power(np.maximum(power, 0.0), 0.25)
    mean_level = float(spec[: int(HARMONIC_FMAX_HZ / BIN_HZ)].mean()) + 1e-12
    if peak_bin is not None:
        lo, hi = max(peak_bin - 1, 0), min(peak_bin + 2, N_BINS)
        f_peak = (lo + float(np.argmax(power[lo:hi]))) * BIN_HZ
        grid = np.array([f_peak / k for k in range(1, 11) if F0_MIN_HZ <= f_peak / k <= F0_MAX_HZ])
        if len(grid) == 0:
            grid = np.array([float(np.clip(f_peak, F0_MIN_HZ, F0_MAX_HZ))])
    else:
        n = int(np.log2(F0_MAX_HZ / F0_MIN_HZ) * F0_STEPS_PER_OCTAVE) + 1
        grid = F0_MIN_HZ * 2.0 ** (np.arange(n) / F0_STEPS_PER_OCTAVE)
    sal = harmonic_salience(spec, grid)
    order = np.argsort(-sal)
    best = float(grid[order[0]])
    # refine on a finer grid around the winner
    fine = best * 2.0 ** (np.linspace(-1, 1, 9) / F0_STEPS_PER_OCTAVE)
    fine_sal = harmonic_salience(spec, fine)
    f0 = refine_f0(power, float(fine[int(np.argmax(fine_sal))]))
    alts: list[float] = []
    for i in order[1:]:
        f = float(grid[i])
        ratio = np.log2(f / f0)
        if abs(ratio - np.round(ratio)) > 0.1 and all(abs(np.log2(f / a)) > 0.1 for a in alts):
            alts.append(f)
        if len(alts) >= n_alternatives:
            break
    return PitchEstimate(f0, float(fine_sal.max()) / mean_level, tuple(alts))


def refine_f0(power: np.ndarray, f0_hz: float, n_harmonics: int = 10, max_cents: float = 50.0) -> float:
    """f0 from the sub-bin frequencies of its first harmonics: sum w k f_k / sum w k^2 (least squares f_k = k f0).

    The salience search is only as sharp as a bin (10.8 Hz: 20-40 cents at mid pitches); each harmonic's
    peak is placed between bins by a parabola through the log power of its three bins, weighted by its
    amplitude. Peaks more than `max_cents` from k f0 are ignored, and so is a move beyond `max_cents`.
    """
    log_p = np.log(np.maximum(power, 1e-30))
    tol = 2.0 ** (max_cents / 1200.0)
    num = den = 0.0
    for k in range(1, n_harmonics + 1):
        c = round(k * f0_hz / BIN_HZ)
        if k * f0_hz > HARMONIC_FMAX_HZ or c < 2 or c > N_BINS - 3:
            break
        i = c - 1 + int(np.argmax(power[c - 1 : c + 2]))
        offset = peak_offset(log_p, i)
        if offset is None or power[i] <= 0:
            continue  # no peak near this harmonic
        f_k = (i + offset) * BIN_HZ
        if not 1 / tol < f_k / (k * f0_hz) < tol:
            continue
        w = float(np.sqrt(power[i]))
        num += w * k * f_k
        den += w * k * k
    if den <= 0:
        return f0_hz
    return float(np.clip(num / den, f0_hz / tol, f0_hz * tol))


def harmonic_bins(f0_hz: float, fmax_hz: float = HARMONIC_FMAX_HZ) -> np.ndarray:
    """Bins within one bin of the harmonics of f0 below fmax: (n,) int64."""
    k = np.arange(1, max(1, int(fmax_hz // f0_hz)) + 1)
    centre = np.rint(k * f0_hz / BIN_HZ).astype(np.int64)
    bins = np.unique(np.concatenate([centre - 1, centre, centre + 1]))
    return bins[(bins >= 0) & (bins < N_BINS)]


def estimate_envelope(level: np.ndarray, start_frame: int, max_frames: int = 400) -> Envelope:
    """Hold and decay of a level track (frames,) (power, e.g. summed over a sound's bins) from its onset."""
    seg = level[start_frame : start_frame + max_frames].astype(np.float64)
    if len(seg) < 2 or seg.max() <= 0:
        return Envelope(start_frame, 0.01, 0.3)
    search = min(len(seg), 8)
    p = int(np.argmax(seg[:search]))
    if seg[p] <= 0:
        return Envelope(start_frame, 0.01, 0.3)
    db = 10 * np.log10(seg[p:] + seg[p] * 1e-9) - 10 * np.log10(seg[p])
    db = np.convolve(db, np.ones(3) / 3, mode="same") if len(db) >= 3 else db
    db = np.minimum.accumulate(db + 1.0) - 1.0  # a later sound must not extend this one
    held = int(np.argmax(db < -6.0)) if (db < -6.0).any() else len(db)
    hold_s = max(held * FRAME_S, 0.005)
    tail = db[held:]
    stop = int(np.argmax(tail < -40.0)) if (tail < -40.0).any() else len(tail)
    tail = tail[: max(stop, 2)]
    if len(tail) >= 3:
        t = np.arange(len(tail)) * FRAME_S
        slope = float(np.polyfit(t, tail, 1)[0])
        decay_s = 60.0 / max(-slope, 1.0)
    else:
        decay_s = max(3 * FRAME_S, 0.05)
    return Envelope(start_frame + p, hold_s, float(np.clip(decay_s, 0.02, 12.0)))


def partial_shape(power: np.ndarray, f0_hz: float) -> tuple[float, float, int]:
    """(brightness_hz, slope_db_per_octave, n_partials) of the harmonics of f0 in a (1025,) power spectrum."""
    k = np.arange(1, max(1, min(64, int(11000 // f0_hz))) + 1)
    amp_db = 10 * np.log10(_peak(power, k * f0_hz) + 1e-12)
    top = amp_db.max()
    strong = np.nonzero(amp_db >= top - 24.0)[0]
    k_hi = int(strong.max()) + 1 if len(strong) else 1
    n_partials = int(np.clip(k_hi, 1, 64))
    brightness_hz = float(np.clip(k_hi * f0_hz * 1.1, 100.0, 11025.0))
    slope = float(np.polyfit(np.log2(k[:k_hi]), amp_db[:k_hi], 1)[0]) if k_hi >= 3 else -12.0
    return brightness_hz, float(np.clip(slope, -18.0, 6.0)), n_partials


def noise_band(power: np.ndarray) -> tuple[float, float]:
    """(highpass_hz, lowpass_hz): the 5% and 95% points of the cumulative power of a (1025,) spectrum."""
    c = np.cumsum(power, dtype=np.float64)
    if c[-1] <= 0:
        return 20.0, 8000.0
    c /= c[-1]
    lo = float(np.searchsorted(c, 0.05)) * BIN_HZ
    hi = float(np.searchsorted(c, 0.95)) * BIN_HZ
    return float(np.clip(lo, 20.0, 8000.0)), float(np.clip(max(hi, lo * 1.5), 50.0, 11025.0))
