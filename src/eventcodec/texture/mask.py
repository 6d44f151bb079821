"""The texture's fine-structure mask: which bins of a band hold the noise (docs/texture.md).

The encoder marks, per segment, the bins below ~4 kHz where the events leave more power unexplained than
their band's mean; the decoder gives marked bins MASK_CONTRAST_DB more noise power than the unmarked bins
of the same band, keeping the band's mean level. Where the events miss a note's partials, the noise then
sits on those partials (and carries their pitch) instead of spreading across the band.
"""

from __future__ import annotations

import numpy as np

from eventcodec.texture.grid import MASK_BINS, MASK_CONTRAST_DB, N_BANDS, N_FFT, SEGMENT_FRAMES


def segment_mask(low_power: np.ndarray, band_power: np.ndarray, band: np.ndarray) -> np.ndarray:
    """(n, MASK_BINS) uint8: 1 where a bin's unexplained power exceeds its band's mean.

    Args:
        low_power: (n, MASK_BINS) mean unexplained power of bins 1..MASK_BINS over each segment.
        band_power: (n, N_BANDS) mean unexplained power per bin of each band over the same segments.
        band: (N_FFT // 2 + 1,) the band of each bin (`grid.band_of_bin`).
    """
    mean = band_power[:, band[1 : MASK_BINS + 1]]
    return ((low_power > mean) & (mean > 0)).astype(np.uint8)


def segment_rows(band_power: np.ndarray, low_power: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Mask rows of per-frame unexplained powers (`analyse.residual_power`), one per SEGMENT_FRAMES frames
    (the last segment may be shorter): `segment_mask` of their means."""
    starts = np.arange(0, len(band_power), SEGMENT_FRAMES)
    if not len(starts):
        return np.zeros((0, MASK_BINS), np.uint8)
    counts = np.diff(np.append(starts, len(band_power)))[:, None]
    return segment_mask(np.add.reduceat(low_power, starts, axis=0) / counts,
                        np.add.reduceat(band_power, starts, axis=0) / counts, band)


def bin_weights(mask: np.ndarray, band: np.ndarray) -> np.ndarray:
    """(n, N_FFT // 2 + 1) power weight per bin for mask rows (n, MASK_BINS): mean 1 over each band's bins."""
    extra = 10.0 ** (MASK_CONTRAST_DB / 10.0) - 1.0  # a marked bin's power above an unmarked one's
    raw = np.ones((len(mask), N_FFT // 2 + 1))
    raw[:, 1 : MASK_BINS + 1] += extra * mask
    filled = band >= 0
    counts = np.bincount(band[filled], minlength=N_BANDS)
    marked = mask @ (band[1 : MASK_BINS + 1, None] == np.arange(N_BANDS))  # (n, N_BANDS) marked bins per band
    sums = counts + extra * marked
    weights = np.zeros_like(raw)
    weights[:, filled] = raw[:, filled] / (sums[:, band[filled]] / counts[band[filled]])
    return weights
