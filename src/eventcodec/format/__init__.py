"""The .evc file format: EventSet <-> bytes (binary, versioned, pickle-free) and its JSON form.

Spec: docs/format.md. Entry points: `encode_evc`, `decode_evc`, `read_evc` (a path, optionally a time range
read through the seek index), `evc_info`, `eventset_to_json`, `eventset_from_json`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import zstandard

from eventcodec.errors import FormatError
from eventcodec.format import payload
from eventcodec.format.container import EvcReader, texture_section, write
from eventcodec.format.header import CHUNK_SAMPLES, MAX_N_SAMPLES, Header
from eventcodec.format.jsonform import eventset_from_json, eventset_to_json
from eventcodec.format.quantizer import Quantizer, check_controls_range, controls_quantizer, latent_quantizer
from eventcodec.format.texture_payload import (
    FRAMES_PER_CHUNK,
    SEGMENTS_PER_CHUNK,
    check_codes,
    pack_codes,
    pack_mask,
)
from eventcodec.texture.grid import GRID, MASK_BINS, N_BANDS, Texture
from eventcodec.types import EventSet

__all__ = [
    "CHUNK_SAMPLES",
    "EvcReader",
    "Quantizer",
    "decode_evc",
    "encode_evc",
    "evc_info",
    "eventset_from_json",
    "eventset_to_json",
    "read_evc",
]

Bits = int | Sequence[int] | Mapping[str, int]


def choose_quantizer(events: EventSet, bits: Bits | None = None) -> Quantizer:
    """The quantizer `encode_evc` uses: from `bits` when given, else the set's own when its values fit, else the default
    (8 bits, `f0_hz` 12)."""
    if bits is None and events.quantizer is not None and events.quantizer.fits(events.vectors):
        return events.quantizer
    if events.space == "controls":
        return controls_quantizer(bits)
    return latent_quantizer(events.vectors, bits)


def encode_evc(events: EventSet, bits: Bits | None = None, quantizer: Quantizer | None = None) -> bytes:
    """Serialise an EventSet to .evc bytes.

    Args:
        events: the set; controls-space vectors must lie in [0, 1], times must be >= 0.
        bits: bits per column (an int for all, 32 ints, or {control name: bits}); default 8 each
            (`f0_hz` 12 in the controls space),
            or the quantizer the set was read with. 0 bits stores a column as a constant.
        quantizer: an explicit quantizer (overrides `bits`).

    Raises:
        FormatError: negative times, out-of-range controls, too many events, unserialisable metadata.
    """
    times = events.times
    if len(times) and (times[0] < 0 or times[-1] >= MAX_N_SAMPLES):
        raise FormatError(f"event times must lie in [0, {MAX_N_SAMPLES}) samples")
    vectors = check_controls_range(events.vectors) if events.space == "controls" else events.vectors
    q = quantizer or choose_quantizer(events.replace(vectors=vectors), bits)
    codes = q.quantize(vectors)
    n_chunks = max(-(-events.n_samples // CHUNK_SAMPLES), int(times[-1]) // CHUNK_SAMPLES + 1 if len(times) else 0)
    bounds = np.searchsorted(times, np.arange(n_chunks + 1) * CHUNK_SAMPLES)
    ref = q.reference_codes(events.space)
    zstd = payload.compressor()
    texture = events.texture.fitted(n_chunks * CHUNK_SAMPLES) if events.texture is not None else None
    sections = texture_sections(texture.codes, texture.mask, zstd) if texture is not None else None
    chunks = []
    for i in range(n_chunks):
        a, b = int(bounds[i]), int(bounds[i + 1])
        raw = payload.pack(times[a:b] - i * CHUNK_SAMPLES, codes[a:b], q.bits, ref)
        method, stored = payload.compress(raw, zstd)
        chunks.append((b - a, method, stored if sections is None else sections[i] + stored))
    header = Header(events.sample_rate, events.n_samples, events.space, events.model_hash, CHUNK_SAMPLES,
                    n_chunks, len(events), q, dict(events.meta), GRID if sections is not None else None)
    return write(header, chunks)


def texture_sections(codes: np.ndarray, mask: np.ndarray,
                     zstd: zstandard.ZstdCompressor | None = None) -> list[bytes]:
    """Each chunk's texture section (version 2) for texture codes (n_frames, bands) and mask rows
    (n_segments, bins), the last chunk padded with silence; their lengths are what the texture costs in a file."""
    zstd = zstd or payload.compressor()
    check_codes(codes, "texture")
    out = []
    for k, i in enumerate(range(0, len(codes), FRAMES_PER_CHUNK)):
        part = codes[i : i + FRAMES_PER_CHUNK]
        part = np.pad(part, ((0, FRAMES_PER_CHUNK - len(part)), (0, 0)))
        rows = mask[k * SEGMENTS_PER_CHUNK : (k + 1) * SEGMENTS_PER_CHUNK]
        rows = np.pad(rows, ((0, SEGMENTS_PER_CHUNK - len(rows)), (0, 0)))
        method, stored = pack_codes(part, zstd)
        out.append(texture_section(method, pack_mask(stored, rows)))
    return out


def _to_eventset(reader: EvcReader, first: int, times: np.ndarray, codes: np.ndarray,
                 textures: list[tuple[np.ndarray, np.ndarray] | None]) -> EventSet:
    """The set read from chunks first.. (texture frames of chunks not read are silent)."""
    h = reader.header
    q = h.quantizer
    texture = None
    if h.texture is not None:
        full = np.zeros((max(h.n_chunks, 1) * FRAMES_PER_CHUNK, N_BANDS), np.uint8)
        mask = np.zeros((max(h.n_chunks, 1) * SEGMENTS_PER_CHUNK, MASK_BINS), np.uint8)
        for i, part in enumerate(textures):
            if part is None:
                raise FormatError("a chunk of a textured file has no texture")
            full[(first + i) * FRAMES_PER_CHUNK : (first + i + 1) * FRAMES_PER_CHUNK] = part[0]
            mask[(first + i) * SEGMENTS_PER_CHUNK : (first + i + 1) * SEGMENTS_PER_CHUNK] = part[1]
        texture = Texture(full, mask).fitted(h.n_samples)
    return EventSet(times, q.dequantize(codes), sample_rate=h.sample_rate, n_samples=h.n_samples,
                    space=h.space, model_hash=h.model_hash, meta=h.meta, quantizer=q, texture=texture)


def decode_evc(data: bytes) -> EventSet:
    """Parse .evc bytes; FormatError on anything malformed (never another exception)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FormatError("expected bytes")
    reader = EvcReader(io.BytesIO(bytes(data)))
    return _to_eventset(reader, 0, *reader.read_range(0, reader.header.n_chunks))


