"""One chunk's payload: delta-coded times as varints, then quantized values column by column.

Layout before entropy coding (n = events in the chunk; an empty chunk has no payload):
    n varints: the first event's offset from the chunk start, then the gap to the previous event;
    8 bytes: a 2-bit storage mode per column (column j in byte j // 4, bits 2 * (j % 4)):
        0 every value is the column's reference code (a control's default; nothing stored),
        1 every value is one code (stored once), 2 raw (n values);
    then, for each column of mode 1 or 2: its values, one byte each (bits <= 8) or all high bytes then
    all low bytes (bits > 8).
Most controls sit at their default for a whole chunk and cost nothing; the rest are stored column by
column so zstd sees their runs.
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


MODE_REFERENCE, MODE_CONSTANT, MODE_RAW = 0, 1, 2
MODE_BYTES = 8  # 2 bits for each of the 32 columns


def column_bytes(bits: tuple[int, ...]) -> int:
    """Bytes one event's quantized values take in the payload when every column is stored raw."""
    return sum(0 if b == 0 else 1 if b <= 8 else 2 for b in bits)


def max_raw_size(n_events: int, bits: tuple[int, ...]) -> int:
    """Upper bound of a chunk's payload size before entropy coding."""
    return n_events * (MAX_VARINT_BYTES + column_bytes(bits)) + (MODE_BYTES if n_events else 0)


def _planes(values: np.ndarray, b: int) -> bytes:
    if b <= 8:
        return values.astype(np.uint8).tobytes()
    return (values >> 8).astype(np.uint8).tobytes() + (values & 0xFF).astype(np.uint8).tobytes()


def _column_mode(col: np.ndarray, ref: int) -> int:
    if np.all(col == ref):
        return MODE_REFERENCE
    return MODE_CONSTANT if np.all(col == col[0]) else MODE_RAW


def pack(times_rel: np.ndarray, codes: np.ndarray, bits: tuple[int, ...], ref_codes: np.ndarray) -> bytes:
    """Raw payload of one chunk.

    Args:
        times_rel: (n,) int64 sorted times in samples relative to the chunk start, each in [0, 2**16).
        codes: (n, 32) int64 quantized values, code j in [0, 2**bits[j]).
        bits: (32,) bits per column.
        ref_codes: (32,) int64 the code of each column's reference value (a control's default).
    """
    if len(times_rel) == 0:
        return b""
    parts = [_encode_varints(np.diff(times_rel, prepend=0))]
    modes = [MODE_REFERENCE if b == 0 else _column_mode(codes[:, j], int(ref_codes[j])) for j, b in enumerate(bits)]
    packed = np.zeros(MODE_BYTES, np.uint8)
    for j, m in enumerate(modes):
        packed[j // 4] |= m << (2 * (j % 4))
    parts.append(packed.tobytes())
    for j, (b, m) in enumerate(zip(bits, modes, strict=True)):
        if m == MODE_CONSTANT:
            parts.append(_planes(codes[:1, j], b))
        elif m == MODE_RAW:
            parts.append(_planes(codes[:, j], b))
    return b"".join(parts)


def _read_planes(raw: bytes, pos: int, n: int, b: int) -> tuple[np.ndarray, int]:
    size = n if b <= 8 else 2 * n
    if pos + size > len(raw):
        raise FormatError("chunk payload is shorter than its columns")
    if b <= 8:
        return np.frombuffer(raw, np.uint8, n, pos).astype(np.int64), pos + n
    high = np.frombuffer(raw, np.uint8, n, pos).astype(np.int64)
    low = np.frombuffer(raw, np.uint8, n, pos + n).astype(np.int64)
    return (high << 8) | low, pos + 2 * n


def unpack(raw: bytes, n_events: int, bits: tuple[int, ...], chunk_samples: int,
           ref_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `pack`: (times_rel (n,) int64, codes (n, 32) int64); FormatError if malformed."""
    codes = np.zeros((n_events, len(bits)), dtype=np.int64)
    if n_events == 0:
        if raw:
            raise FormatError("empty chunk has a payload")
        return np.zeros(0, np.int64), codes
    gaps, pos = _decode_varints(raw, n_events)
    times_rel = np.cumsum(gaps)
    if times_rel[-1] >= chunk_samples:
        raise FormatError("chunk holds an event time beyond the chunk's end")
    if pos + MODE_BYTES > len(raw):
        raise FormatError("chunk payload ends before its column modes")
    packed = raw[pos : pos + MODE_BYTES]
    pos += MODE_BYTES
    for j, b in enumerate(bits):
        mode = (packed[j // 4] >> (2 * (j % 4))) & 3
        if mode == MODE_REFERENCE:
            codes[:, j] = ref_codes[j]
            continue
        if b == 0 or mode > MODE_RAW:
            raise FormatError(f"chunk has an invalid storage mode for column {j}")
        values, pos = _read_planes(raw, pos, 1 if mode == MODE_CONSTANT else n_events, b)
        if values.max() >= 1 << b:
            raise FormatError(f"chunk holds a value out of range for column {j} ({b} bits)")
        codes[:, j] = values
    if pos != len(raw):
        raise FormatError("chunk payload size does not match its event count")
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
