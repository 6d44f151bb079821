"""Turn residual analysis into a batch of candidate control vectors for one onset.

Candidates differ in pitch (estimate, octave above/below, runner-up pitches), family (plucked/struck:
short excitation + ringing resonance; sustained: held excitation; noise: dry excitation only) and
decay. Controls not listed here stay at their defaults, which the .evc format compresses well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventcodec.controls import INDEX, default_unit_vector, to_physical, to_unit
from eventcodec.encode.abs.proposals import (
    F0_MAX_HZ,
    F0_MIN_HZ,
    estimate_envelope,
    estimate_pitch,
    harmonic_bins,
    noise_band,
    partial_shape,
)

REFERENCE_AMP_DB = -20.0  # level candidates are modelled at; the fit rescales
SUSTAINED_HOLD_S = 0.25  # a sound held longer than this is proposed as a sustained note first
SPECTRUM_FRAMES = 6  # frames after the onset averaged for pitch and shape
TONAL_SALIENCE = 1.5  # harmonic salience (re mean level) above which a sound is treated as pitched
ONSET_LEAD = 4  # event frame - spectrogram onset frame (the window centre reaches the attack)


@dataclass(frozen=True)
class Proposal:
    """A batch of candidates for one onset.

    Attributes:
        vectors: (n, 32) normalised controls.
        onset_frames: (n,) window frame (sample 256 f) of each candidate's onset.
        pitched: the onset's spectrum looked harmonic.
    """

    vectors: np.ndarray
    onset_frames: np.ndarray
    pitched: bool


def _vector(**physical: float) -> np.ndarray:
    phys = to_physical(default_unit_vector())
    for name, value in physical.items():
        phys[INDEX[name]] = value
    v: np.ndarray = to_unit(phys)
    return v


def tonal(f0_hz: float, brightness_hz: float, slope: float, n_partials: int, decay_s: float, hold_s: float,
          sustained: bool, tonal_mix: float = 1.0) -> np.ndarray:
    """A pitched event: plucked/struck (short burst, ringing partials) or sustained (held excitation)."""
    f0 = float(np.clip(f0_hz, F0_MIN_HZ, F0_MAX_HZ))
    n = int(np.clip(n_partials, 1, 64))
    common = dict(amp_db=REFERENCE_AMP_DB, f0_hz=f0, n_partials=float(n), brightness_hz=brightness_hz,
                  spectral_slope_db_oct=slope, tonal_mix=tonal_mix)
    if sustained:
        return _vector(**common, attack_s=0.02, sustain_db=0.0, env_decay_s=0.05, hold_s=max(hold_s, 0.05),
                       release_s=0.08, decay_s=float(np.clip(decay_s, 0.1, 1.0)), decay_tilt=0.3)
    return _vector(**common, attack_s=0.002, env_decay_s=0.01, sustain_db=-60.0, hold_s=0.02, release_s=0.02,
                   decay_s=float(np.clip(decay_s, 0.03, 12.0)), decay_tilt=0.5)


def noise(highpass_hz: float, lowpass_hz: float, decay_s: float, hold_s: float, sustained: bool) -> np.ndarray:
    """An unpitched event: the dry excitation alone, band-limited, struck or held."""
    common = dict(amp_db=REFERENCE_AMP_DB, tonal_mix=0.0, noise_highpass_hz=highpass_hz, noise_lowpass_hz=lowpass_hz)
    if sustained:
        return _vector(**common, attack_s=0.01, sustain_db=0.0, hold_s=max(hold_s, 0.05), release_s=0.05)
    return _vector(**common, attack_s=0.001, sustain_db=-60.0, env_decay_s=float(np.clip(decay_s / 6.9, 0.003, 2.0)),
                   hold_s=0.01, release_s=0.01)


def propose(residual: np.ndarray, onset_frame: int, n_candidates: int, peak_bin: int | None = None,
            file_start: bool = False) -> Proposal:
    """Candidates for a sound whose spectrogram rises at `onset_frame` of the (1025, frames) power residual.

    The event time is placed ONSET_LEAD frames after the spectrogram onset (where the analysis window's
    centre reaches the attack), with neighbours one frame either side. At the start of the file
    (`file_start`), a sound already in frame 0 may have begun up to ONSET_LEAD frames earlier than any onset
    can be seen: event frames 0 .. ONSET_LEAD - 1 and a struck noise at 0 are candidates too.
    """
    n_frames = residual.shape[1]
    t0 = onset_frame
    spec = residual[:, t0 + 2 : t0 + 2 + SPECTRUM_FRAMES].mean(axis=1) if t0 + 2 < n_frames else residual[:, t0]
    pitch = estimate_pitch(spec, peak_bin=peak_bin)
    if peak_bin is not None and pitch.salience < TONAL_SALIENCE:
        free = estimate_pitch(spec)
        pitch = free if free.salience > pitch.salience else pitch
    pitched = pitch.salience >= TONAL_SALIENCE
    track = residual[max(peak_bin - 1, 0) : peak_bin + 2] if peak_bin is not None else residual[harmonic_bins(
        pitch.f0_hz)]
    env = estimate_envelope(track.sum(axis=0), t0)
    env_all = estimate_envelope(residual.sum(axis=0), t0)
    bright, slope, n_part = partial_shape(spec, pitch.f0_hz)
    sustained = env.hold_s > SUSTAINED_HOLD_S
    hi_pass, lo_pass = noise_band(spec)
    f0 = pitch.f0_hz

    def ton(f: float, **kw: float) -> np.ndarray:
        b, s, n = partial_shape(spec, f) if f != f0 else (bright, slope, n_part)
        args = dict(decay_s=env.decay_s, hold_s=env.hold_s, sustained=sustained)
        args.update(kw)
        return tonal(f, b, s, n, **args)  # type: ignore[arg-type]

    lead = ONSET_LEAD
    # music is rarely a held noise: noise candidates are struck (drums, consonant-like attacks)
    struck = noise(hi_pass, lo_pass, min(env_all.decay_s, 0.6), 0.01, False)
    at_start = file_start and t0 == 0
    cands: list[tuple[np.ndarray, int]] = [(ton(f0), t0 + lead), (ton(f0), 0 if at_start else t0 + lead - 1),
                                          (ton(f0, sustained=not sustained), t0 + lead)]
    if at_start:
        cands += [(ton(f0), f) for f in range(1, lead)]
        cands.append((struck, 0))
    cands.append((struck, t0 + lead))
    if f0 * 2 <= F0_MAX_HZ:
        cands.append((ton(f0 * 2), t0 + lead))
    if f0 / 2 >= F0_MIN_HZ:
        cands.append((ton(f0 / 2), t0 + lead))
    cands += [(ton(a), t0 + lead) for a in pitch.alternatives_hz]
    cands += [
        (ton(f0), t0 + lead + 1),
        (ton(f0, tonal_mix=0.5), t0 + lead),
        (ton(f0, decay_s=env.decay_s * 0.4, hold_s=env.hold_s * 0.5), t0 + lead),
        (ton(f0, decay_s=env.decay_s * 2.5, hold_s=env.hold_s * 2.0), t0 + lead),
    ]
    cands = cands[: max(1, n_candidates)]
    frames = np.clip(np.array([f for _, f in cands], dtype=np.int64), 0, None)
    return Proposal(np.stack([v for v, _ in cands]), frames, bool(pitched))

