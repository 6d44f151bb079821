"""The texture follows the audio's time line: slice, shift, concat; event edits leave it alone."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec import edit
from eventcodec.codec import decode
from eventcodec.errors import EventCodecError
from eventcodec.texture.grid import FRAME_SAMPLES, N_BANDS, Texture
from eventcodec.texture.render import render
from eventcodec.types import SAMPLE_RATE, EventSet

N = 20 * FRAME_SAMPLES


def _textured(n_samples: int = N, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    codes = rng.integers(1, 12, (-(-n_samples // FRAME_SAMPLES), N_BANDS))
    vectors = np.clip(rng.normal(0.5, 0.1, (3, 32)), 0, 1).astype(np.float32)
    return EventSet(np.array([1000, 9000, 30000]), vectors, n_samples=n_samples, texture=Texture(codes))


def test_texture_is_fitted_to_the_set_length() -> None:
    es = _textured()
    assert es.texture is not None and es.texture.n_frames == 20
    longer = es.replace(n_samples=N + 1)
    assert longer.texture is not None and longer.texture.n_frames == 21 and not longer.texture.codes[-1].any()


def test_bad_codes_are_refused() -> None:
    with pytest.raises(EventCodecError):
        Texture(np.zeros((4, N_BANDS + 1)))
    with pytest.raises(EventCodecError):
        Texture(np.full((4, N_BANDS), 256))


def test_slice_on_frame_boundaries_keeps_the_codes_and_the_sound() -> None:
    es = _textured()
    part = es.slice(4 * FRAME_SAMPLES, 12 * FRAME_SAMPLES)
    assert part.texture is not None and es.texture is not None
    np.testing.assert_array_equal(part.texture.codes, es.texture.codes[4:12])


def test_shift_by_whole_frames_is_exact_and_a_remainder_interpolates() -> None:
    es = _textured()
    assert es.texture is not None
    moved = es.shifted(3 * FRAME_SAMPLES)
    assert moved.texture is not None
    assert not moved.texture.codes[:3].any()
    np.testing.assert_array_equal(moved.texture.codes[3:23], es.texture.codes)
    half = es.texture.shifted(FRAME_SAMPLES // 2, N + FRAME_SAMPLES // 2).codes.astype(int)
    a, b = es.texture.codes[:-1].astype(int), es.texture.codes[1:].astype(int)
    assert np.all(half[1:20] >= np.minimum(a, b)) and np.all(half[1:20] <= np.maximum(a, b))


def test_concat_places_the_second_texture_after_the_first() -> None:
    a, b = _textured(seed=1), _textured(seed=2)
    both = a.concat(b)
    assert both.texture is not None and a.texture is not None and b.texture is not None
    np.testing.assert_array_equal(both.texture.codes[:20], a.texture.codes)
    np.testing.assert_array_equal(both.texture.codes[20:], b.texture.codes)
    plain = EventSet.empty(N).concat(b)  # a set without texture: silence before
    assert plain.texture is not None and not plain.texture.codes[:20].any()


def test_event_edits_keep_the_texture_and_decode_adds_it() -> None:
    es = _textured()
    none = edit.delete(es, "amp_db > -1000")
    assert len(none) == 0 and none.texture == es.texture
    assert es.texture is not None
    np.testing.assert_array_equal(decode(none), render(es.texture, SAMPLE_RATE, 0, N))
    assert not decode(none, texture=False).any()
    np.testing.assert_allclose(decode(none, texture_gain_db=-6.0), decode(none) * 10 ** (-6 / 20), atol=1e-6)


def test_decode_of_a_range_matches_the_whole() -> None:
    es = _textured()
    whole = decode(es)
    np.testing.assert_allclose(decode(es, 10000, 7000), whole[10000:17000], atol=1e-6)
