"""Which events have a confident pitch: the rule shared by `transpose` and the MIDI export.

An event in the controls space counts as *pitched* when all of these hold:

- ``tonal_mix >= 0.5``: the resonance, not the dry noise burst, dominates its output;
- ``inharmonicity <= 1e-3``: its partials sit close to a harmonic series (bells and bars are out);
- ``decay_s >= 0.05`` or ``hold_s >= 0.05``: it rings or is held long enough to hear a pitch;
- not a pitch glide: ``morph_amount < 0.5`` or ``morph_f0_ratio`` is within one semitone of 1
  (kick drums and toms sweep down).

Everything else (noise hits, clicks, glides, bells) is unpitched: transpose leaves it alone by
default and the MIDI export writes it on the drum channel.
"""

from __future__ import annotations

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

MIN_TONAL_MIX = 0.5
MAX_INHARMONICITY = 1e-3
MIN_RING_S = 0.05
MAX_GLIDE_SEMITONES = 1.0


def pitched_mask(events: EventSet) -> np.ndarray:
    """Bool (n_events,): events with a confident pitch (rule in the module docstring).

    Raises:
        EventCodecError: the set is in the latent space, where controls are not known.
    """
    if events.space != "controls":
        raise EventCodecError("pitch needs an event set in the controls space (this one is latent)")
    if len(events) == 0:
        return np.zeros(0, dtype=bool)
    p = controls.to_physical(events.vectors)

    def col(name: str) -> np.ndarray:
        return p[:, controls.index_of(name)]

    rings = (col("decay_s") >= MIN_RING_S) | (col("hold_s") >= MIN_RING_S)
    glide_st = np.abs(12.0 * np.log2(col("morph_f0_ratio")))
    glides = (col("morph_amount") >= 0.5) & (glide_st > MAX_GLIDE_SEMITONES)
    out: np.ndarray = (
        (col("tonal_mix") >= MIN_TONAL_MIX) & (col("inharmonicity") <= MAX_INHARMONICITY) & rings & ~glides
    )
    return out


def midi_note(f0_hz: np.ndarray) -> np.ndarray:
    """Nearest MIDI note numbers (int, clipped to 0..127) of frequencies (n,) in Hz (A4 = 440 Hz = 69)."""
    f = np.maximum(np.asarray(f0_hz, dtype=np.float64), 1e-3)
    return np.clip(np.round(69.0 + 12.0 * np.log2(f / 440.0)), 0, 127).astype(np.int64)
