"""One chunk's payload: delta-coded times as varints, then quantized values column by column.

Layout before entropy coding (n = events in the chunk):
    n varints: the first event's offset from the chunk start, then the gap to the previous event;
    for each column j with bits[j] > 0: n bytes (bits <= 8), or n high bytes then n low bytes (bits > 8).
Storing a column's values together lets zstd see the runs (most controls sit at a few values).
"""

from __future__ import annotations

import numpy as np
import zstandard

from eventcodec.errors import FormatError

METHOD_STORED = 0
METHOD_ZSTD = 1
ZSTD_LEVEL = 19
MAX_VARINT_BYTES = 3  # gaps are < 2**16 samples inside a chunk: at most 3 bytes of 7 bits

_ZSTD_PARAMS = zstandard.ZstdCompressionParameters.from_level(
    ZSTD_LEVEL, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_checksum=0, write_content_size=0, write_dict_id=0
)


def _encode_varints(values: np.ndarray) -> bytes:
    out = bytearray()
    for v in values.tolist():
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def _decode_varints(raw: bytes, n: int) -> tuple[np.ndarray, int]:
    """First `n` varints of `raw` and the bytes they used; FormatError if malformed."""
    values = np.empty(n, dtype=np.int64)
    pos = 0
    for i in range(n):
        v, shift = 0, 0
        while True:
            if pos >= len(raw):
                raise FormatError("chunk payload ends inside the event times")
            byte = raw[pos]
            pos += 1
            v |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if byte == 0 and shift > 7:
                    raise FormatError("chunk payload has a non-canonical event time")
                break
            if shift >= 7 * MAX_VARINT_BYTES:
                raise FormatError("chunk payload has an event time that is too large")
        values[i] = v
    return values, pos


def column_bytes(bits: tuple[int, ...]) -> int:
    """Bytes one event's quantized values take in the payload."""
    return sum(0 if b == 0 else 1 if b <= 8 else 2 for b in bits)


def max_raw_size(n_events: int, bits: tuple[int, ...]) -> int:
    """Upper bound of a chunk's payload size before entropy coding."""
    return n_events * (MAX_VARINT_BYTES + column_bytes(bits))


def pack(times_rel: np.ndarray, codes: np.ndarray, bits: tuple[int, ...]) -> bytes:
    """Raw payload of one chunk.

    Args:
        times_rel: (n,) int64 sorted times in samples relative to the chunk start, each in [0, 2**16).
        codes: (n, 32) int64 quantized values, code j in [0, 2**bits[j]).
        bits: (32,) bits per column.
    """
    gaps = np.diff(times_rel, prepend=0)
    parts = [_encode_varints(gaps)]
    for j, b in enumerate(bits):
        col = codes[:, j]
        if b == 0:
            continue
        if b <= 8:
            parts.append(col.astype(np.uint8).tobytes())
        else:
            parts.append((col >> 8).astype(np.uint8).tobytes() + (col & 0xFF).astype(np.uint8).tobytes())
    return b"".join(parts)


def unpack(raw: bytes, n_events: int, bits: tuple[int, ...], chunk_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `pack`: (times_rel (n,) int64, codes (n, 32) int64); FormatError if malformed."""
    gaps, pos = _decode_varints(raw, n_events)
    times_rel = np.cumsum(gaps)
    if n_events and times_rel[-1] >= chunk_samples:
        raise FormatError("chunk holds an event time beyond the chunk's end")
    if len(raw) - pos != n_events * column_bytes(bits):
        raise FormatError("chunk payload size does not match its event count")
    codes = np.zeros((n_events, len(bits)), dtype=np.int64)
    for j, b in enumerate(bits):
        if b == 0:
            continue
        if b <= 8:
            codes[:, j] = np.frombuffer(raw, np.uint8, n_events, pos)
            pos += n_events
        else:
            high = np.frombuffer(raw, np.uint8, n_events, pos).astype(np.int64)
            low = np.frombuffer(raw, np.uint8, n_events, pos + n_events).astype(np.int64)
            codes[:, j] = (high << 8) | low
            pos += 2 * n_events
        if n_events and codes[:, j].max() >= 1 << b:
            raise FormatError(f"chunk holds a value out of range for column {j} ({b} bits)")
    return times_rel, codes


def compress(raw: bytes) -> tuple[int, bytes]:
    """(method, stored bytes): zstd when it is smaller, else the raw bytes."""
    if not raw:
        return METHOD_STORED, b""
    packed = zstandard.ZstdCompressor(compression_params=_ZSTD_PARAMS).compress(raw)
    return (METHOD_ZSTD, packed) if len(packed) < len(raw) else (METHOD_STORED, raw)


def decompress(method: int, stored: bytes, max_size: int) -> bytes:
    """Inverse of `compress`; never produces more than `max_size` bytes."""
    if method == METHOD_STORED:
        return stored
    if method != METHOD_ZSTD:
        raise FormatError(f"unknown chunk compression method {method}")
    if max_size == 0:
        raise FormatError("compressed chunk has no events")
    try:
        dctx = zstandard.ZstdDecompressor(format=zstandard.FORMAT_ZSTD1_MAGICLESS)
        return dctx.decompress(stored, max_output_size=max_size)
    except zstandard.ZstdError as e:
        raise FormatError(f"chunk cannot be decompressed: {e}") from None
