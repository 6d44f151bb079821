"""A chunk's texture bytes (version 2): its 32 frames x 32 bands of codes, band by band, as time deltas,
then (on the masked grid) its 8 mask rows.

Layout: for each band, the codes of the chunk's frames as differences from the previous frame of that
band (the first from 0), modulo 256; N_BANDS * FRAMES_PER_CHUNK bytes before entropy coding, placed
before the events' payload. Levels move slowly, so the deltas are mostly 0 and +-1 and zstd packs them.
On the masked grid (`GRID`, header key texture.mask) the section's body is
    codes_len u16 | the codes as stored | the chunk's SEGMENTS_PER_CHUNK x MASK_BINS mask range coded
    (`bitcoder`) to the end of the section, at most MASK_MAX_BYTES,
and the codes may also be stored range coded (`texture_method` METHOD_RANGE, `bitcoder.encode_levels`):
the writer keeps whichever of that and zstd is smaller (range coding: ~30 % fewer bits on real music).
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from eventcodec.errors import FormatError
from eventcodec.format import bitcoder, payload
from eventcodec.format.header import CHUNK_SAMPLES
from eventcodec.texture.grid import FRAME_SAMPLES, MASK_BINS, MAX_CODE, N_BANDS, SEGMENT_SAMPLES

FRAMES_PER_CHUNK = CHUNK_SAMPLES // FRAME_SAMPLES
SEGMENTS_PER_CHUNK = CHUNK_SAMPLES // SEGMENT_SAMPLES
TEXTURE_BYTES = FRAMES_PER_CHUNK * N_BANDS
MASK_MAX_BYTES = 2048  # the coder's worst case for 8 x 185 bits is ~1.1 kB
METHOD_RANGE = 2  # texture codes range coded (masked grid only); 0 and 1 are `payload`'s stored and zstd
_CODES_LEN = struct.Struct("<H")


def check_codes(codes: np.ndarray, where: str) -> np.ndarray:
    """`codes` when every one is a texture level the format knows (0..MAX_CODE); FormatError naming `where`."""
    if codes.size and int(codes.max()) > MAX_CODE:
        raise FormatError(f"{where}: texture code {int(codes.max())} is out of range [0, {MAX_CODE}]")
    return codes


def pack_texture(codes: np.ndarray) -> bytes:
    """(FRAMES_PER_CHUNK, N_BANDS) uint8 codes -> TEXTURE_BYTES bytes."""
    if codes.shape != (FRAMES_PER_CHUNK, N_BANDS):
        raise FormatError(f"a chunk's texture must be ({FRAMES_PER_CHUNK}, {N_BANDS}) codes, got {codes.shape}")
    deltas = np.diff(codes.astype(np.int64).T, axis=1, prepend=0) % 256
    return deltas.astype(np.uint8).tobytes()


def unpack_texture(raw: bytes) -> np.ndarray:
    """Inverse of `pack_texture`; FormatError when `raw` is too short."""
    if len(raw) != TEXTURE_BYTES:
        raise FormatError(f"a chunk's texture must hold {TEXTURE_BYTES} bytes, got {len(raw)}")
    deltas = np.frombuffer(raw, np.uint8, TEXTURE_BYTES).reshape(N_BANDS, FRAMES_PER_CHUNK).astype(np.int64)
    return (np.cumsum(deltas, axis=1) % 256).T.astype(np.uint8)


def pack_mask(codes_stored: bytes, mask: np.ndarray) -> bytes:
    """A masked section's body: codes_len u16 | the codes as stored | the (SEGMENTS_PER_CHUNK, MASK_BINS) mask
    range coded (apart from zstd, whose literal tables the coded bits would spoil)."""
    if mask.shape != (SEGMENTS_PER_CHUNK, MASK_BINS):
        raise FormatError(f"a chunk's mask must be ({SEGMENTS_PER_CHUNK}, {MASK_BINS}), got {mask.shape}")
    coded = bitcoder.encode(mask)
    if len(coded) > MASK_MAX_BYTES or len(codes_stored) > 0xFFFF:
        raise FormatError("a chunk's texture section is too large")
    return _CODES_LEN.pack(len(codes_stored)) + codes_stored + coded


def unpack_mask(body: bytes) -> tuple[bytes, np.ndarray]:
    """Inverse of `pack_mask`: (the codes as stored, the mask rows); FormatError on bad lengths."""
    if len(body) < _CODES_LEN.size:
        raise FormatError("a texture section is too short for its mask")
    (n,) = _CODES_LEN.unpack_from(body)
    end = _CODES_LEN.size + n
    if end > len(body) or len(body) - end > MASK_MAX_BYTES:
        raise FormatError("a texture section's lengths do not match its size")
    return bytes(body[_CODES_LEN.size : end]), bitcoder.decode(bytes(body[end:]), SEGMENTS_PER_CHUNK, MASK_BINS)


def pack_codes(codes: np.ndarray, zstd: zstandard.ZstdCompressor) -> tuple[int, bytes]:
    """A masked-grid chunk's codes (FRAMES_PER_CHUNK, N_BANDS) as (method, stored bytes): the smaller of
    zstd on `pack_texture` and range coding."""
    method, stored = payload.compress(pack_texture(codes), zstd)
    coded = bitcoder.encode_levels(codes)
    return (METHOD_RANGE, coded) if len(coded) < len(stored) else (method, stored)


def unpack_codes(method: int, stored: bytes) -> np.ndarray:
    """Inverse of `pack_codes` (and of the plain grid's zstd or stored codes); FormatError on bad bytes."""
    if method == METHOD_RANGE:
        return bitcoder.decode_levels(stored, FRAMES_PER_CHUNK, N_BANDS)
    return unpack_texture(payload.decompress(method, stored, TEXTURE_BYTES))
