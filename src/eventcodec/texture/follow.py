"""The texture follows edits of the events it stood beside (issue "Events that are notes", item 5).

The texture holds what the events missed, so much of it belongs to them: the encoder under-fits a note's
level and the texture makes up the rest around it. In each texture frame and band, the share of the
texture power T that belongs to event power E is s = min(1, E / (CLAIM * T)): events within 25 dB below
the texture (CLAIM = 0.003) own all of it, fainter ones a proportional part. E is the band's strongest event
power within NEAR_FRAMES frames (the texture of a sound outlasts its event's modelled decay). When an edit
changes the events' power there from E to E', their share scales with them:

    T' = T * ((1 - s) + s * min(E' / E, MAX_RATIO))

so deleting the bass takes the texture's bass with it, a quieter event quietens its texture, and where no
event stood (s ~ 0) the texture stays. The ratio is capped (MAX_RATIO): an event moved onto silence does
not conjure texture there. Event power is measured on their real rendering, on the texture's own grid.
"""

from __future__ import annotations

import numpy as np

from eventcodec.texture.analyse import pool_frames, stft_power, whole_frames
from eventcodec.texture.grid import Texture, codes_to_levels, levels_to_codes
from eventcodec.types import EventSet

MAX_RATIO = 4.0  # an edit may raise the texture beside an event by at most 6 dB
CLAIM = 0.003  # events this far below the texture (-25 dB) own all of it
NEAR_FRAMES = 4  # +-0.37 s: the strongest event power in a band this close in time claims a texture cell


def event_band_power(events: EventSet) -> np.ndarray:
    """(n_frames, N_BANDS) mean power per bin of the events alone (no texture), per texture frame and band."""
    from eventcodec.codec import decode

    return pool_frames(stft_power(whole_frames(decode(events, texture=False))), events.sample_rate)[0]


def can_follow(before: EventSet, after: EventSet) -> bool:
    """A texture can follow an edit from `before` to `after`: both in the controls space, on the same time line."""
    return (before.space == "controls" and after.space == "controls"
            and before.n_samples == after.n_samples and before.sample_rate == after.sample_rate)


def follow(texture: Texture, before_power: np.ndarray, after_power: np.ndarray) -> Texture:
    """`texture` with each frame and band scaled as the events beside it changed (module docstring).

    Args:
        texture: the texture as the encoder measured it.
        before_power, after_power: (n_frames, N_BANDS) event power before and after the edit (`event_band_power`).
    """
    from scipy.ndimage import maximum_filter1d

    t = codes_to_levels(texture.codes)
    n = min(len(t), len(before_power), len(after_power))
    # a sound's texture reaches past its event's modelled decay: the events claim their band for NEAR_FRAMES
    e0 = maximum_filter1d(before_power[:n], 2 * NEAR_FRAMES + 1, axis=0) if n else before_power[:n]
    e1 = maximum_filter1d(after_power[:n], 2 * NEAR_FRAMES + 1, axis=0) if n else after_power[:n]
    share = np.minimum(1.0, e0 / np.maximum(CLAIM * t[:n], 1e-30))
    ratio = np.minimum(e1 / np.maximum(e0, 1e-30), MAX_RATIO)
    scaled = t.copy()
    scaled[:n] = t[:n] * ((1.0 - share) + share * ratio)
    codes = np.where(texture.codes == 0, 0, levels_to_codes(scaled)).astype(np.uint8)
    return Texture(codes, texture.mask)


def follow_edit(before: EventSet, after: EventSet) -> EventSet:
    """`after` (an edit of `before`, same length and rate) with its texture following the edited events.

    A set without texture, or in the latent space, is returned as it is.
    """
    if after.texture is None or not can_follow(before, after):
        return after
    return after.replace(texture=follow(after.texture, event_band_power(before), event_band_power(after)))
