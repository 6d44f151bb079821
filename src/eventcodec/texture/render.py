"""Texture -> audio: white noise shaped by the band levels in the STFT domain, seekable and deterministic.

Synthesis frame f (centred on sample f * HOP) is irfft(Z_f * sqrt(P_f)) times a Hann window, overlap-added.
Z_f is complex Gaussian noise drawn from a generator keyed by the block of 256 frames it belongs to, so any
range renders to the same samples as the whole file. P_f interpolates the band levels linearly in time
between frame centres, spread across the bins of a band by the mask row of the segment holding the frame's
centre (`mask.bin_weights`: flat where the row is all zeros).
"""

from __future__ import annotations

import numpy as np

from eventcodec.texture.grid import (
    FRAME_SAMPLES,
    HOP,
    N_FFT,
    SEGMENT_SAMPLES,
    Texture,
    band_of_bin,
    codes_to_levels,
    window,
)
from eventcodec.texture.mask import bin_weights

FRAMES_PER_BLOCK = 256  # synthesis frames per noise block (one .evc chunk: 2**16 samples)
_NOISE_KEY = 0x7E57  # keys the noise generators; fixed so files decode the same everywhere
# analysis power per bin of the synthesis with unit-power noise per bin: (1 / N_FFT) * (sum w^2 / HOP) * sum w^2
_GAIN = float(np.sqrt(N_FFT * HOP) / np.sum(window() ** 2))
_CENTRE_OFFSET = (FRAME_SAMPLES - HOP) / 2  # a texture frame averages STFT frames centred from k*F to k*F + F - HOP


def _noise_block(q: int) -> np.ndarray:
    rng = np.random.Generator(np.random.PCG64([_NOISE_KEY, q + 1]))  # q >= -1: frames start a block before 0
    z = rng.standard_normal((FRAMES_PER_BLOCK, N_FFT // 2 + 1, 2))
    return (z[..., 0] + 1j * z[..., 1]) * np.sqrt(0.5)


def render(texture: Texture, sample_rate: int, start_sample: int, n_samples: int) -> np.ndarray:
    """Samples [start_sample, start_sample + n_samples) of the texture's noise, float32."""
    if n_samples <= 0 or texture.n_frames == 0 or not texture.codes.any():
        return np.zeros(max(n_samples, 0), np.float32)
    half = N_FFT // 2
    f0 = -(-(start_sample - half + 1) // HOP)  # first frame that reaches the range
    f1 = (start_sample + n_samples + half - 1) // HOP  # last one
    frames = np.arange(f0, f1 + 1)
    centres = np.arange(texture.n_frames) * FRAME_SAMPLES + _CENTRE_OFFSET
    levels = codes_to_levels(texture.codes)  # (n_tex, bands)
    pos = frames * HOP
    band_levels = np.stack([np.interp(pos, centres, levels[:, b]) for b in range(levels.shape[1])], axis=1)
    band = band_of_bin(sample_rate)
    gain = np.zeros((len(frames), N_FFT // 2 + 1))
    filled = band >= 0
    gain[:, filled] = np.sqrt(band_levels[:, band[filled]])
    segment = np.clip(np.floor_divide(pos, SEGMENT_SAMPLES), 0, len(texture.mask) - 1)
    used = np.unique(segment)
    if texture.mask[used].any():
        gain *= np.sqrt(bin_weights(texture.mask[used], band))[np.searchsorted(used, segment)]
    gain[pos >= texture.n_frames * FRAME_SAMPLES + half] = 0.0  # nothing past the texture's last frame
    z = np.empty((len(frames), N_FFT // 2 + 1), np.complex128)
    for q in np.unique(np.floor_divide(frames, FRAMES_PER_BLOCK)):
        rows = np.floor_divide(frames, FRAMES_PER_BLOCK) == q
        z[rows] = _noise_block(int(q))[frames[rows] - q * FRAMES_PER_BLOCK]
    grains = np.fft.irfft(z * gain, N_FFT, axis=1) * (window() * _GAIN)
    origin = f0 * HOP - half - start_sample  # where frame f0 starts, relative to the range
    lead = max(0, -origin)
    buf = np.zeros(len(frames) * HOP + N_FFT)
    for i in range(len(frames)):  # in frame order, so every range sums each sample the same way
        buf[i * HOP : i * HOP + N_FFT] += grains[i]
    return buf[lead : lead + n_samples].astype(np.float32)
