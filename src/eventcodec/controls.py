"""The `controls` space: 32 named, bounded, unit-bearing synthesizer parameters.

Every event vector in the `controls` space is stored normalised to [0, 1]; this table maps
each coordinate to a physical value (`lin`: min + u * (max - min); `log`: min * (max/min)**u).
It is the single source of truth for names, units, bounds and defaults; the synthesizer,
encoders, editors, plots and `eventcodec explain` all read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Scale = Literal["lin", "log"]


@dataclass(frozen=True)
class Control:
    """One coordinate of the controls space."""

    name: str
    unit: str
    min: float
    max: float
    scale: Scale
    default: float
    doc: str

    def to_unit(self, value: float) -> float:
        """Physical value -> normalised [0, 1] (clipped)."""
        v = min(max(value, self.min), self.max)
        if self.scale == "log":
            return math.log(v / self.min) / math.log(self.max / self.min)
        return (v - self.min) / (self.max - self.min)

    def from_unit(self, u: float) -> float:
        """Normalised [0, 1] -> physical value."""
        if self.scale == "log":
            return float(self.min * (self.max / self.min) ** u)
        return float(self.min + u * (self.max - self.min))


# fmt: off
CONTROLS: tuple[Control, ...] = (
    # level and timing
    Control("amp_db", "dB", -90.0, 0.0, "lin", -30.0, "Peak level of the event's dry output (everything before the room, fine shift included) over its render, re full scale; the output is linear in 10^(amp_db/20)."),
    Control("shift_samples", "samples", -128.0, 128.0, "lin", 0.0, "Fine placement around the event time, applied as a frequency-domain phase ramp (sub-sample precise)."),
    # excitation: a noise burst (plus optional click) with an ADSR-like envelope
    Control("attack_s", "s", 0.0005, 0.5, "log", 0.002, "Rise time of the excitation: short for plucks and hits, long for bowed and blown notes."),
    Control("env_decay_s", "s", 0.002, 4.0, "log", 0.05, "Time constant of the fall from the attack peak toward the sustain level."),
    Control("sustain_db", "dB", -60.0, 0.0, "lin", -60.0, "Level held after the initial decay, re the attack peak: 0 dB for organ-like; the floor (-60) means none, for struck sounds."),
    Control("hold_s", "s", 0.005, 8.0, "log", 0.1, "Gate length from the onset: how long the excitation is sustained before release (the note length of bowed/blown sounds)."),
    Control("release_s", "s", 0.002, 2.0, "log", 0.05, "Fall time of the excitation after the gate closes: time to fall 60 dB."),
    Control("tremolo_hz", "Hz", 0.5, 20.0, "log", 5.0, "Rate of amplitude modulation of the excitation (bowing, tremolo, flutter)."),
    Control("tremolo_depth", "", 0.0, 1.0, "lin", 0.0, "Depth of that amplitude modulation; 0 is none."),
    Control("noise_lowpass_hz", "Hz", 50.0, 11025.0, "log", 8000.0, "Upper edge of the excitation noise colour (dark vs bright hits)."),
    Control("noise_highpass_hz", "Hz", 20.0, 8000.0, "log", 20.0, "Lower edge of the excitation noise colour (removes rumble; hi-hats sit high)."),
    Control("click_mix", "", 0.0, 1.0, "lin", 0.0, "Share of a deterministic impulse in the excitation (coloured like the noise; it carries the energy of ~5 ms of noise): hammers and picks click, bows and breath do not."),
    # resonance: a harmonic family of decaying sinusoids (block 1, resonance A)
    Control("f0_hz", "Hz", 27.5, 4186.0, "log", 220.0, "Fundamental frequency of the resonance family (A0 to C8)."),
    Control("n_partials", "", 1.0, 64.0, "lin", 16.0, "Number of partials (rounded): 1 is a pure resonance, many a rich tone."),
    Control("inharmonicity", "", 1e-6, 0.1, "log", 1e-6, "Stiffness coefficient B: partial k sits at k*f0*sqrt(1+B*k^2) (piano strings, bells, bars)."),
    Control("decay_s", "s", 0.01, 20.0, "log", 0.5, "T60 of the fundamental's resonance: ring time after the excitation stops."),
    Control("decay_tilt", "", 0.0, 2.0, "lin", 0.5, "Higher partials ring shorter: T60_k = decay_s / k**decay_tilt."),
    Control("brightness_hz", "Hz", 100.0, 11025.0, "log", 4000.0, "Cutoff above which partial amplitudes fall steeply."),
    Control("spectral_slope_db_oct", "dB/oct", -18.0, 6.0, "lin", -6.0, "Slope of partial amplitudes per octave of partial number below the cutoff."),
    Control("odd_even", "", -1.0, 1.0, "lin", 0.0, "Balance of odd and even partials: -1 odd only (clarinet-like), +1 even boosted."),
    Control("detune_cents", "cents", 0.0, 50.0, "lin", 0.0, "Spread of partials around their ideal frequency (unison strings, chorus, beating)."),
    # time-varying mix: resonance A cross-fades to resonance B (expressivity 2)
    Control("morph_f0_ratio", "", 0.25, 4.0, "log", 1.0, "Fundamental of resonance B re f0_hz (other partial settings shared with A): < 1 makes a falling pitch (kick drums, toms)."),
    Control("morph_brightness_hz", "Hz", 100.0, 11025.0, "log", 4000.0, "Brightness of resonance B: lower than A for tones that darken as they ring."),
    Control("morph_time_s", "s", 0.005, 8.0, "log", 0.2, "Time at which the mask is half-way from A to B (a logistic cross-fade of width ~morph_time_s / 2)."),
    Control("morph_amount", "", 0.0, 1.0, "lin", 0.0, "Final weight of resonance B in the mask; 0 keeps A throughout."),
    Control("tonal_mix", "", 0.0, 1.0, "lin", 0.8, "Block gain: 0 is the dry excitation alone (noise, hats), 1 the resonance alone (pure tone); resonances have unit energy."),
    # block 2: a body resonance excited by block 1's output
    Control("body_hz", "Hz", 60.0, 6000.0, "log", 500.0, "Frequency of the body (instrument box, drum shell, formant) resonance."),
    Control("body_decay_s", "s", 0.002, 1.0, "log", 0.02, "T60 of the body resonance."),
    Control("body_mix", "", 0.0, 1.0, "lin", 0.0, "Block gain of the body: 0 bypasses it."),
    # block 3: room
    Control("room_id", "index", 0.0, 7.0, "lin", 0.0, "Which room impulse response (rounded index into the room bank; `eventcodec explain` lists them)."),
    Control("room_wet", "", 0.0, 1.0, "lin", 0.0, "Block gain of the room: 0 dry, 1 fully reverberant (IRs have unit energy)."),
    Control("seed", "", 0.0, 1.0, "lin", 0.5, "Which noise realisation: change it to hear a variation of the same event."),
)
# fmt: on

N_CONTROLS = len(CONTROLS)
NAMES: tuple[str, ...] = tuple(c.name for c in CONTROLS)
INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CONTROLS)}
assert N_CONTROLS == 32, "the event vector has 32 numbers"


def index_of(name: str) -> int:
    """Column of a control by name; raises ControlError for an unknown name."""
    from eventcodec.errors import ControlError

    try:
        return INDEX[name]
    except KeyError:
        raise ControlError(f"unknown control {name!r}; known: {', '.join(NAMES)}") from None


def default_unit_vector() -> np.ndarray:
    """The defaults of all 32 controls, normalised: shape (32,), float32."""
    return np.array([c.to_unit(c.default) for c in CONTROLS], dtype=np.float32)


_LO = np.array([c.min for c in CONTROLS])
_HI = np.array([c.max for c in CONTROLS])
_IS_LOG = np.array([c.scale == "log" for c in CONTROLS])
# log-scaled columns work on log(value); lin columns pass through unchanged
_LO_T = np.where(_IS_LOG, np.log(np.where(_IS_LOG, _LO, 1.0)), _LO)
_HI_T = np.where(_IS_LOG, np.log(np.where(_IS_LOG, _HI, 1.0)), _HI)


def to_physical(unit: np.ndarray) -> np.ndarray:
    """Normalised (..., 32) -> physical values (..., 32), float64."""
    u = np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0)
    t = _LO_T + u * (_HI_T - _LO_T)
    return np.where(_IS_LOG, np.exp(np.where(_IS_LOG, t, 0.0)), t)


def to_unit(physical: np.ndarray) -> np.ndarray:
    """Physical values (..., 32) -> normalised (..., 32), clipped to [0, 1], float32."""
    p = np.clip(np.asarray(physical, dtype=np.float64), _LO, _HI)
    t = np.where(_IS_LOG, np.log(np.where(_IS_LOG, p, 1.0)), p)
    return np.clip((t - _LO_T) / (_HI_T - _LO_T), 0.0, 1.0).astype(np.float32)


def schema_json() -> list[dict[str, object]]:
    """The table as JSON-able rows (stored in .evc headers and printed by `explain`)."""
    return [
        {"name": c.name, "unit": c.unit, "min": c.min, "max": c.max, "scale": c.scale,
         "default": c.default, "doc": c.doc}
        for c in CONTROLS
    ]


def schema_hash() -> str:
    """Short stable hash of the table; an .evc in the controls space records it."""
    import hashlib
    import json

    rows = [[c.name, c.unit, c.min, c.max, c.scale] for c in CONTROLS]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]
