"""Values, not only structure (issue 22, items 4-6): texture codes, header strings and numbers, duplicate keys,
bytes after a zstd frame, and a decoder that never renders a non-finite sample."""

from __future__ import annotations

import json
import struct
import warnings
import zlib

import numpy as np
import pytest
from evc_helpers import realistic_set, rewrite_header

from eventcodec.codec import decode
from eventcodec.errors import EventCodecError, FormatError
from eventcodec.format import CHUNK_SAMPLES, decode_evc, encode_evc, payload, texture_sections
from eventcodec.format.container import texture_section, write
from eventcodec.format.header import Header, parse_json, printable
from eventcodec.format.quantizer import controls_quantizer
from eventcodec.format.texture_payload import FRAMES_PER_CHUNK, SEGMENTS_PER_CHUNK, pack_codes, pack_mask
from eventcodec.texture.grid import GRID, MASK_BINS, MAX_CODE, N_BANDS, Texture


def _texture_file(code: int) -> bytes:
    """A one-chunk file, no events, every texture code `code`: assembled below the writer's checks, as a
    crafted file would be."""
    codes = np.full((FRAMES_PER_CHUNK, N_BANDS), code, np.uint8)
    method, stored = pack_codes(codes, payload.compressor())
    section = texture_section(method, pack_mask(stored, np.zeros((SEGMENTS_PER_CHUNK, MASK_BINS), np.uint8)))
    header = Header(22050, CHUNK_SAMPLES, "controls", "", CHUNK_SAMPLES, 1, 0, controls_quantizer(), {}, GRID)
    return write(header, [(0, payload.METHOD_STORED, section)])


def test_texture_codes_past_the_range_are_refused_by_reader_and_writer() -> None:
    assert decode_evc(_texture_file(MAX_CODE)).texture is not None
    with pytest.raises(FormatError, match=rf"chunk 0: texture code 255 is out of range \[0, {MAX_CODE}\]"):
        decode_evc(_texture_file(255))
    with pytest.raises(EventCodecError, match="texture codes must lie in"):
        Texture(np.full((4, N_BANDS), 255))
    events = realistic_set(10, 2.0).replace(texture=Texture(np.full((22, N_BANDS), 10)))
    events.texture.codes[3, 4] = 255  # changed after the checks of Texture
    with pytest.raises(EventCodecError, match="texture code"):
        encode_evc(events)
    with pytest.raises(FormatError, match="texture code 255 is out of range"):
        texture_sections(events.texture.codes, events.texture.mask)


def test_decoder_never_renders_a_non_finite_sample() -> None:
    events = realistic_set(5, 1.0).replace(texture=Texture(np.full((11, N_BANDS), 10)))
    events.texture.codes[:] = 255  # past every check: the final guard still holds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        audio = decode(events)
    assert np.all(np.isfinite(audio))


def test_header_strings_must_be_unicode() -> None:
    events = realistic_set(5, 1.0)
    for bad in ({"model_hash": "\ud800"}, {"meta": {"source": "a\udfffb"}}, {"meta": {"\ud800": 1}}):
        with pytest.raises(FormatError, match="lone surrogate"):
            encode_evc(events.replace(**bad))
    crafted = rewrite_header(encode_evc(events), lambda h: h.update(model_hash="\ud800"))
    with pytest.raises(FormatError, match="lone surrogate"):
        decode_evc(crafted)


def _edit_header_text(data: bytes, old: bytes, new: bytes) -> bytes:
    """`data` (header stored uncompressed) with `old` replaced by `new` in the header JSON, CRC fixed."""
    head_len = struct.unpack_from("<I", data, 12)[0]
    head = data[20 : 20 + head_len]
    assert old in head
    head = head.replace(old, new)
    return data[:8] + struct.pack("<HHII", *struct.unpack_from("<HH", data, 8), len(head), zlib.crc32(head)) + head \
        + data[20 + head_len :]


def test_numbers_beyond_float_range_and_repeated_keys_are_refused() -> None:
    data = rewrite_header(encode_evc(realistic_set(5, 1.0)), lambda h: h.update(meta={"gain": 12345.5, "a": 1}))
    with pytest.raises(FormatError, match="1e400, which is beyond the range of a float"):
        decode_evc(_edit_header_text(data, b"12345.5", b"1e400"))
    with pytest.raises(FormatError, match="key 'a' twice"):
        decode_evc(_edit_header_text(data, b'"a":1', b'"a":1,"a":2'))
    with pytest.raises(FormatError, match="twice"):
        parse_json('{"events": [], "events": []}', "dump")
    with pytest.raises(FormatError, match="beyond the range"):
        parse_json('{"meta": {"x": -1e400}}', "dump")


def test_bytes_after_a_zstd_frame_are_refused() -> None:
    raw = bytes(range(64)) * 8
    method, stored = payload.compress(raw)
    assert method == payload.METHOD_ZSTD and payload.decompress(method, stored, len(raw)) == raw
    with pytest.raises(FormatError, match="2 bytes after its zstd frame"):
        payload.decompress(method, stored + b"\0\0", len(raw))
    with pytest.raises(FormatError, match=r"cut short|cannot be decompressed"):
        payload.decompress(method, stored[:-2], len(raw))
    # and in a whole file: a chunk whose stored events carry slack
    events = realistic_set(200, 2.0)
    q = controls_quantizer()
    packed = payload.pack(events.times, q.quantize(events.vectors), q.bits, q.reference_codes("controls"))
    method, stored = payload.compress(packed)
    header = Header(22050, events.n_samples, "controls", "", CHUNK_SAMPLES, 1, len(events), q, {})
    assert decode_evc(write(header, [(len(events), method, stored)])) is not None
    with pytest.raises(FormatError, match="after its zstd frame"):
        decode_evc(write(header, [(len(events), method, stored + b"junk")]))


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("plain ascii-é") == "plain ascii-é"
    assert printable("\x1b[2J\r\nx\ud800\\") == "\\x1b[2J\\x0d\\x0ax\\ud800\\\\"
    assert json.loads(json.dumps("x")) == "x"


def _swap_chunks(data: bytes, a: int, b: int) -> bytes:
    """`data` with chunks a and b swapped and the seek index rebuilt to match (CRCs left as they were)."""
    index_offset, n_chunks = struct.unpack_from("<QI", data, len(data) - 20)
    starts = [struct.unpack_from("<Q", data, index_offset + 12 * i)[0] for i in range(n_chunks)]
    chunks = [data[s:e] for s, e in zip(starts, [*starts[1:], index_offset], strict=True)]
    chunks[a], chunks[b] = chunks[b], chunks[a]
    out, index = bytearray(data[: starts[0]]), b""
    for chunk in chunks:
        index += struct.pack("<QI", len(out), struct.unpack_from("<I", chunk)[0])
        out += chunk
    return bytes(out + index + struct.pack("<QII4s", len(out), n_chunks, zlib.crc32(index), b"EVC."))


def test_swapped_chunks_are_refused() -> None:
    data = encode_evc(realistic_set(300, 9.0))
    assert decode_evc(_swap_chunks(_swap_chunks(data, 0, 2), 0, 2)) == decode_evc(data)  # the helper is exact
    with pytest.raises(FormatError, match="chunk 0 is corrupt or out of place"):
        decode_evc(_swap_chunks(data, 0, 2))
