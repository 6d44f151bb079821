"""EventSet -> bytes -> EventSet is exact after quantization; bytes are stable on re-encoding."""

from __future__ import annotations

import numpy as np
import pytest
from evc_helpers import realistic_set
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from eventcodec.controls import default_unit_vector
from eventcodec.errors import FormatError
from eventcodec.format import CHUNK_SAMPLES, decode_evc, encode_evc
from eventcodec.format.quantizer import controls_quantizer, latent_quantizer
from eventcodec.types import EventSet


@st.composite
def event_sets(draw: st.DrawFn) -> EventSet:
    space = draw(st.sampled_from(["controls", "latent"]))
    n = draw(st.integers(0, 40))
    n_samples = draw(st.integers(0, 5 * CHUNK_SAMPLES))
    times = draw(hnp.arrays(np.int64, n, elements=st.integers(0, max(0, n_samples + 3 * CHUNK_SAMPLES))))
    if space == "controls":
        elems = st.floats(0, 1, width=32)
    else:
        elems = st.floats(-1e4, 1e4, width=32, allow_subnormal=False)
    vectors = draw(hnp.arrays(np.float32, (n, 32), elements=elems))
    meta = draw(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3))
    return EventSet(times, vectors, sample_rate=draw(st.sampled_from([22050, 44100, 8000])), n_samples=n_samples,
                    space=space, model_hash=draw(st.text(max_size=8)), meta=meta)


bits_strategy = st.one_of(st.none(), st.integers(0, 16), st.lists(st.integers(0, 16), min_size=32, max_size=32))


@settings(max_examples=100, deadline=None)
@given(event_sets(), bits_strategy)
def test_round_trip_is_exact_on_the_quantized_grid(events: EventSet, bits: int | list[int] | None) -> None:
    data = encode_evc(events, bits=bits)
    back = decode_evc(data)
    assert (back.sample_rate, back.n_samples, back.space, back.model_hash) == (
        events.sample_rate, events.n_samples, events.space, events.model_hash)
    assert back.meta == events.meta
    np.testing.assert_array_equal(back.times, events.times)
    q = back.quantizer
    assert q is not None
    # the decoded vectors are the quantized originals, exactly; and lie on the grid
    np.testing.assert_array_equal(back.vectors, q.dequantize(q.quantize(events.vectors)))
    np.testing.assert_array_equal(q.quantize(back.vectors), q.quantize(events.vectors))
    # error bound: half a quantization step per column (non-constant columns)
    err = np.abs(back.vectors.astype(np.float64) - events.vectors)
    active = np.asarray(q.bits) > 0
    assert np.all(err[:, active] <= q.max_error()[active] + 1e-12)
    # bytes -> EventSet -> bytes is byte-identical
    assert encode_evc(back) == data
    assert back.to_bytes() == data


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**16 - 1), min_size=32, max_size=32), st.lists(st.integers(1, 16), min_size=32,
                                                                                  max_size=32))
def test_quantize_dequantize_is_identity_on_codes(codes: list[int], bits: list[int]) -> None:
    q = controls_quantizer(bits)
    c = np.minimum(np.array([codes]), q.levels)
    np.testing.assert_array_equal(q.quantize(q.dequantize(c)), c)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float32, (5, 32), elements=st.floats(-3e5, 3e5, width=32)), st.integers(1, 16))
def test_latent_quantizer_grid_is_exact(vectors: np.ndarray, bits: int) -> None:
    q = latent_quantizer(vectors, bits)
    c = q.quantize(vectors)
    np.testing.assert_array_equal(q.quantize(q.dequantize(c)), c)
    assert q.fits(q.dequantize(c))


def test_error_bound_at_8_bits_is_half_a_step() -> None:
    events = realistic_set(500, 20.0)
    back = decode_evc(encode_evc(events))
    assert np.abs(back.vectors - events.vectors).max() <= 0.5 / 255 + 1e-6
    assert np.abs(back.vectors - events.vectors).max() > 0.1 / 255  # something was quantized


def test_more_bits_less_error_and_zero_bits_pins_default() -> None:
    events = realistic_set(200, 10.0)
    err8 = np.abs(decode_evc(encode_evc(events, bits=8)).vectors - events.vectors).max()
    err12 = np.abs(decode_evc(encode_evc(events, bits=12)).vectors - events.vectors).max()
    assert err12 < err8 / 8
    pinned = decode_evc(encode_evc(events, bits={"f0_hz": 0}))
    from eventcodec.controls import INDEX, default_unit_vector

    assert np.all(pinned.vectors[:, INDEX["f0_hz"]] == default_unit_vector()[INDEX["f0_hz"]])


def test_chunks_follow_time_and_events_past_the_end_survive() -> None:
    events = EventSet([0, CHUNK_SAMPLES - 1, CHUNK_SAMPLES, 5 * CHUNK_SAMPLES + 7], np.full((4, 32), 0.5),
                      n_samples=CHUNK_SAMPLES + 10)
    back = decode_evc(encode_evc(events))
    np.testing.assert_array_equal(back.times, events.times)


def test_edited_set_is_requantized_not_clipped_to_the_old_grid() -> None:
    events = EventSet([0, 10], np.array([[1.0] * 32, [2.0] * 32]), space="latent", n_samples=100)
    back = decode_evc(encode_evc(events))
    wider = back.replace(vectors=back.vectors * 10)
    again = decode_evc(encode_evc(wider))
    np.testing.assert_allclose(again.vectors, wider.vectors, rtol=0.01)


def test_writer_refuses_bad_sets() -> None:
    with pytest.raises(FormatError, match="normalised"):
        encode_evc(EventSet([0], np.full((1, 32), 1.5)))
    with pytest.raises(FormatError, match="lie in"):
        encode_evc(EventSet([-5], np.full((1, 32), 0.5)))
    with pytest.raises(FormatError, match="JSON"):
        encode_evc(EventSet([0], np.full((1, 32), 0.5), meta={"x": object()}))
    with pytest.raises(FormatError, match="sample_rate"):
        encode_evc(EventSet([0], np.full((1, 32), 0.5), sample_rate=10**7))
    with pytest.raises(FormatError, match="model_hash"):
        encode_evc(EventSet([0], np.full((1, 32), 0.5), model_hash="x" * 1000))
    with pytest.raises(FormatError, match="limit"):
        encode_evc(EventSet(np.zeros(2**16 + 1, np.int64), np.full((2**16 + 1, 32), 0.5), n_samples=10))


def test_equal_times_keep_their_order() -> None:
    vecs = np.linspace(0, 1, 3 * 32).reshape(3, 32)
    events = EventSet([7, 7, 7], vecs, n_samples=100)
    back = decode_evc(encode_evc(events, bits=16))
    np.testing.assert_allclose(back.vectors, vecs, atol=1e-4)


def test_sparse_columns_store_only_the_events_that_move() -> None:
    from eventcodec.controls import INDEX

    events = EventSet(np.arange(40) * 1000, np.tile(default_unit_vector(), (40, 1)), n_samples=40 * 1000)
    moved = events.vectors.copy()
    moved[::10, INDEX["decay_s"]] = 0.9  # 4 of 40 events move one (8-bit) control
    sparse = events.replace(vectors=moved)
    data = encode_evc(sparse)
    back = decode_evc(data)
    np.testing.assert_allclose(back.vectors, moved, atol=0.5 / 255)
    assert encode_evc(back) == data
    # mask (5 bytes) + 4 codes instead of 40 raw codes
    assert len(data) - len(encode_evc(events)) <= 5 + 4 + 1
