"""Search settings of the analysis-by-synthesis encoder: quality presets and the user's budget knobs."""

from __future__ import annotations

from dataclasses import dataclass, replace

from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError

# Bits one event costs in a .evc file after zstd, used to turn a bitrate into an event rate before the
# first chunk has been measured (the stream then corrects it from the measured chunks).
BITS_PER_EVENT_GUESS = 110.0
# Bits per second of the noise texture before any of it has been measured (levels 0.6-0.8 kbps on real music,
# its fine-structure mask 0.3-0.5).
TEXTURE_BPS_GUESS = 1100.0


@dataclass(frozen=True)
class AbsSettings:
    """Everything that steers one encode; derived from `EncodeOptions` by `settings_for`.

    Attributes:
        max_events_per_s: hard ceiling on committed events per second of audio.
        bitrate_kbps: target bitrate after entropy coding (None: none).
        n_candidates: upper bound on the batch of proposals scored per pursuit step.
        refine_steps: Adam steps on the winner's controls (0: none).
        refine_lr: Adam learning rate on normalised controls.
        joint_rounds: rounds of joint amplitude re-fit + pruning per window (0: none).
        score_max_s: longest stretch of an event rendered to score it, in seconds.
        stop_rel_db: stop a window when its residual is this far below its target, in dB.
        stop_abs_db: stop when the residual's mean power per frame is below this, dB re full scale.
        min_gain_db: stop when the best candidate would remove less than this share of the residual, dB.
        whiten: exponent of the spectral weighting the search scores in (`pursuit.spectral_weights`):
            0 = plain power, 0.5 = halfway to a flat long-term spectrum, so quiet bands get events too.
        bitrate_max_events_per_s: the most a bitrate target may raise the event rate to (the search's cost
            grows with it: `fast` keeps its own ceiling so that it stays faster than real time).
        overshoot_weight: how much more the joint re-fit counts power the events add beyond what they must
            explain than power they leave out (1: the same); a textured encode sets TEXTURED_OVERSHOOT_WEIGHT.
        notes: run the note stage first (one event per tracked note, `note_stage.py`); the pursuit then
            explains what the notes leave.
        notes_own_partials: the pursuit adds no pitched event on a harmonic or sub-harmonic of a sounding note
            (the texture fills what the note's model misses there); set for textured encodes.
    """

    max_events_per_s: float = 16.0
    bitrate_kbps: float | None = None
    n_candidates: int = 12
    refine_steps: int = 8
    refine_lr: float = 0.02
    joint_rounds: int = 2
    score_max_s: float = 2.0
    stop_rel_db: float = -24.0
    stop_abs_db: float = -72.0
    min_gain_db: float = -40.0
    whiten: float = 0.5
    bitrate_max_events_per_s: float = 48.0
    overshoot_weight: float = 1.0
    notes: bool = True
    notes_own_partials: bool = False


# Measured on the development clips (docs/encoder_results.md): Adam refinement of the winner lowers the
# MR-STFT distance but also ST-corr (it stretches events over neighbouring notes), and 1 s scoring crops
# beat 2 s ones on ST-corr, so only `best` refines.
# Whitening (`whiten` 0.5) raised `default`'s ST-corr at 3 kbps on the 4 development clips (10 s each:
# corpus dev split + the example) from 0.361 to 0.406 on average, and did not help `fast` (0.396 -> 0.387 on
# two of them), so `fast` keeps scoring in plain power. A 3 kbps target raised `fast` to 22 events/s and
# 0.56x real time (CPU, wes_battle); it keeps its 12 events/s so that it stays >= 1x.
# With a texture, what the events leave out is filled with noise, but what they add beyond the input stays:
# weighting overshoot 16x in the joint re-fit raised ST-corr from 0.654 to 0.686 on the development clips
# (default, 3 kbps, 4 x 10 s; 4x: 0.680, 64x: 0.690 with fewer events kept), FS-corr 0.131 -> 0.130. Events
# only, it left them 4.6 dB quiet (1.3 dB before), so it is for textured encodes only.
TEXTURED_OVERSHOOT_WEIGHT = 16.0

PRESETS: dict[str, AbsSettings] = {
    "fast": AbsSettings(max_events_per_s=12.0, n_candidates=6, refine_steps=0, joint_rounds=1, score_max_s=1.0,
                        whiten=0.0, bitrate_max_events_per_s=12.0),
    "default": AbsSettings(n_candidates=12, refine_steps=0, joint_rounds=1, score_max_s=1.0),
    "best": AbsSettings(max_events_per_s=24.0, n_candidates=20, refine_steps=8, joint_rounds=2, score_max_s=2.0),
}


def settings_for(options: EncodeOptions) -> AbsSettings:
    """The preset of `options.quality`, with the user's event-rate and bitrate limits applied.

    Raises:
        EventCodecError: unknown preset or a non-positive rate.
    """
    if options.quality not in PRESETS:
        raise EventCodecError(f"unknown quality {options.quality!r}; choose one of {', '.join(PRESETS)}")
    s = PRESETS[options.quality]
    if options.events_per_second is not None:
        if not options.events_per_second > 0:
            raise EventCodecError(f"--events-per-second must be > 0, got {options.events_per_second}")
        s = replace(s, max_events_per_s=float(options.events_per_second))
    if options.bitrate_kbps is not None:
        if not options.bitrate_kbps > 0:
            raise EventCodecError(f"--bitrate-kbps must be > 0, got {options.bitrate_kbps}")
        guess = options.bitrate_kbps * 1000.0 / BITS_PER_EVENT_GUESS
        # a bitrate target may raise the preset's rate (within reason) or lower it
        ceiling = options.events_per_second or max(s.max_events_per_s, s.bitrate_max_events_per_s)
        s = replace(s, bitrate_kbps=float(options.bitrate_kbps), max_events_per_s=min(ceiling, guess * 1.5))
    if options.texture:
        s = replace(s, overshoot_weight=TEXTURED_OVERSHOOT_WEIGHT, notes_own_partials=True)
    if not options.notes:
        s = replace(s, notes=False)
    return s
