"""Shared builders for the format tests: realistic synthetic event sets and header surgery."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import zstandard

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.types import EventSet

# controls an encoder typically moves; the rest sit at their defaults
ACTIVE = ("amp_db", "shift_samples", "f0_hz", "decay_s", "brightness_hz", "tonal_mix", "attack_s", "seed")


def realistic_set(n_events: int, duration_s: float, seed: int = 0, n_active: int = len(ACTIVE)) -> EventSet:
    """Controls-space events: onsets spread over the clip, a few controls active, the rest at defaults."""
    rng = np.random.default_rng(seed)
    n_samples = int(duration_s * 22050)
    vectors = np.tile(default_unit_vector(), (n_events, 1))
    for name in ACTIVE[:n_active]:
        vectors[:, INDEX[name]] = np.clip(rng.normal(0.5, 0.15, n_events), 0, 1)
    times = np.sort(rng.integers(0, n_samples, n_events))
    return EventSet(times, vectors, n_samples=n_samples, meta={"encoder": "synthetic"})


def as_version(data: bytes, version: int) -> bytes:
    """A version 3 file relabelled as `version` (1 or 2: chunk CRCs without the chunk index), as older writers
    wrote it (the texture is left as it is: the caller decides whether the result is valid)."""
    from eventcodec.format.container import chunk_crc

    out = bytearray(data)
    struct.pack_into("<H", out, 8, version)
    index_offset, n_chunks = struct.unpack_from("<QI", data, len(data) - 20)
    for i in range(n_chunks):
        start = struct.unpack_from("<Q", data, index_offset + 12 * i)[0]
        stored_len = struct.unpack_from("<IBI", data, start)[2]
        stored = data[start + 13 : start + 13 + stored_len]
        struct.pack_into("<I", out, start + 9, chunk_crc(version, i, data[start : start + 9], stored))
    return bytes(out)


def rewrite_header(data: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The same file with its JSON header edited by `change`, stored uncompressed with a valid CRC."""
    flags, head_len = struct.unpack_from("<HI", data, 10)
    stored = data[20 : 20 + head_len]
    head = json.loads(zstandard.ZstdDecompressor(format=zstandard.FORMAT_ZSTD1_MAGICLESS).decompress(
        stored, max_output_size=2**20) if flags & 1 else stored)
    change(head)
    new = json.dumps(head, sort_keys=True, separators=(",", ":")).encode()
    version = struct.unpack_from("<H", data, 8)[0]
    pre = data[:8] + struct.pack("<HHII", version, 0, len(new), zlib.crc32(new))
    return pre + new + data[20 + head_len :]
