"""Matching pursuit over one analysis window, with the synthesizer (via its surrogate) as the dictionary.

Each step: pick an onset where the residual has the most energy to explain, propose candidates, score
them in a batch on a cropped spectrogram with a closed-form amplitude, refine the winner's controls by a
few Adam steps, subtract its expected power from the residual (clamped at 0), repeat. Between greedy
passes all events of the window are re-fitted jointly (`joint.refit_gains`) and useless ones dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from eventcodec.controls import INDEX, to_physical
from eventcodec.encode.abs.candidates import ONSET_LEAD, REFERENCE_AMP_DB, Proposal, propose
from eventcodec.encode.abs.joint import refit_gains
from eventcodec.encode.abs.ownership import harmonic_of, not_the_notes
from eventcodec.encode.abs.proposals import pick_peak, target_onsets
from eventcodec.encode.abs.refine import refine_winner
from eventcodec.encode.abs.settings import AbsSettings
from eventcodec.encode.abs.spectra import PAD_FRAMES
from eventcodec.encode.abs.stopping import StopRule
from eventcodec.encode.abs.surrogate import expected_power
from eventcodec.types import SAMPLE_RATE

AMP = INDEX["amp_db"]
MIN_AMP_DB = -90.0
MAX_AMP_DB = 0.0
TABU_FRAMES = 2
MAX_TRIES = 2
SCORE_EXPONENT = 1.0  # candidates are compared on power**SCORE_EXPONENT (1: power, 0.5: magnitude)


@dataclass
class Found:
    """An event found in the current window.

    Attributes:
        frame: onset in window frames (sample 256 * frame from the window start).
        vector: (32,) normalised controls, amp_db fitted.
        power: (1025, m) expected power from window frame `frame - PAD_FRAMES` on.
        note: the event is a tracked note (the note stage made it): the joint re-fit keeps it, and a pitched
            pursuit event on the same pitch while it sounds is merged into it instead of added.
    """

    frame: int
    vector: np.ndarray
    power: np.ndarray
    note: bool = False
    end: int = 0  # a note's tracked end, window frame


def event_frames(vector: np.ndarray, cap_frames: int) -> int:
    """Frames an event stays audible (to about -40 dB), plus the analysis padding, capped."""
    p = to_physical(vector)
    tonal = p[INDEX["tonal_mix"]] > 0.05
    env_s = p[INDEX["attack_s"]] + p[INDEX["hold_s"]] + 0.7 * p[INDEX["release_s"]]
    if p[INDEX["sustain_db"]] < -30:
        env_s = min(env_s, p[INDEX["attack_s"]] + 4 * p[INDEX["env_decay_s"]])
    ring_s = 0.7 * p[INDEX["decay_s"]] if tonal else 0.0
    n = int(np.ceil((env_s + ring_s) * SAMPLE_RATE / 256)) + PAD_FRAMES + 2
    return int(np.clip(n, PAD_FRAMES + 4, cap_frames))


def crop(x: np.ndarray, first: int, n: int) -> np.ndarray:
    """Columns [first, first + n) of (..., frames) `x`, zero where outside."""
    out = np.zeros((*x.shape[:-1], n), x.dtype)
    lo, hi = max(first, 0), min(first + n, x.shape[-1])
    if hi > lo:
        out[..., lo - first : hi - first] = x[..., lo:hi]
    return out


def add_at(dst: np.ndarray, src: np.ndarray, first: int, sign: float = 1.0) -> None:
    """dst[:, first:first+m] += sign * src, clipped to dst's frames (in place)."""
    lo, hi = max(first, 0), min(first + src.shape[-1], dst.shape[-1])
    if hi > lo:
        dst[:, lo:hi] += sign * src[:, lo - first : hi - first]


