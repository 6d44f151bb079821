"""Reading long files in blocks keeps memory flat (tracemalloc peak, independent of the file's length)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eventcodec.audio import BLOCK_SAMPLES, iter_blocks


def _write_long_wav(path: Path, seconds: float, rate: int, channels: int) -> int:
    """A noise file written block by block (so the test itself stays small); returns its frame count."""
    rng = np.random.default_rng(0)
    n_total = int(seconds * rate)
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=channels, subtype="PCM_16") as f:
        for start in range(0, n_total, 2**18):
            n = min(2**18, n_total - start)
            f.write((0.1 * rng.standard_normal((n, channels))).astype(np.float32))
    return n_total


def _stream_peak_bytes(path: Path) -> tuple[int, int]:
    """(samples read, tracemalloc peak bytes) of reading `path` block by block."""
    tracemalloc.start()
    n = 0
    try:
        for block in iter_blocks(path):
            n += len(block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return n, peak


def _check(tmp_path: Path, seconds: float) -> None:
    path = tmp_path / "long.wav"
    frames = _write_long_wav(path, seconds, 44100, 2)
    n, peak = _stream_peak_bytes(path)
    assert abs(n - frames // 2) <= 2  # 44.1 kHz stereo -> 22.05 kHz mono
    whole_file_bytes = n * 4
    # a few blocks in flight, nowhere near the whole signal
    assert peak < 16 * BLOCK_SAMPLES * 4, f"peak {peak} bytes"
    assert peak < whole_file_bytes / 10


def test_five_minutes_stream_in_flat_memory(tmp_path: Path) -> None:
    _check(tmp_path, 300.0)


@pytest.mark.slow
def test_one_hour_streams_in_flat_memory(tmp_path: Path) -> None:
    _check(tmp_path, 3600.0)
