"""The .gab container of the Gabor baseline, built like .evc: delta-coded times, 8-bit columns, zstd.

Layout: b"GABR", u8 version, u32 sample_rate, u64 n_samples, u32 n_atoms (little endian), then one zstd
frame holding n varints (first atom's start + max(SCALES), then gaps between time-sorted starts) followed
by the scale, freq, amp and phase columns, n bytes each.
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from eventcodec.baselines.gabor_atoms import SCALES, GaborAtoms
from eventcodec.errors import FormatError

MAGIC = b"GABR"
VERSION = 1
_HEADER = struct.Struct("<4sBIQI")
ZSTD_LEVEL = 19
_COLUMNS = ("scale", "freq", "amp", "phase")


def _varints(values: np.ndarray) -> bytes:
    out = bytearray()
    for v in values.tolist():
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def _read_varints(raw: bytes, n: int) -> tuple[np.ndarray, int]:
    values = np.empty(n, dtype=np.int64)
    pos = 0
    for i in range(n):
        v, shift = 0, 0
        while True:
            if pos >= len(raw) or shift > 56:
                raise FormatError("Gabor payload ends inside the atom times")
            byte = raw[pos]
            pos += 1
            v |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values[i] = v
    return values, pos


def atoms_to_bytes(atoms: GaborAtoms) -> bytes:
    """Serialise time-sorted atoms (raises FormatError if they are not sorted)."""
    starts = atoms.start.astype(np.int64) + max(SCALES)
    gaps = np.diff(starts, prepend=0)
    if len(gaps) and gaps.min() < 0:
        raise FormatError("Gabor atoms must be sorted by time (and start at >= -max(SCALES))")
    raw = _varints(gaps) + b"".join(np.asarray(getattr(atoms, c), dtype=np.uint8).tobytes() for c in _COLUMNS)
    body = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(raw)
    return _HEADER.pack(MAGIC, VERSION, atoms.sample_rate, atoms.n_samples, len(atoms)) + body


def atoms_from_bytes(data: bytes) -> GaborAtoms:
    """Parse a .gab file; FormatError on anything malformed."""
    if len(data) < _HEADER.size:
        raise FormatError("not a Gabor baseline file (too short)")
    magic, version, rate, n_samples, n = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise FormatError("not a Gabor baseline file (bad magic)")
    if version != VERSION:
        raise FormatError(f"unsupported Gabor file version {version}")
    if rate == 0:
        raise FormatError("Gabor file has sample rate 0")
    try:
        raw = zstandard.ZstdDecompressor().decompress(data[_HEADER.size :], max_output_size=14 * n + 16)
    except zstandard.ZstdError as e:
        raise FormatError(f"Gabor payload cannot be decompressed: {e}") from None
    gaps, pos = _read_varints(raw, n)
    if len(raw) != pos + 4 * n:
        raise FormatError("Gabor payload has the wrong size")
    cols = [np.frombuffer(raw, dtype=np.uint8, count=n, offset=pos + i * n).copy() for i in range(4)]
    if n and int(cols[0].max()) >= len(SCALES):
        raise FormatError("Gabor payload holds an unknown scale index")
    return GaborAtoms(np.cumsum(gaps) - max(SCALES), cols[0], cols[1], cols[2], cols[3], int(rate), int(n_samples))
