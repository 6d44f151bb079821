"""Training data: random fixed-length segments from a folder of audio files.

A folder in MusicNet's layout (`DIR/train_data/*.wav`) uses those files only; any other folder
is searched recursively for audio files. Files are decoded once (mono, 22050 Hz) and kept in
memory; each example is a random file and offset, peak-normalised like the paper's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eventcodec.audio import load
from eventcodec.errors import EventCodecError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".aiff", ".aif")


def find_audio_files(folder: str | os.PathLike[str], exclude: Sequence[str] = ()) -> list[Path]:
    """Sorted audio files under `folder` (MusicNet: `train_data/*.wav`), minus names containing any `exclude`.

    Raises:
        EventCodecError: the folder is missing or holds no audio.
    """
    root = Path(folder)
    if not root.is_dir():
        raise EventCodecError(f"no such data folder: {root}")
    musicnet = root / "train_data"
    if musicnet.is_dir() and any(musicnet.glob("*.wav")):
        files = sorted(musicnet.glob("*.wav"))
    else:
        files = sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    files = [p for p in files if not any(x in p.name for x in exclude)]
    if not files:
        raise EventCodecError(f"no audio files in {root}")
    return files


class SegmentSampler:
    """Random peak-normalised segments of `n_samples` from in-memory audio.

    Attributes:
        clips: decoded mono float32 signals at 22050 Hz.
        rng: numpy Generator; its state is saved in checkpoints so a resumed run draws the same data.
    """

    def __init__(self, clips: list[np.ndarray], n_samples: int, seed: int | Sequence[int] = 0) -> None:
        self.clips = [c for c in clips if len(c) >= n_samples]
        if not self.clips:
            raise EventCodecError(f"no clip is at least {n_samples} samples long")
        self.n_samples = n_samples
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def from_folder(
        folder: str | os.PathLike[str], n_samples: int, seed: int | Sequence[int] = 0,
        exclude: Sequence[str] = (), quiet: bool = False,
    ) -> SegmentSampler:
        files = find_audio_files(folder, exclude)
        clips = [load(p)[0] for p in tqdm(files, desc="loading audio", unit="file", disable=quiet)]
        return SegmentSampler(clips, n_samples, seed)

    def segment(self, max_tries: int = 20) -> np.ndarray:
        """One (n_samples,) float32 segment with peak 1 (near-silent draws are retried)."""
        for _ in range(max_tries):
            clip = self.clips[int(self.rng.integers(len(self.clips)))]
            start = int(self.rng.integers(len(clip) - self.n_samples + 1))
            x = clip[start : start + self.n_samples]
            peak = float(np.abs(x).max())
            if peak > 1e-3:
                return (x / peak).astype(np.float32)
        return np.zeros(self.n_samples, np.float32)

    def batch(self, batch_size: int) -> np.ndarray:
        """(batch_size, n_samples) float32."""
        return np.stack([self.segment() for _ in range(batch_size)])

    def state(self) -> dict[str, object]:
        """JSON-able RNG state."""
        return dict(self.rng.bit_generator.state)

    def set_state(self, state: dict[str, object]) -> None:
        self.rng.bit_generator.state = state
