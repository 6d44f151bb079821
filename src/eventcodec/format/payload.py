"""One chunk's payload: bit-packed time gaps, then quantized values column by column.

Layout before entropy coding (n = events in the chunk > 0; an empty chunk has no payload):
    1 byte w (0..16), then n time gaps packed in w bits each (MSB first, zero-padded to a byte): the
        first event's offset from the chunk start, then each event's gap to the previous one;
    8 bytes: a 2-bit storage mode per column (column j in byte j // 4, bits 2 * (j % 4)):
        0 every value is the column's reference code (a control's default; nothing stored),
        1 every value is one code (stored once), 2 raw (n codes),
        3 sparse (an n-bit mask of the events that differ from the reference code, MSB first and
          zero-padded to a byte, then the codes of those k events);
    then, for each column of mode 1, 2 or 3, its codes: one byte each at 8 bits, all high bytes then all
        low bytes at 16 bits, otherwise packed in `bits` bits each (MSB first, zero-padded to a byte).
Most controls sit at their default for a whole chunk and cost nothing; whole bytes at 8 and 16 bits
let zstd find the runs of the columns that move.
"""

from __future__ import annotations

import io

import numpy as np
import zstandard

from eventcodec.errors import FormatError

METHOD_STORED = 0
METHOD_ZSTD = 1
ZSTD_LEVEL = 19
MAX_GAP_BITS = 16  # times inside a 2**16-sample chunk
MODE_REFERENCE, MODE_CONSTANT, MODE_RAW, MODE_SPARSE = 0, 1, 2, 3
MODE_BYTES = 8  # 2 bits for each of the 32 columns

_ZSTD_PARAMS = zstandard.ZstdCompressionParameters.from_level(
    ZSTD_LEVEL, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_checksum=0, write_content_size=0, write_dict_id=0
)


