"""The .evc container, versions 1, 2 and 3 (spec: docs/format.md).

    magic "\\x89EVC\\r\\n\\x1a\\n" | version u16 | flags u16 | header_len u32 | header_crc u32 | header
    (flags bit 0: the header JSON is zstd-compressed; the writer sets it when that is smaller)
    chunk * n_chunks: n_events u32 | method u8 | stored_len u32 | crc u32 | stored payload
    index: (chunk offset u64, n_events u32) * n_chunks
    footer: index_offset u64 | n_chunks u32 | index_crc u32 | "EVC."
Version 2 is version 1 plus a noise texture: the header has a "texture" key and every chunk's stored payload
starts with its texture section, compressed on its own (mixed with the events zstd packs both ~8% worse):
    texture_method u8 | texture_len u32 | texture stored bytes (format/texture_payload.py) | events stored bytes
Version 3 is version 2 with the texture optional (the header's "texture" key says) and each chunk's CRC
seeded with its index (u32), so a chunk moved to another place in the file fails its CRC. This writer
writes version 3; versions 1 and 2 are read as before. The texture grid in the header says whether a texture
section holds a fine-structure mask after its codes (`texture.grid.GRID`) or not (`GRID_PLAIN`).
All integers little-endian. Every count is checked against the bytes that remain before anything is allocated.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import BinaryIO

import numpy as np

from eventcodec.errors import FormatError
from eventcodec.format import payload
from eventcodec.format.header import MAX_EVENTS_PER_CHUNK, MAX_HEADER_BYTES, Header
from eventcodec.format.texture_payload import (
    SEGMENTS_PER_CHUNK,
    TEXTURE_BYTES,
    check_codes,
    unpack_codes,
    unpack_mask,
    unpack_texture,
)
from eventcodec.texture.grid import MASK_BINS

MAGIC = b"\x89EVC\r\n\x1a\n"
END_MAGIC = b"EVC."
FLAG_HEADER_ZSTD = 1
VERSION = 3  # the newest this reader knows, and what the writer writes: chunk CRCs cover the chunk's index
VERSION_TEXTURE = 2  # texture in every chunk, CRC without the index
VERSION_PLAIN = 1  # no texture, CRC without the index
_PREAMBLE = struct.Struct("<HHII")
_CHUNK = struct.Struct("<IBII")
_CHUNK_FIELDS = struct.Struct("<IBI")
_INDEX = struct.Struct("<QI")
_FOOTER = struct.Struct("<QII4s")
_TEXTURE = struct.Struct("<BI")
_CHUNK_NO = struct.Struct("<I")


def chunk_crc(version: int, i: int, fields: bytes, stored: bytes) -> int:
    """CRC-32 of chunk `i`: over its index (version 3 on), its 9 field bytes and its stored bytes."""
    seed = zlib.crc32(_CHUNK_NO.pack(i)) if version >= VERSION else 0
    return zlib.crc32(stored, zlib.crc32(fields, seed))


def texture_section(method: int, body: bytes) -> bytes:
    """A chunk's texture section (version 2): method u8 | length u32 | body (texture_payload.py)."""
    return _TEXTURE.pack(method, len(body)) + body


def write(header: Header, chunks: list[tuple[int, int, bytes]]) -> bytes:
    """Assemble a file from a header and its chunks, each (n_events, compression method, stored bytes)."""
    for n_events, _, _ in chunks:
        if n_events > MAX_EVENTS_PER_CHUNK:
            raise FormatError(f"a chunk of {header.chunk_samples} samples holds {n_events} events; "
                              f"the limit is {MAX_EVENTS_PER_CHUNK}")
    head = header.to_bytes()
    Header.from_bytes(head)  # never write what the reader would refuse (rate, length, hash limits)
    method, stored_head = payload.compress(head)
    flags = FLAG_HEADER_ZSTD if method == payload.METHOD_ZSTD else 0
    out = io.BytesIO()
    out.write(MAGIC + _PREAMBLE.pack(VERSION, flags, len(stored_head), zlib.crc32(stored_head)) + stored_head)
    index = []
    for i, (n_events, method, stored) in enumerate(chunks):
        index.append(_INDEX.pack(out.tell(), n_events))
        fields = _CHUNK_FIELDS.pack(n_events, method, len(stored))
        out.write(fields + struct.pack("<I", chunk_crc(VERSION, i, fields, stored)) + stored)
    index_offset = out.tell()
    index_bytes = b"".join(index)
    out.write(index_bytes + _FOOTER.pack(index_offset, len(chunks), zlib.crc32(index_bytes), END_MAGIC))
    return out.getvalue()


