"""Anchor signals that are computed, not encoded: what a metric gives them shows what it cannot tell apart."""

from __future__ import annotations

import numpy as np


def noise_vocoder(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """The clip's own 32-band envelope (2048-sample frames) rendered as shaped noise: same length, float32.

    The anchor exists because ST-corr and ViSQOL reward a right envelope: this signal has no pitch at all
    yet scores on them like a low-rate codec, while FS-corr (harmonic fine structure) puts it near 0.
    It is the texture package with no events: the whole clip is the residual.

    Args:
        x: (n_samples,) the clip.
        sample_rate: Hz (sets the band edges).
    """
    from eventcodec.texture.analyse import CONTEXT, residual_codes
    from eventcodec.texture.grid import FRAME_SAMPLES, Texture, n_frames_for
    from eventcodec.texture.render import render

    a = np.asarray(x, dtype=np.float64)
    covered = np.pad(a, (0, n_frames_for(len(a)) * FRAME_SAMPLES - len(a)))  # whole frames: every sample has codes
    padded = np.pad(covered, CONTEXT)
    codes = residual_codes(padded, np.zeros(len(padded)), sample_rate)
    return render(Texture(codes), sample_rate, 0, len(a))
