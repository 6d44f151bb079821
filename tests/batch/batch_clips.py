"""Small audio libraries for the batch tests: short synthetic clips plus broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050


def write_clip(path: Path, seconds: float = 1.0, f0_hz: float = 220.0, seed: int = 0) -> Path:
    """A decaying harmonic pluck with a noise attack, written as flac/wav by extension."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * f0_hz * k * t) / k for k in range(1, 5)) * np.exp(-4 * t)
    attack = rng.standard_normal(len(t)) * np.exp(-60 * t)
    audio = (0.2 * tone + 0.1 * attack).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, SR)
    return path


def write_bad_files(folder: Path) -> dict[str, Path]:
    """One corrupt flac, one empty wav, one text file named .mp3."""
    folder.mkdir(parents=True, exist_ok=True)
    good = write_clip(folder / "tmp_source.flac", 0.5)
    data = bytearray(good.read_bytes())
    good.unlink()
    data[8:] = np.random.default_rng(1).integers(0, 256, len(data) - 8, dtype=np.uint8).tobytes()
    corrupt = folder / "corrupt.flac"
    corrupt.write_bytes(bytes(data))
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    text = folder / "notes.mp3"
    text.write_text("these are liner notes, not audio\n" * 20)
    return {"corrupt": corrupt, "empty": empty, "non_audio": text}