class EvcReader:
    """Random access to the chunks of an .evc file: header and seek index are read and checked up front.

    Args:
        f: a readable, seekable binary file positioned anywhere.
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.size = f.seek(0, io.SEEK_END)
        self.header = self._read_header()
        self.offsets, self.counts = self._read_index()
        self._ref = self.header.quantizer.reference_codes(self.header.space)

    def _read(self, offset: int, n: int, what: str) -> bytes:
        if offset < 0 or n < 0 or offset + n > self.size:
            raise FormatError(f"file is truncated: {what} runs past the end ({self.size} bytes)")
        self._f.seek(offset)
        data = self._f.read(n)
        if len(data) != n:
            raise FormatError(f"file is truncated: {what} runs past the end")
        return data

    def _read_header(self) -> Header:
        if self.size < len(MAGIC) or self._read(0, len(MAGIC), "magic") != MAGIC:
            raise FormatError("not an .evc file (wrong magic bytes)")
        version, flags, head_len, head_crc = _PREAMBLE.unpack(self._read(len(MAGIC), _PREAMBLE.size, "preamble"))
        if version > VERSION:
            raise FormatError(f"file is .evc version {version}, newer than this reader (version {VERSION}); "
                              "upgrade eventcodec")
        if version not in (VERSION_PLAIN, VERSION_TEXTURE, VERSION):
            raise FormatError(f"unknown .evc version {version}")
        if flags & ~FLAG_HEADER_ZSTD:
            raise FormatError(f"unknown .evc flags {flags:#x}")
        if head_len > MAX_HEADER_BYTES:
            raise FormatError(f"header length {head_len} exceeds the limit of {MAX_HEADER_BYTES} bytes")
        self.header_end = len(MAGIC) + _PREAMBLE.size + head_len
        head = self._read(len(MAGIC) + _PREAMBLE.size, head_len, "header")
        if zlib.crc32(head) != head_crc:
            raise FormatError("header is corrupt (CRC mismatch)")
        if flags & FLAG_HEADER_ZSTD:
            try:
                head = payload.decompress(payload.METHOD_ZSTD, head, MAX_HEADER_BYTES)
            except FormatError:
                raise FormatError(f"header cannot be decompressed (or exceeds {MAX_HEADER_BYTES} bytes)") from None
        header = Header.from_bytes(head)
        if version != VERSION and (header.texture is not None) != (version == VERSION_TEXTURE):
            need = "" if version == VERSION_TEXTURE else "not "
            raise FormatError(f"a version {version} header must {need}have a texture")
        self.version = version
        return header

    def _read_index(self) -> tuple[np.ndarray, np.ndarray]:
        n_chunks = self.header.n_chunks
        if self.size < self.header_end + _FOOTER.size:
            raise FormatError("file is truncated: no room for the seek index")
        index_offset, n_listed, index_crc, end = _FOOTER.unpack(self._read(self.size - _FOOTER.size, _FOOTER.size,
                                                                           "footer"))
        if end != END_MAGIC:
            raise FormatError("file is truncated or corrupt (no end marker)")
        if n_listed != n_chunks:
            raise FormatError(f"seek index lists {n_listed} chunks, header says {n_chunks}")
        room = self.size - _FOOTER.size - self.header_end
        if n_chunks * (_INDEX.size + _CHUNK.size) > room:
            raise FormatError(f"header claims {n_chunks} chunks; the file is too short to hold them")
        if index_offset != self.size - _FOOTER.size - n_chunks * _INDEX.size:
            raise FormatError("seek index is not where the footer says")
        raw = self._read(index_offset, n_chunks * _INDEX.size, "seek index")
        if zlib.crc32(raw) != index_crc:
            raise FormatError("seek index is corrupt (CRC mismatch)")
        table = np.frombuffer(raw, dtype=np.dtype([("offset", "<u8"), ("n", "<u4")]), count=n_chunks)
        offsets, counts = table["offset"].astype(np.int64), table["n"].astype(np.int64)
        bounds = np.append(offsets, index_offset)
        if n_chunks and (offsets[0] != self.header_end or np.any(np.diff(bounds) < _CHUNK.size)):
            raise FormatError("seek index offsets are inconsistent")
        if n_chunks == 0 and index_offset != self.header_end:
            raise FormatError("seek index offsets are inconsistent")
        if np.any(counts > MAX_EVENTS_PER_CHUNK) or int(counts.sum()) != self.header.n_events:
            raise FormatError(f"seek index event counts do not add up to the header's {self.header.n_events}")
        if n_chunks > -(-self.header.n_samples // self.header.chunk_samples) and counts[-1] == 0:
            raise FormatError("file has an empty chunk past the end of its audio")
        self.index_offset = index_offset
        return offsets, counts

    def texture_bytes(self) -> int:
        """Bytes the texture sections take in the file (0 in version 1); reads 5 bytes per chunk."""
        if self.header.texture is None:
            return 0
        total = 0
        for i, offset in enumerate(self.offsets):
            _, tex_len = _TEXTURE.unpack(self._read(int(offset) + _CHUNK.size, _TEXTURE.size, f"chunk {i}"))
            total += _TEXTURE.size + tex_len
        return total

    def read_chunk(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Chunk `i` as (absolute times (n,) int64, codes (n, 32) int64); FormatError if it is corrupt."""
        times, codes, _ = self.read_chunk_with_texture(i)
        return times, codes

    def read_chunk_with_texture(
        self, i: int
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """Chunk `i` as (times, codes, texture (codes (32, 32), mask rows (8, 185)) uint8, or None in version 1)."""
        start = int(self.offsets[i])
        stop = int(self.offsets[i + 1]) if i + 1 < len(self.offsets) else self.index_offset
        fields = self._read(start, _CHUNK.size, f"chunk {i}")
        n_events, method, stored_len, crc = _CHUNK.unpack(fields)
        if start + _CHUNK.size + stored_len != stop or n_events != self.counts[i]:
            raise FormatError(f"chunk {i} does not match the seek index")
        stored = self._read(start + _CHUNK.size, stored_len, f"chunk {i}")
        if chunk_crc(self.version, i, fields[: _CHUNK_FIELDS.size], stored) != crc:
            raise FormatError(f"chunk {i} is corrupt or out of place (CRC mismatch)")
        bits = self.header.quantizer.bits
        texture = None
        if self.header.texture is not None:
            if len(stored) < _TEXTURE.size:
                raise FormatError(f"chunk {i} is too short for its texture section")
            tex_method, tex_len = _TEXTURE.unpack_from(stored)
            end = _TEXTURE.size + tex_len
            if end > len(stored):
                raise FormatError(f"chunk {i}: texture section runs past the chunk")
            body = stored[_TEXTURE.size : end]
            if "mask" in self.header.texture:
                body, mask = unpack_mask(body)
                texture = check_codes(unpack_codes(tex_method, body), f"chunk {i}"), mask
            else:
                mask = np.zeros((SEGMENTS_PER_CHUNK, MASK_BINS), np.uint8)
                codes = unpack_texture(payload.decompress(tex_method, body, TEXTURE_BYTES))
                texture = check_codes(codes, f"chunk {i}"), mask
            stored = stored[end:]
        raw = payload.decompress(method, stored, payload.max_raw_size(n_events, bits))
        times_rel, codes = payload.unpack(raw, n_events, bits, self.header.chunk_samples, self._ref)
        return times_rel + i * self.header.chunk_samples, codes, texture

    def read_range(
        self, first: int, stop: int
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray] | None]]:
        """Chunks first..stop-1: (times (n,) int64, codes (n, 32) int64, each chunk's texture or None)."""
        parts = [self.read_chunk_with_texture(i) for i in range(max(0, first), min(stop, self.header.n_chunks))]
        if not parts:
            return np.zeros(0, np.int64), np.zeros((0, len(self.header.quantizer.bits)), np.int64), []
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                [p[2] for p in parts])
