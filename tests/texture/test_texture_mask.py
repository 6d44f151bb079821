"""The texture's fine-structure mask: where in a band the noise sits, at the same band level."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.errors import EventCodecError
from eventcodec.texture.analyse import CONTEXT, stft_power
from eventcodec.texture.grid import (
    FRAME_SAMPLES,
    MASK_BINS,
    MASK_CONTRAST_DB,
    N_BANDS,
    SEGMENT_SAMPLES,
    UNIT_NOISE_POWER,
    Texture,
    band_of_bin,
    levels_to_codes,
    n_segments_for,
)
from eventcodec.texture.mask import bin_weights, segment_mask
from eventcodec.texture.render import render

SR = 22050
band_index = band_of_bin(SR)


def _peaks(n_segments: int) -> np.ndarray:
    """Mask rows marking 3 bins of every 9 (bins 1-3, 10-12, ...): partials ~200 Hz apart."""
    mask = np.zeros((n_segments, MASK_BINS), np.uint8)
    mask[:, np.arange(MASK_BINS) % 9 < 3] = 1
    return mask


def test_weights_keep_each_band_s_mean_and_set_the_contrast() -> None:
    mask = (np.random.default_rng(0).random((5, MASK_BINS)) < 0.4).astype(np.uint8)
    w = bin_weights(mask, band_index)
    for b in range(N_BANDS):
        np.testing.assert_allclose(w[:, band_index == b].mean(axis=1), 1.0, rtol=1e-12)
    marked = np.zeros_like(w, bool)
    marked[:, 1 : MASK_BINS + 1] = mask == 1
    for row in range(5):
        for b in np.unique(band_index[1 : MASK_BINS + 1]):
            on, off = w[row, (band_index == b) & marked[row]], w[row, (band_index == b) & ~marked[row]]
            if len(on) and len(off):
                assert 10 * np.log10(on.mean() / off.mean()) == pytest.approx(MASK_CONTRAST_DB)
    np.testing.assert_array_equal(bin_weights(np.zeros((2, MASK_BINS), np.uint8), band_index)[:, band_index >= 0], 1.0)


def test_a_bin_is_marked_where_it_misses_more_than_its_band_s_mean() -> None:
    band_power = np.ones((1, N_BANDS))
    low = np.full((1, MASK_BINS), 0.5)
    low[0, [10, 50]] = 3.0
    band_power[0, band_index[1 + 50]] = 0.0  # a band with nothing missing marks nothing
    assert np.flatnonzero(segment_mask(low, band_power, band_index)[0]).tolist() == [10]


def test_masked_noise_sits_in_the_marked_bins_at_the_band_s_level() -> None:
    n = 2**17
    code = levels_to_codes(np.array(UNIT_NOISE_POWER * 10 ** (-30 / 10)))
    codes = np.full((n // FRAME_SAMPLES, N_BANDS), code, np.uint8)
    flat, masked = Texture(codes), Texture(codes, _peaks(n_segments_for(len(codes))))
    p_flat = np.mean(stft_power(np.pad(render(flat, SR, 0, n), CONTEXT)), axis=0)
    p_mask = np.mean(stft_power(np.pad(render(masked, SR, 0, n), CONTEXT)), axis=0)
    wide = np.flatnonzero(np.bincount(band_index[1 : MASK_BINS + 1]) >= 9)  # bands wide enough to resolve
    for b in wide:
        bins = np.flatnonzero(band_index == b)
        assert p_mask[bins].mean() == pytest.approx(p_flat[bins].mean(), rel=0.25)  # same band level
        on = bins[(bins - 1) % 9 == 1]  # the middle of each marked run
        off = bins[np.isin((bins - 1) % 9, (5, 6))]  # the middle of each gap
        # the Hann window's main lobe spreads each bin over its neighbours: well above, not the full 20 dB
        assert 10 * np.log10(p_mask[on].mean() / p_mask[off].mean()) > 10.0
        assert abs(10 * np.log10(p_flat[on].mean() / p_flat[off].mean())) < 1.5


def test_a_masked_texture_renders_any_range_like_the_whole() -> None:
    rng = np.random.default_rng(4)
    n_frames = 70
    tex = Texture(rng.integers(0, 20, (n_frames, N_BANDS)),
                  (rng.random((n_segments_for(n_frames), MASK_BINS)) < 0.3).astype(np.uint8))
    whole = render(tex, SR, 0, n_frames * FRAME_SAMPLES)
    for start, size in [(0, 1000), (SEGMENT_SAMPLES - 300, 700), (2**16 - 7, 300), (12345, 30000)]:
        np.testing.assert_array_equal(render(tex, SR, start, size), whole[start : start + size])


def test_the_mask_follows_the_time_line() -> None:
    rng = np.random.default_rng(5)
    n_frames = 20
    tex = Texture(rng.integers(1, 9, (n_frames, N_BANDS)),
                  (rng.random((n_segments_for(n_frames), MASK_BINS)) < 0.3).astype(np.uint8))
    moved = tex.shifted(2 * SEGMENT_SAMPLES, (n_frames + 8) * FRAME_SAMPLES)
    assert not moved.mask[:2].any()
    np.testing.assert_array_equal(moved.mask[2:7], tex.mask)
    back = moved.shifted(-2 * SEGMENT_SAMPLES, n_frames * FRAME_SAMPLES)
    assert back == tex
    other = Texture(tex.codes, 1 - tex.mask)
    both = tex.concat(other, 0, n_frames * FRAME_SAMPLES)
    assert both.mask.all()
    assert tex.fitted(3 * FRAME_SAMPLES).mask.shape == (1, MASK_BINS)


def test_a_mask_of_the_wrong_shape_or_values_is_refused() -> None:
    codes = np.zeros((8, N_BANDS), np.uint8)
    with pytest.raises(EventCodecError, match="shape"):
        Texture(codes, np.zeros((3, MASK_BINS), np.uint8))
    with pytest.raises(EventCodecError, match="0 and 1"):
        Texture(codes, np.full((2, MASK_BINS), 2, np.uint8))
