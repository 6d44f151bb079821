"""Unpitched hits (hi-hats, cymbals, snares): sharp rises of the energy above HIT_LOW_HZ.

A hit is a peak of the positive log-energy flux of the band [HIT_LOW_HZ, Nyquist) (n_fft 1024, hop 256)
that rises at least HIT_RISE_DB within two frames, above the band's running median, and is not the attack
of a tracked note (within NOTE_GUARD frames of a note onset: a hammer or a pick also makes the band rise).
Its band edges are read off what the frames after it add to the frames before it (so a note
sounding under the hit does not widen it). Kicks and toms are left to the pursuit
(their band is the bass notes' too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIT_LOW_HZ = 4000.0
HIT_RISE_DB = 12.0
MIN_GAP_FRAMES = 4  # 46 ms
NOTE_GUARD_S = 0.035
N_FFT = 1024
HOP = 256
ONSET_OFFSET_SAMPLES = 380  # flux-peak frame t (window [256 t, 256 t + 1024)) -> onset sample 256 t + this


@dataclass(frozen=True)
class Hit:
    """An unpitched hit: onset (s), the noise band that carries it (Hz), and its level (band energy, dB)."""

    onset_s: float
    highpass_hz: float
    lowpass_hz: float
    level_db: float


def track_hits(audio: np.ndarray, sample_rate: int, note_onsets_s: np.ndarray | None = None) -> list[Hit]:
    """Hits of mono `audio`, sorted by onset; none within NOTE_GUARD_S of `note_onsets_s`."""
    from scipy.ndimage import median_filter

    x = np.asarray(audio, np.float64).reshape(-1)
    n = (len(x) - N_FFT) // HOP + 1
    if n < 8 or not np.any(x):
        return []
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP][:n] * np.hanning(N_FFT)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    f_hz = np.fft.rfftfreq(N_FFT, 1.0 / sample_rate)
    band = power[:, f_hz >= HIT_LOW_HZ].sum(axis=1)
    floor = max(float(band.max()), 1e-20) * 1e-6
    db = 10 * np.log10(band + floor)
    rise = np.zeros(n)
    rise[2:] = db[2:] - np.minimum(db[1:-1], db[:-2])
    base = median_filter(db, 31, mode="nearest")
    loud = db >= float(np.percentile(db, 99)) - 40.0
    peaks = (rise >= HIT_RISE_DB) & (rise >= np.roll(rise, 1)) & (rise > np.roll(rise, -1)) & (db > base + 3) & loud
    guard = np.asarray(note_onsets_s if note_onsets_s is not None else [], np.float64)
    hits: list[Hit] = []
    last = -MIN_GAP_FRAMES
    for t in (int(i) for i in np.nonzero(peaks)[0]):
        if t - last < MIN_GAP_FRAMES:
            continue
        onset_s = (HOP * t + ONSET_OFFSET_SAMPLES) / sample_rate
        if len(guard) and np.abs(guard - onset_s).min() <= NOTE_GUARD_S:
            continue
        spec = np.maximum(power[t : t + 3].mean(axis=0) - power[max(t - 3, 0) : max(t - 1, 1)].mean(axis=0), 0.0)
        c = np.cumsum(spec) / max(float(spec.sum()), 1e-30)
        lo = float(np.clip(f_hz[np.searchsorted(c, 0.05)], 20.0, 8000.0))
        top = min(int(np.searchsorted(c, 0.95)), len(f_hz) - 1)
        hi = float(np.clip(f_hz[top], lo * 1.5, sample_rate / 2))
        hits.append(Hit(onset_s, lo, hi, float(db[t])))
        last = t
    return hits