def _packed_size(n: int, b: int) -> int:
    return n * 2 if b == 16 else n if b == 8 else -(-n * b // 8)


def _pack_codes(values: np.ndarray, b: int) -> bytes:
    """(n,) codes < 2**b -> bytes (see the module docstring)."""
    v = values.astype(np.int64)
    if b == 8:
        return v.astype(np.uint8).tobytes()
    if b == 16:
        return (v >> 8).astype(np.uint8).tobytes() + (v & 0xFF).astype(np.uint8).tobytes()
    if b == 0:
        return b""
    bit_matrix = (v[:, None] >> np.arange(b - 1, -1, -1)) & 1
    return np.packbits(bit_matrix.astype(np.uint8).reshape(-1)).tobytes()


def _unpack_codes(raw: bytes, pos: int, n: int, b: int, what: str) -> tuple[np.ndarray, int]:
    """n codes of b bits from raw[pos:], and the position after them; FormatError when raw is too short."""
    size = _packed_size(n, b)
    if pos + size > len(raw):
        raise FormatError(f"chunk payload ends inside {what}")
    chunk = np.frombuffer(raw, np.uint8, size, pos).astype(np.int64)
    if b == 8:
        return chunk, pos + size
    if b == 16:
        return (chunk[:n] << 8) | chunk[n:], pos + size
    if b == 0:
        return np.zeros(n, np.int64), pos
    bit_matrix = np.unpackbits(chunk.astype(np.uint8), count=n * b).reshape(n, b).astype(np.int64)
    return bit_matrix @ (np.int64(1) << np.arange(b - 1, -1, -1)), pos + size


def column_bytes(bits: tuple[int, ...]) -> int:
    """Most bytes one event's quantized values take in the payload."""
    return sum(0 if b == 0 else 1 if b <= 8 else 2 for b in bits)


def max_raw_size(n_events: int, bits: tuple[int, ...]) -> int:
    """Upper bound of a chunk's payload size before entropy coding."""
    if n_events == 0:
        return 0
    return 1 + 2 * n_events + MODE_BYTES + len(bits) * -(-n_events // 8) + n_events * column_bytes(bits)


def _column_modes(codes: np.ndarray, bits: tuple[int, ...], ref_codes: np.ndarray) -> list[int]:
    """Storage mode of each column of a chunk's codes (n >= 1, 32): the smallest, raw on a tie."""
    n = len(codes)
    b = np.asarray(bits)
    differs = codes != ref_codes
    is_ref = ~np.any(differs, axis=0) | (b == 0)
    is_const = np.all(codes == codes[:1], axis=0)
    raw_size = np.array([_packed_size(n, int(x)) for x in bits])
    sparse_size = -(-n // 8) + np.array([_packed_size(int(k), int(x)) for k, x in zip(differs.sum(0), bits,
                                                                                          strict=True)])
    varying = np.where(sparse_size < raw_size, MODE_SPARSE, MODE_RAW)
    return np.where(is_ref, MODE_REFERENCE, np.where(is_const, MODE_CONSTANT, varying)).tolist()


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
    gaps = np.diff(np.asarray(times_rel, dtype=np.int64), prepend=0)
    width = int(gaps.max()).bit_length()
    parts = [bytes([width]), _pack_codes(gaps, width)]
    modes = _column_modes(codes, bits, ref_codes)
    packed = np.zeros(MODE_BYTES, np.uint8)
    for j, m in enumerate(modes):
        packed[j // 4] |= m << (2 * (j % 4))
    parts.append(packed.tobytes())
    for j, (b, m) in enumerate(zip(bits, modes, strict=True)):
        col = codes[:, j]
        if m == MODE_CONSTANT:
            parts.append(_pack_codes(col[:1], b))
        elif m == MODE_RAW:
            parts.append(_pack_codes(col, b))
        elif m == MODE_SPARSE:
            differs = col != ref_codes[j]
            parts.append(np.packbits(differs.astype(np.uint8)).tobytes() + _pack_codes(col[differs], b))
    return b"".join(parts)


def unpack(raw: bytes, n_events: int, bits: tuple[int, ...], chunk_samples: int,
           ref_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `pack`: (times_rel (n,) int64, codes (n, 32) int64); FormatError if malformed."""
    codes = np.zeros((n_events, len(bits)), dtype=np.int64)
    if n_events == 0:
        if raw:
            raise FormatError("empty chunk has a payload")
        return np.zeros(0, np.int64), codes
    if not raw or raw[0] > MAX_GAP_BITS:
        raise FormatError("chunk payload has an invalid time width")
    gaps, pos = _unpack_codes(raw, 1, n_events, raw[0], "the event times")
    times_rel = np.cumsum(gaps)
    if times_rel[-1] >= chunk_samples:
        raise FormatError("chunk holds an event time beyond the chunk's end")
    if pos + MODE_BYTES > len(raw):
        raise FormatError("chunk payload ends before its column modes")
    modes = raw[pos : pos + MODE_BYTES]
    pos += MODE_BYTES
    for j, b in enumerate(bits):
        mode = (modes[j // 4] >> (2 * (j % 4))) & 3
        if mode == MODE_REFERENCE:
            codes[:, j] = ref_codes[j]
            continue
        if b == 0:
            raise FormatError(f"chunk stores values for column {j}, which has 0 bits")
        if mode == MODE_SPARSE:
            mask, pos = _unpack_codes(raw, pos, n_events, 1, f"column {j}")
            values, pos = _unpack_codes(raw, pos, int(mask.sum()), b, f"column {j}")
            codes[:, j] = ref_codes[j]
            codes[mask.astype(bool), j] = values
        else:
            values, pos = _unpack_codes(raw, pos, 1 if mode == MODE_CONSTANT else n_events, b, f"column {j}")
            codes[:, j] = values
    if pos != len(raw):
        raise FormatError("chunk payload size does not match its event count")
    return times_rel, codes


def compressor() -> zstandard.ZstdCompressor:
    """A zstd compressor with the format's parameters (reuse it across chunks: creating one is slow)."""
    return zstandard.ZstdCompressor(compression_params=_ZSTD_PARAMS)


def compress(raw: bytes, zstd: zstandard.ZstdCompressor | None = None) -> tuple[int, bytes]:
    """(method, stored bytes): zstd when it is smaller, else the raw bytes."""
    if not raw:
        return METHOD_STORED, b""
    packed = (zstd or compressor()).compress(raw)
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
        # A stream read: `decompress` would trust (and allocate) a content size that the frame claims.
        with dctx.stream_reader(io.BytesIO(stored)) as reader:
            raw = reader.read(max_size + 1)
        if len(raw) > max_size:
            raise FormatError(f"chunk decompresses to more than the {max_size} bytes its events can take")
        frame = dctx.decompressobj()  # the frame is known to be small now: where does it end?
        frame.decompress(stored)
    except zstandard.ZstdError as e:
        raise FormatError(f"chunk cannot be decompressed: {e}") from None
    if not frame.eof:
        raise FormatError("chunk's zstd frame is cut short")
    if frame.unused_data:
        raise FormatError(f"chunk has {len(frame.unused_data)} bytes after its zstd frame (the format has no slack)")
    return raw
