"""A chunk's texture bytes (version 2): its 32 frames x 32 bands of codes, band by band, as time deltas.

Layout: for each band, the codes of the chunk's frames as differences from the previous frame of that
band (the first from 0), modulo 256; N_BANDS * FRAMES_PER_CHUNK bytes before entropy coding, placed
before the events' payload. Levels move slowly, so the deltas are mostly 0 and +-1 and zstd packs them.
"""

from __future__ import annotations

import numpy as np

from eventcodec.errors import FormatError
from eventcodec.format.header import CHUNK_SAMPLES
from eventcodec.texture.grid import FRAME_SAMPLES, N_BANDS

FRAMES_PER_CHUNK = CHUNK_SAMPLES // FRAME_SAMPLES
TEXTURE_BYTES = FRAMES_PER_CHUNK * N_BANDS


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
