"""A tone that crosses a hop boundary (2^16 samples) decodes without a discontinuity there."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.encode.abs.stream import HOP_SAMPLES

SR = 22050


def frame_of(sample: int) -> int:
    return int(sample) // 256


def _flux(x: np.ndarray, n_fft: int = 1024, hop: int = 256) -> np.ndarray:
    """Positive spectral flux per frame boundary: (n_frames - 1,)."""
    n = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None] + hop * np.arange(n)[:, None]
    mag = np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft), axis=-1))
    return np.sqrt((np.maximum(np.diff(mag, axis=0), 0.0) ** 2).sum(axis=1))


@pytest.mark.slow
def test_tone_across_hop_boundary_has_no_seam() -> None:
    n = HOP_SAMPLES + SR * 2
    t = np.arange(n) / SR
    start, stop = HOP_SAMPLES - SR, HOP_SAMPLES + SR  # 1 s either side of the boundary
    gate = ((t * SR >= start) & (t * SR < stop)).astype(np.float64)
    ramp = np.convolve(gate, np.hanning(441) / np.hanning(441).sum(), mode="same")
    x = (0.3 * ramp * sum(np.sin(2 * np.pi * k * 330.0 * t) / k for k in range(1, 6))).astype(np.float32)
    y = decode(encode(x, SR, "abs", EncodeOptions(quality="fast")))[:n]
    flux = _flux(y)
    boundary = flux[frame_of(HOP_SAMPLES) - 6 : frame_of(HOP_SAMPLES) + 3].max()
    onset = flux[frame_of(start) - 8 : frame_of(start) + 8].max()
    interior = np.concatenate([flux[frame_of(start) + 20 : frame_of(HOP_SAMPLES) - 10],
                               flux[frame_of(HOP_SAMPLES) + 10 : frame_of(stop) - 20]])
    assert y[start + 2000 : stop - 2000].std() > 0.01  # the tone is there on both sides
    assert boundary <= max(2.0 * interior.max(), 0.25 * onset)