def read_evc(path: str | os.PathLike[str], start_sample: int = 0, stop_sample: int | None = None,
             carry_samples: int = 0) -> EventSet:
    """Read an .evc file, or only the chunks that can sound in [start, stop) through the seek index.

    Args:
        path: the file.
        start_sample: first sample of the range of interest.
        stop_sample: end of the range (None: the end of the file).
        carry_samples: how far before `start_sample` an event can start and still sound in the range.

    Returns:
        The events of the needed chunks, at their absolute times, with the file's full `n_samples`.
    """
    with _open(path) as f:
        try:
            reader = EvcReader(f)
            n = reader.header.n_chunks
            stop = n if stop_sample is None else -(-int(stop_sample) // CHUNK_SAMPLES)
            first = max(0, int(start_sample) - int(carry_samples)) // CHUNK_SAMPLES
            return _to_eventset(reader, first, *reader.read_range(first, stop))
        except FormatError as e:
            raise FormatError(f"{Path(path).name}: {e}") from None


def evc_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Header facts and sizes of an .evc file (reads the header, the seek index and each chunk's first bytes)."""
    with _open(path) as f:
        try:
            reader = EvcReader(f)
            texture_bytes = reader.texture_bytes()
        except FormatError as e:
            raise FormatError(f"{Path(path).name}: {e}") from None
    h = reader.header
    duration_s = h.n_samples / h.sample_rate
    return {
        "file_bytes": reader.size, "events": h.n_events, "duration_s": duration_s, "sample_rate": h.sample_rate,
        "n_samples": h.n_samples, "space": h.space, "model_hash": h.model_hash, "chunks": h.n_chunks,
        "bitrate_kbps": reader.size * 8 / duration_s / 1000 if duration_s > 0 else 0.0,
        "texture_kbps": texture_bytes * 8 / duration_s / 1000 if duration_s > 0 else 0.0,
        "bits_per_event": (reader.size - texture_bytes) * 8 / h.n_events if h.n_events else 0.0,
        "events_per_second": h.n_events / duration_s if duration_s > 0 else 0.0,
        "quantizer_bits": list(h.quantizer.bits), "meta": h.meta, "texture": h.texture is not None,
    }


def _open(path: str | os.PathLike[str]) -> io.BufferedReader:
    p = Path(path)
    if not p.exists():
        raise FormatError(f"no such file: {p}")
    if p.is_dir():
        raise FormatError(f"is a directory, not an .evc file: {p}")
    try:
        return open(p, "rb")
    except OSError as e:
        raise FormatError(f"cannot read {p}: {e.strerror}") from None
