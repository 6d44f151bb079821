"""The noise texture per chunk (format version 2 on), in its own compressed section; older versions still read."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from evc_helpers import as_version, realistic_set, rewrite_header

from eventcodec.encode.abs.budget import texture_bits
from eventcodec.errors import FormatError
from eventcodec.format import CHUNK_SAMPLES, EvcReader, decode_evc, encode_evc, evc_info, payload, read_evc
from eventcodec.format.container import chunk_crc, texture_section, write
from eventcodec.format.header import Header
from eventcodec.format.texture_payload import FRAMES_PER_CHUNK, METHOD_RANGE, pack_codes, pack_texture, unpack_codes
from eventcodec.texture.grid import FRAME_SAMPLES, GRID_PLAIN, MASK_BINS, N_BANDS, Texture, n_segments_for
from eventcodec.types import EventSet


def _textured(duration_s: float = 7.0, seed: int = 0) -> EventSet:
    es = realistic_set(40, duration_s, seed)
    rng = np.random.default_rng(seed)
    n_frames = -(-es.n_samples // FRAME_SAMPLES)
    codes = np.clip(np.cumsum(rng.integers(-1, 2, (n_frames, N_BANDS)), axis=0) + 10, 0, 40)
    mask = np.repeat(rng.random((1, MASK_BINS)) < 0.3, n_segments_for(n_frames), axis=0)
    mask ^= rng.random(mask.shape) < 0.1  # partials that last, with some change
    return es.replace(texture=Texture(codes, mask.astype(np.uint8)))


def _version(data: bytes) -> int:
    return int(struct.unpack_from("<H", data, 8)[0])


def test_round_trip_is_exact_and_byte_identical() -> None:
    es = _textured()
    data = encode_evc(es)
    assert _version(data) == 3
    back = decode_evc(data)
    assert back.texture == es.texture and np.array_equal(back.times, es.times)
    assert encode_evc(back) == data and decode_evc(encode_evc(back)) == back


def test_files_without_texture_are_version_3_and_version_1_files_still_read() -> None:
    es = realistic_set(40, 7.0)
    data = encode_evc(es)
    assert _version(data) == 3 and decode_evc(data).texture is None
    assert evc_info_of(data)["texture"] is False
    old = as_version(data, 1)
    assert _version(old) == 1 and old != data
    assert decode_evc(old) == decode_evc(data) and encode_evc(decode_evc(old)) == data
    textured = encode_evc(_textured())
    assert decode_evc(as_version(textured, 2)) == decode_evc(textured)


def evc_info_of(data: bytes, tmp: str = "/tmp") -> dict:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".evc", dir=tmp) as f:
        f.write(data)
        f.flush()
        return evc_info(f.name)


def test_info_reports_the_texture_share_of_the_bitrate() -> None:
    es = _textured()
    data = encode_evc(es)
    info = evc_info_of(data)
    plain = encode_evc(es.replace(texture=None))
    assert info["texture"] is True
    assert 0 < info["texture_kbps"] < info["bitrate_kbps"]
    # the file grew by the texture sections and the header's texture key (< 100 bytes)
    grown_bytes = len(data) - len(plain)
    texture_bytes = info["texture_kbps"] * es.duration_s * 1000 / 8
    assert 0 < grown_bytes - texture_bytes < 100
    assert info["texture_kbps"] == pytest.approx(texture_bits(es.texture.codes, es.texture.mask) / es.duration_s / 1000)


def test_a_range_read_gets_the_texture_of_its_chunks(tmp_path) -> None:
    es = _textured(duration_s=12.0)
    path = tmp_path / "t.evc"
    path.write_bytes(encode_evc(es))
    part = read_evc(path, 2 * CHUNK_SAMPLES, 3 * CHUNK_SAMPLES)
    assert part.texture is not None and es.texture is not None
    per_chunk = CHUNK_SAMPLES // FRAME_SAMPLES
    window = slice(2 * per_chunk, 3 * per_chunk)
    np.testing.assert_array_equal(part.texture.codes[window], es.texture.codes[window])
    assert not part.texture.codes[: 2 * per_chunk].any()  # chunks not read are silent


def _first_chunk(data: bytearray) -> int:
    """Offset of the first chunk of an .evc file."""
    return 8 + 12 + int(struct.unpack_from("<I", data, 12)[0])


def _with_chunk_crc(data: bytearray, chunk: int) -> bytes:
    """`data` with the CRC of the chunk at offset `chunk` recomputed (so a reader looks past it)."""
    stored_len = struct.unpack_from("<IBI", data, chunk)[2]
    stored = bytes(data[chunk + 13 : chunk + 13 + stored_len])
    struct.pack_into("<I", data, chunk + 9, chunk_crc(3, 0, bytes(data[chunk : chunk + 9]), stored))
    return bytes(data)


def test_a_corrupt_texture_section_is_refused() -> None:
    data = bytearray(encode_evc(_textured()))
    first_chunk = _first_chunk(data)
    bad = data.copy()
    struct.pack_into("<I", bad, first_chunk + 13 + 1, 10**6)  # texture longer than its chunk
    with pytest.raises(FormatError, match="texture"):
        decode_evc(_with_chunk_crc(bad, first_chunk))
    flipped = data.copy()
    flipped[first_chunk + 13 + 6] ^= 0xFF  # a byte of the texture: the CRC catches it
    with pytest.raises(FormatError, match="CRC"):
        decode_evc(bytes(flipped))


def test_version_and_header_must_agree() -> None:
    with_tex = encode_evc(_textured())
    without = encode_evc(realistic_set(40, 7.0))
    with pytest.raises(FormatError, match="must have a texture"):
        decode_evc(as_version(without, 2))
    with pytest.raises(FormatError, match="must not have a texture"):
        decode_evc(as_version(with_tex, 1))
    with pytest.raises(FormatError, match="unsupported texture grid"):
        decode_evc(rewrite_header(with_tex, lambda h: h["texture"].update(bands=16)))


def test_every_truncation_of_a_textured_file_is_refused() -> None:
    data = encode_evc(_textured(duration_s=3.0))
    for n in range(0, len(data), 7):
        with pytest.raises(FormatError):
            decode_evc(data[:n])


def test_json_form_carries_the_texture() -> None:
    es = _textured()
    obj = es.to_json()
    assert len(obj["texture"]["codes"]) == es.texture.n_frames  # type: ignore[union-attr]
    assert EventSet.from_json(obj) == es
    obj["texture"]["bands"] = 7
    with pytest.raises(FormatError, match="texture"):
        EventSet.from_json(obj)
    obj = es.to_json()
    obj["texture"]["codes"][0][0] = 300
    with pytest.raises(FormatError, match="texture codes"):
        EventSet.from_json(obj)


def test_files_of_the_plain_grid_still_read() -> None:
    """Format 2 as first written (no mask in the grid or the sections) decodes to a texture with an empty mask."""
    es = _textured()
    textured = decode_evc(encode_evc(es))
    assert textured.texture is not None and textured.texture.mask.any()
    events = EventSet.from_bytes(encode_evc(es.replace(texture=None)))
    reader_chunks = []
    plain_bytes = encode_evc(events)
    reader = EvcReader(io.BytesIO(plain_bytes))
    codes = textured.texture.fitted(reader.header.n_chunks * CHUNK_SAMPLES).codes
    for i in range(reader.header.n_chunks):
        start = int(reader.offsets[i])
        n_events, method, stored_len, _ = struct.unpack_from("<IBII", plain_bytes, start)
        stored = plain_bytes[start + 13 : start + 13 + stored_len]
        part = codes[i * FRAMES_PER_CHUNK : (i + 1) * FRAMES_PER_CHUNK]
        reader_chunks.append((n_events, method, texture_section(*payload.compress(pack_texture(part))) + stored))
    h = reader.header
    header = Header(h.sample_rate, h.n_samples, h.space, h.model_hash, h.chunk_samples, h.n_chunks, h.n_events,
                    h.quantizer, h.meta, GRID_PLAIN)
    back = decode_evc(write(header, reader_chunks))
    assert back.texture is not None and not back.texture.mask.any()
    np.testing.assert_array_equal(back.texture.codes, textured.texture.codes)
    assert np.array_equal(back.times, es.times)


def test_a_mask_whose_lengths_disagree_is_refused() -> None:
    data = bytearray(encode_evc(_textured()))
    first_chunk = _first_chunk(data)
    struct.pack_into("<H", data, first_chunk + 13 + 5, 60000)  # the codes claim more than the section holds
    with pytest.raises(FormatError, match="texture section"):
        decode_evc(_with_chunk_crc(data, first_chunk))


def test_json_form_carries_the_mask() -> None:
    es = _textured()
    obj = es.to_json()
    rows = obj["texture"]["mask_rows"]
    assert len(rows) == len(es.texture.mask) and set("".join(rows)) <= {"0", "1"}  # type: ignore[union-attr]
    obj["texture"]["mask_rows"][0] = "2" * MASK_BINS
    with pytest.raises(FormatError, match="mask"):
        EventSet.from_json(obj)
    obj["texture"]["mask_rows"] = rows[:-1]
    with pytest.raises(FormatError, match="mask"):
        EventSet.from_json(obj)
    plain = es.to_json()  # the grid without the mask, as written before it existed
    del plain["texture"]["mask_rows"], plain["texture"]["mask"]
    back = EventSet.from_json(plain)
    assert back.texture is not None and not back.texture.mask.any()
    np.testing.assert_array_equal(back.texture.codes, es.texture.codes)  # type: ignore[union-attr]


def test_masked_sections_keep_the_smaller_coding_of_the_codes() -> None:
    """Range coding usually wins; a section whose codes are zstd (method 1) reads all the same."""
    es = _textured()
    data = encode_evc(es)
    first_chunk = _first_chunk(bytearray(data))
    assert data[first_chunk + 13] == METHOD_RANGE
    assert es.texture is not None
    codes = es.texture.fitted(2 * CHUNK_SAMPLES).codes[:FRAMES_PER_CHUNK]
    method, stored = payload.compress(pack_texture(codes), payload.compressor())
    np.testing.assert_array_equal(unpack_codes(method, stored), codes)
    np.testing.assert_array_equal(unpack_codes(*pack_codes(codes, payload.compressor())), codes)