def score(residual: np.ndarray, weights: np.ndarray, models: np.ndarray, first: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Matching-pursuit gain and power scale of each candidate on its crop.

    With x = power**e (e = SCORE_EXPONENT): gain_b = <W x_R, x_b>^2 / <W x_b, x_b>, the weighted energy of
    x_R removed at the best scale c_b = <W x_R, x_b> / <W x_b, x_b>; the power scale is c_b**(1/e).

    Args:
        residual: (1025, frames) residual power.
        weights: (frames,) frame weights.
        models: (B, 1025, M) candidate expected powers.
        first: (B,) window frame of each model's column 0.
    """
    e = SCORE_EXPONENT
    B, _, M = models.shape
    xs = models if e == 1.0 else np.power(models, e)
    xr_all = residual if e == 1.0 else np.power(residual, e)
    gains, scales = np.zeros(B), np.zeros(B)
    for b in range(B):
        r = crop(xr_all, int(first[b]), M)
        w = crop(weights[None], int(first[b]), M)
        num = max(float(np.sum(w * r * xs[b])), 0.0)
        den = float(np.sum(w * xs[b] * xs[b])) + 1e-30
        scales[b] = (num / den) ** (1.0 / e)
        gains[b] = num**2 / den
    return gains, scales


def explained_power(residual: np.ndarray, weights: np.ndarray, model: np.ndarray, first: int) -> float:
    """Weighted residual power an event (1025, M) placed at window frame `first` would remove (clamped at 0)."""
    r = crop(residual, first, model.shape[-1])
    w = crop(weights[None], first, model.shape[-1])
    return float(np.sum(w * np.minimum(r, model)))


def with_gain(vector: np.ndarray, power_gain: float) -> tuple[np.ndarray, float]:
    """`vector` with amp_db raised by 10 log10(power_gain) (clipped to the control's range); the gain applied."""
    v = vector.copy()
    amp = to_physical(v)[AMP]
    new = float(np.clip(amp + 10 * np.log10(max(power_gain, 1e-12)), MIN_AMP_DB, MAX_AMP_DB))
    v[AMP] = (new - MIN_AMP_DB) / (MAX_AMP_DB - MIN_AMP_DB)
    return v, float(10 ** ((new - amp) / 10))


def spectral_weights(target: np.ndarray, weights: np.ndarray, gamma: float, floor_db: float = -50.0) -> np.ndarray:
    """Per-bin weights (1025,) that whiten the window's long-term spectrum: 1 / envelope**gamma.

    The envelope is the frame-weighted mean power per bin, pooled in log-frequency bands (so single
    partials are not flattened away); bands more than `floor_db` below the loudest are not boosted
    further. Normalised so the weighted target keeps the target's total energy.
    """
    from eventcodec.encode.abs.joint import band_matrix

    if gamma <= 0:
        return np.ones(target.shape[0], np.float32)
    pool = band_matrix(target.shape[0])
    energy = (target * weights[None]).sum(axis=1)  # frame-weighted power per bin
    band = (pool @ energy) / np.maximum(pool.sum(axis=1), 1.0)
    env = pool.T @ band
    env = np.maximum(env, env.max() * 10 ** (floor_db / 10) + 1e-20)
    w = env ** -gamma
    return (w * energy.sum() / max(float((w * energy).sum()), 1e-30)).astype(np.float32)


def pursue(target: np.ndarray, base: np.ndarray, weights: np.ndarray, commit_frames: int, max_events: int,
           settings: AbsSettings, stop: StopRule, file_start: bool = False,
           initial: list[Found] | None = None, sounding: list[Found] | None = None) -> list[Found]:
    """Find up to `max_events` events starting before `commit_frames` that explain `base`.

    Args:
        target: (1025, frames) power spectrogram of the window's audio.
        base: (1025, frames) what new events must explain (target minus carried tails, clamped at 0).
        weights: (frames,) frame weights (1, then the ramp).
        commit_frames: onsets must lie before this frame.
        max_events: event budget of this window.
        settings: search settings.
        stop: audibility / diminishing-returns rule.
        file_start: the window starts the file (nothing before it: a sound in its first frame may have begun
            up to 4 frames earlier than an onset can be seen).
        initial: events already found (the window's notes, powers unweighted): they count toward
            `max_events`, their power is taken out first, and the joint re-fit includes them.
        sounding: notes committed by earlier windows (frames re this window) that may still sound: with
            `settings.notes_own_partials`, their partials are theirs too.
    """
    wbin = spectral_weights(target, weights, settings.whiten)[:, None]
    init = [Found(ev.frame, ev.vector, ev.power * wbin, ev.note, ev.end) for ev in initial or []]
    found = _pursue(target * wbin, base * wbin, wbin, weights, commit_frames, max_events, settings, stop,
                    file_start, init, sounding or [])
    for ev in found:
        ev.power = ev.power / wbin
    return found


def _pursue(target: np.ndarray, base: np.ndarray, wbin: np.ndarray, weights: np.ndarray, commit_frames: int,
            max_events: int, settings: AbsSettings, stop: StopRule, file_start: bool,
            initial: list[Found], sounding: list[Found]) -> list[Found]:
    n_frames = base.shape[1]
    score_frames = int(settings.score_max_s * SAMPLE_RATE / 256) + PAD_FRAMES
    cap = n_frames + 512
    found: list[Found] = list(initial)
    residual = base.copy()
    for ev in found:
        add_at(residual, ev.power, ev.frame - PAD_FRAMES, -1.0)
    np.maximum(residual, 0.0, out=residual)
    tabu = np.zeros(n_frames, bool)
    suppressed = np.zeros(base.shape, bool)
    onsets = target_onsets(target)
    tries: dict[tuple[int, int], int] = {}
    for _round in range(max(1, settings.joint_rounds)):
        misses = 0
        steps = 0
        skipped = 0
        while len(found) < max_events and misses < 6 and steps - skipped < 2 * max_events + 8 and skipped < 4 * max(
                max_events, 8):
            steps += 1
            if stop.window_done(residual, weights):
                break
            allowed = ~tabu
            allowed[commit_frames:] = False
            onset, peak_bin, picked = pick_peak(residual, weights, allowed, suppressed=suppressed, onsets=onsets)
            if onset < 0:
                break
            cell = (slice(max(peak_bin - 2, 0), peak_bin + 3), slice(max(picked - 4, 0), picked + 12))
            key = (picked // 4, peak_bin // 3)
            tries[key] = tries.get(key, 0) + 1
            if tries[key] >= MAX_TRIES:  # the same spot keeps coming back: stop looking there
                suppressed[cell] = True
            prop = propose(residual, onset, settings.n_candidates, peak_bin, file_start)
            if settings.notes_own_partials:
                keep = not_the_notes(prop.vectors, sounding + found, picked, peak_bin, onset + ONSET_LEAD)
                if not keep.any():
                    suppressed[cell] = True
                    skipped += 1
                    continue
                prop = Proposal(prop.vectors[keep], prop.onset_frames[keep], prop.pitched)
            with torch.no_grad():
                models = expected_power(torch.from_numpy(prop.vectors), score_frames)[0].numpy() * wbin[None]
            first = prop.onset_frames - PAD_FRAMES
            gains, scales = score(residual, weights, models, first)
            gains = np.nan_to_num(gains, nan=0.0)
            b = int(np.argmax(gains))
            removed = explained_power(residual, weights, models[b] * scales[b], int(first[b]))
            if not np.isfinite(removed) or not stop.worth_it(removed, base, weights):
                tabu[max(0, onset - TABU_FRAMES) : onset + TABU_FRAMES + 1] = True
                suppressed[cell] = True
                misses += 1
                continue
            frame = int(prop.onset_frames[b])
            vector = prop.vectors[b]
            if settings.notes_own_partials:
                match = harmonic_of(sounding + found, frame, vector)
                if match is not None and match[0] > 1:
                    # a partial (or sub-harmonic) of a sounding note: the note owns it, and what its model
                    # misses there is the texture's to fill
                    suppressed[cell] = True
                    skipped += 1
                    continue
            if settings.refine_steps > 0:
                mag = np.sqrt(crop(residual, frame - PAD_FRAMES, score_frames) / wbin)  # the unweighted spectrum
                vector = refine_winner(vector, mag,
                                       crop(weights[None], frame - PAD_FRAMES, score_frames)[0],
                                       settings.refine_steps, settings.refine_lr)
            n_ev = event_frames(vector, cap)
            with torch.no_grad():
                full = expected_power(torch.from_numpy(vector[None]), n_ev)[0][0].numpy() * wbin
            _, scale = score(residual, weights, full[None], np.array([frame - PAD_FRAMES]))
            vector, applied = with_gain(vector, float(scale[0]))
            full = full * applied
            add_at(residual, full, frame - PAD_FRAMES, -1.0)
            np.maximum(residual, 0.0, out=residual)
            twin = find_twin(found, frame, vector)
            if twin is None:
                match = harmonic_of(found, frame, vector, harmonics=1)  # the same pitch as a sounding note
                twin = None if match is None else match[1]
            if twin is None:
                found.append(Found(frame, vector, full))
            else:
                found[twin] = merge(found[twin], full)
            misses = 0
        if settings.joint_rounds == 0 or not found:
            break
        found = refit_gains(found, base, target, weights, settings.overshoot_weight)
        residual = base.copy()
        for ev in found:
            add_at(residual, ev.power, ev.frame - PAD_FRAMES, -1.0)
        np.maximum(residual, 0.0, out=residual)
    return distinct_seeds(found)


def find_twin(found: list[Found], frame: int, vector: np.ndarray, tol: float = 0.03) -> int | None:
    """Index of an event at the same onset with (almost) the same controls except level, or None."""
    mask = np.ones(32, bool)
    mask[AMP] = False
    for i, ev in enumerate(found):
        if ev.frame == frame and float(np.abs(ev.vector - vector)[mask].max()) < tol:
            return i
    return None


def merge(ev: Found, extra_power: np.ndarray) -> Found:
    """`ev` made louder by the energy of `extra_power` (same shape): one event instead of two."""
    e_old, e_new = float(ev.power.sum()), float(extra_power.sum())
    vector, applied = with_gain(ev.vector, (e_old + e_new) / max(e_old, 1e-30))
    return Found(ev.frame, vector, ev.power * applied, ev.note, ev.end)


def distinct_seeds(found: list[Found]) -> list[Found]:
    """Give events that share an onset different noise seeds, so they add incoherently like the model says.

    (The synth derives an event's noise from its time and `seed` control; equal seeds would add in phase.)
    """
    seed = INDEX["seed"]
    count: dict[int, int] = {}
    for ev in found:
        k = count.get(ev.frame, 0)
        count[ev.frame] = k + 1
        if k:
            ev.vector = ev.vector.copy()
            ev.vector[seed] = float((0.5 + 0.381966 * k) % 1.0)
    return found


__all__ = ["REFERENCE_AMP_DB", "Found", "pursue"]
