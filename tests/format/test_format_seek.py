"""The seek index: a time range reads only the chunks it needs (plus carry-in), and the reader checks them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from evc_helpers import realistic_set

from eventcodec.errors import FormatError
from eventcodec.format import CHUNK_SAMPLES, EvcReader, decode_evc, encode_evc, evc_info, read_evc


def _corrupt_chunk(data: bytes, i: int) -> bytes:
    reader = EvcReader(io.BytesIO(data))
    bad = bytearray(data)
    bad[int(reader.offsets[i]) + 14] ^= 0xFF  # first payload byte of chunk i
    return bytes(bad)


@pytest.fixture
def long_file(tmp_path: Path) -> tuple[Path, bytes]:
    data = encode_evc(realistic_set(400, 60.0, seed=5))  # 21 chunks
    path = tmp_path / "long.evc"
    path.write_bytes(_corrupt_chunk(data, 3))
    return path, data


def test_range_reads_only_the_chunks_it_needs(long_file: tuple[Path, bytes]) -> None:
    path, data = long_file
    full = decode_evc(data)
    start, stop = 10 * CHUNK_SAMPLES + 5, 12 * CHUNK_SAMPLES
    part = read_evc(path, start, stop, carry_samples=CHUNK_SAMPLES)  # chunks 9..11; chunk 3 is corrupt
    expect = (full.times >= 9 * CHUNK_SAMPLES) & (full.times < 12 * CHUNK_SAMPLES)
    np.testing.assert_array_equal(part.times, full.times[expect])
    np.testing.assert_array_equal(part.vectors, full.vectors[expect])
    assert part.n_samples == full.n_samples
    with pytest.raises(FormatError, match="chunk 3 is corrupt"):
        read_evc(path)
    with pytest.raises(FormatError, match="chunk 3 is corrupt"):
        read_evc(path, 5 * CHUNK_SAMPLES, 6 * CHUNK_SAMPLES, carry_samples=3 * CHUNK_SAMPLES)


def test_info_reads_header_and_index_only(long_file: tuple[Path, bytes]) -> None:
    path, data = long_file
    info = evc_info(path)
    assert info["events"] == 400 and info["chunks"] == -(-(60 * 22050) // CHUNK_SAMPLES)
    assert info["bits_per_event"] == pytest.approx(len(data) * 8 / 400)


def test_chunk_offsets_are_contiguous(long_file: tuple[Path, bytes]) -> None:
    _, data = long_file
    reader = EvcReader(io.BytesIO(data))
    assert reader.offsets[0] == reader.header_end
    assert np.all(np.diff(reader.offsets) >= 13)
    assert reader.counts.sum() == 400
    for i in range(reader.header.n_chunks):
        times, _ = reader.read_chunk(i)
        assert np.all((times >= i * CHUNK_SAMPLES) & (times < (i + 1) * CHUNK_SAMPLES))
