"""Fuzzing the .evc reader: any input gives an EventSet or a FormatError, fast and in bounded memory."""

from __future__ import annotations

import tracemalloc

from evc_helpers import realistic_set
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventcodec.errors import FormatError
from eventcodec.format import decode_evc, encode_evc
from eventcodec.format.container import MAGIC

GOOD = encode_evc(realistic_set(30, 8.0, seed=3))
PEAK_LIMIT_BYTES = 64 * 2**20


def _decode_bounded(data: bytes) -> None:
    tracemalloc.start()
    try:
        decode_evc(data)
    except FormatError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < PEAK_LIMIT_BYTES


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "splice"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[pos] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80]))
        elif kind == "cut":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[pos : pos + 4] = draw(st.sampled_from([b"\xff\xff\xff\xff", b"\0\0\0\0", b"\xff\xff\xff\x7f"]))
    return bytes(data)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_fail_cleanly(data: bytes) -> None:
    _decode_bounded(data)


@settings(max_examples=200, deadline=2000)
@given(st.binary(max_size=512))
def test_random_bytes_fail_cleanly(data: bytes) -> None:
    _decode_bounded(data)
    _decode_bounded(MAGIC + data)


def _textured_good() -> bytes:
    import numpy as np

    from eventcodec.texture.grid import FRAME_SAMPLES, N_BANDS, Texture

    es = realistic_set(30, 8.0, seed=4)
    codes = np.random.default_rng(4).integers(0, 30, (-(-es.n_samples // FRAME_SAMPLES), N_BANDS))
    return encode_evc(es.replace(texture=Texture(codes)))


GOOD_TEXTURED = _textured_good()


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_chunks_with_a_valid_crc_fail_cleanly(data: st.DataObject) -> None:
    """Mutations inside a chunk of a textured file, CRC recomputed: the texture and event parsers see them."""
    import struct

    from eventcodec.format.container import chunk_crc

    buf = bytearray(GOOD_TEXTURED)
    head_len = struct.unpack_from("<I", buf, 12)[0]
    start = 8 + 12 + head_len  # the first chunk
    stored_len = struct.unpack_from("<IBI", buf, start)[2]
    lo, hi = start + 13, start + 13 + stored_len
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(lo, hi - 1))
        buf[pos] = data.draw(st.integers(0, 255))
    fields = bytes(buf[start : start + 9])
    struct.pack_into("<I", buf, start + 9, chunk_crc(3, 0, fields, bytes(buf[lo:hi])))
    _decode_bounded(bytes(buf))
