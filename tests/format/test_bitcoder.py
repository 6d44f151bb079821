"""The range coder of the texture mask: exact round trips, real compression on structured bits, safe on garbage."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.format import bitcoder


@pytest.mark.parametrize("shape", [(0, 5), (1, 1), (3, 7), (8, 185)])
@pytest.mark.parametrize("p_one", [0.0, 0.02, 0.3, 0.5, 0.98, 1.0])
def test_round_trip_is_exact(shape: tuple[int, int], p_one: float) -> None:
    bits = (np.random.default_rng(7).random(shape) < p_one).astype(np.uint8)
    np.testing.assert_array_equal(bitcoder.decode(bitcoder.encode(bits), *shape), bits)


def test_structured_bits_cost_far_less_than_one_bit_each() -> None:
    """Partials that last (same column in the next row) and are a few bins wide are cheap; noise is not."""
    rng = np.random.default_rng(3)
    bits = np.zeros((8, 185), np.uint8)
    for centre in rng.choice(180, 12, replace=False):
        bits[:, centre : centre + 3] = 1
    coded = bitcoder.encode(bits)
    assert len(coded) * 8 < 0.25 * bits.size  # the first row pays for the rest
    noise = (rng.random((8, 185)) < 0.5).astype(np.uint8)
    assert 0.95 * noise.size < len(bitcoder.encode(noise)) * 8 < 1.1 * noise.size


def test_all_zero_rows_take_almost_nothing() -> None:
    assert len(bitcoder.encode(np.zeros((8, 185), np.uint8))) <= 2


@pytest.mark.parametrize("data", [b"", b"\xff" * 7, bytes(range(256)), b"\x00\x01" * 900])
def test_any_bytes_decode_to_a_matrix_of_the_asked_size(data: bytes) -> None:
    bits = bitcoder.decode(data, 8, 185)
    assert bits.shape == (8, 185) and set(np.unique(bits)) <= {0, 1}


def _walks(frames: int, bands: int, seed: int) -> np.ndarray:
    """Band levels that drift like real ones: mostly still, steps of one, a jump now and then."""
    rng = np.random.default_rng(seed)
    steps = rng.choice([-1, 0, 0, 0, 1], (frames, bands)) + (rng.random((frames, bands)) < 0.02) * 9
    return np.clip(np.cumsum(steps, axis=0) + 10, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("codes", [
    np.zeros((32, 32), np.uint8),
    np.full((32, 32), 255, np.uint8),
    np.random.default_rng(0).integers(0, 256, (32, 32)).astype(np.uint8),
    np.tile(np.array([0, 255], np.uint8), (32, 16)),
    np.zeros((0, 32), np.uint8),
])
def test_levels_round_trip_exactly(codes: np.ndarray) -> None:
    np.testing.assert_array_equal(bitcoder.decode_levels(bitcoder.encode_levels(codes), *codes.shape), codes)


def test_drifting_levels_cost_less_than_zstd_on_their_deltas() -> None:
    import zstandard

    codes = _walks(32, 32, 1)
    np.testing.assert_array_equal(bitcoder.decode_levels(bitcoder.encode_levels(codes), 32, 32), codes)
    deltas = (np.diff(codes.astype(np.int64).T, axis=1, prepend=0) % 256).astype(np.uint8).tobytes()
    assert len(bitcoder.encode_levels(codes)) < 0.9 * len(zstandard.ZstdCompressor(level=19).compress(deltas))


@pytest.mark.parametrize("data", [b"", b"\xff" * 9, bytes(range(256))])
def test_any_bytes_decode_to_levels_of_the_asked_size(data: bytes) -> None:
    assert bitcoder.decode_levels(data, 32, 32).shape == (32, 32)
