"""Anchor signals that are computed, not encoded: what a metric gives them shows what it cannot tell apart."""

from __future__ import annotations

import numpy as np


def noise_vocoder(x: np.ndarray, sample_rate: int, masked: bool = False) -> np.ndarray:
    """The clip's own 32-band envelope (2048-sample frames) rendered as shaped noise: same length, float32.

    The anchor exists because ST-corr and ViSQOL reward a right envelope: this signal has no pitch at all
    yet scores on them like a low-rate codec, while FS-corr (harmonic fine structure) puts it near 0.
    It is the texture package with no events: the whole clip is the residual. `masked` adds the texture's
    fine-structure mask (the bins below 4 kHz above their band's mean): noise that follows the clip's
    partials, what the codec's texture alone would store (~1 kbps), with no events at all.

    Args:
        x: (n_samples,) the clip.
        sample_rate: Hz (sets the band edges).
        masked: also measure and apply the mask.
    """
    from eventcodec.texture.analyse import measure
    from eventcodec.texture.grid import Texture
    from eventcodec.texture.render import render

    a = np.asarray(x, dtype=np.float64)
    texture = measure(a, np.zeros_like(a), sample_rate)
    return render(texture if masked else Texture(texture.codes), sample_rate, 0, len(a))
