"""The reader refuses every kind of malformed file with a FormatError, before allocating for it."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from evc_helpers import realistic_set, rewrite_header

from eventcodec.errors import FormatError
from eventcodec.format import decode_evc, encode_evc


@pytest.fixture(scope="module")
def good() -> bytes:
    return encode_evc(realistic_set(40, 7.0))


def test_good_file_decodes(good: bytes) -> None:
    assert len(decode_evc(good)) == 40


def test_wrong_magic(good: bytes) -> None:
    with pytest.raises(FormatError, match="magic"):
        decode_evc(b"RIFF" + good[4:])
    with pytest.raises(FormatError, match="magic"):
        decode_evc(b"")


def test_future_version_asks_for_an_upgrade(good: bytes) -> None:
    future = good[:8] + struct.pack("<H", 7) + good[10:]
    with pytest.raises(FormatError, match="version 7, newer"):
        decode_evc(future)


def test_every_truncation_is_refused(good: bytes) -> None:
    for n in range(len(good)):
        with pytest.raises(FormatError):
            decode_evc(good[:n])


def test_every_flipped_byte_is_refused(good: bytes) -> None:
    for i in range(len(good)):
        bad = bytearray(good)
        bad[i] ^= 0x10
        with pytest.raises(FormatError):
            decode_evc(bytes(bad))


def test_flipped_payload_byte_names_the_crc(good: bytes) -> None:
    bad = bytearray(good)
    bad[len(good) // 2] ^= 0xFF
    with pytest.raises(FormatError, match="CRC"):
        decode_evc(bytes(bad))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("n_chunks", 10**9, "n_chunks|too short"),
        ("n_chunks", 2**40, "n_chunks"),
        ("n_events", 10**12, "n_events|add up"),
        ("n_samples", -1, "n_samples"),
        ("n_samples", 2**62, "n_samples"),
        ("sample_rate", 0, "sample_rate"),
        ("sample_rate", "22050", "sample_rate"),
        ("chunk_samples", 3, "chunk_samples"),
        ("space", "pickle", "space"),
        ("quantizer", {"bits": [99] * 32, "lo": [0] * 32, "hi": [1] * 32}, "bits"),
        ("quantizer", {"bits": [8] * 31, "lo": [0] * 32, "hi": [1] * 32}, "32"),
        ("quantizer", {"bits": [8] * 32, "lo": [0] * 32, "hi": [0] * 32}, "range"),
        ("meta", [1, 2], "meta"),
    ],
)
def test_absurd_header_values_are_refused(good: bytes, key: str, value: object, message: str) -> None:
    def change(h: dict[str, object]) -> None:
        h[key] = value

    with pytest.raises(FormatError, match=message):
        decode_evc(rewrite_header(good, change))


def test_unknown_and_missing_header_keys(good: bytes) -> None:
    with pytest.raises(FormatError, match="unexpected"):
        decode_evc(rewrite_header(good, lambda h: h.update(exec="rm -rf /")))
    with pytest.raises(FormatError, match="missing"):
        decode_evc(rewrite_header(good, lambda h: h.pop("space")))


def test_header_length_is_capped_before_reading(good: bytes) -> None:
    huge = good[:12] + struct.pack("<I", 2**31) + good[16:]
    with pytest.raises(FormatError, match="exceeds"):
        decode_evc(huge)


def test_non_json_header_and_nan(good: bytes) -> None:
    import json
    import zlib

    for head in (b"\xff\xfe not utf8", b"[" * 100000, b'{"a": NaN}', b"{}"):
        data = good[:8] + struct.pack("<HHII", 1, 0, len(head), zlib.crc32(head)) + head + b"\0" * 40
        with pytest.raises(FormatError):
            decode_evc(data)
    assert json  # imported for clarity of the cases above


def test_payload_that_does_not_match_its_bits() -> None:
    from eventcodec.format import payload

    ref = np.zeros(32, np.int64)
    codes = np.array([[1] * 32, [2**12 - 1] * 32, [7] * 32])
    raw = payload.pack(np.array([5, 9, 11]), codes, (12,) * 32, ref)
    times, back = payload.unpack(raw, 3, (12,) * 32, 2**16, ref)
    assert times.tolist() == [5, 9, 11] and np.array_equal(back, codes)
    with pytest.raises(FormatError, match="size does not match"):
        payload.unpack(raw, 3, (10,) * 32, 2**16, ref)
    with pytest.raises(FormatError, match="ends inside"):
        payload.unpack(raw, 3, (16,) * 32, 2**16, ref)
    with pytest.raises(FormatError, match="beyond the chunk"):
        payload.unpack(raw, 3, (12,) * 32, 8, ref)
    zero_first = (0,) + (12,) * 31
    raw0 = bytearray(payload.pack(np.array([5, 9, 11]), codes, zero_first, ref))
    raw0[3] |= 1  # column 0 (0 bits) claims a stored constant
    with pytest.raises(FormatError, match="0 bits"):
        payload.unpack(bytes(raw0), 3, zero_first, 2**16, ref)


def test_non_bytes_input() -> None:
    with pytest.raises(FormatError):
        decode_evc("not bytes")  # type: ignore[arg-type]


def test_compressed_header_is_bounded(good: bytes) -> None:
    import zlib

    from eventcodec.format import payload

    assert struct.unpack_from("<H", good, 10)[0] == 1  # the writer compressed this header
    bomb = payload.compressor().compress(b" " * (2**20 + 1))
    data = good[:8] + struct.pack("<HHII", 1, 1, len(bomb), zlib.crc32(bomb)) + bomb + good[20:]
    with pytest.raises(FormatError, match="header cannot be decompressed"):
        decode_evc(data)
    with pytest.raises(FormatError, match="flags"):
        decode_evc(good[:10] + struct.pack("<H", 2) + good[12:])


def test_a_frame_claiming_a_huge_size_is_refused_without_allocating_it() -> None:
    """A zstd frame of 256 MiB of zeros is a few KiB; the reader stops at the size the events can take."""
    import tracemalloc

    from eventcodec.format import payload

    method, stored = payload.compress(bytes(256 * 2**20))
    assert method == payload.METHOD_ZSTD and len(stored) < 2**16
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="more than"):
            payload.decompress(method, stored, 4096)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20
