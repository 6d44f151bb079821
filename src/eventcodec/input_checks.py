"""What an encoder is fed: input samples checked and repaired before analysis.

The rule (docs/reliability.md): a NaN or infinite sample, or one beyond +-MAX_ABS_SAMPLE (+60 dBFS: no real
recording, a broken file or array), is refused with one line naming the first such sample's time and
channel; subnormal samples are flushed to zero silently; a DC offset above DC_LIMIT is removed (each
channel's mean) with a warning; clipping (samples at or past full scale) is reported with a warning.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from eventcodec.errors import AudioError

MAX_ABS_SAMPLE = 1000.0  # +60 dBFS
DC_LIMIT = 1e-2  # a mean this far from 0 costs the encoder events (the README's "DC is reported" threshold)
DC_MIN_S = 0.1  # the mean of a shorter input is its content, not an offset (one sample of 0.5 is no DC)
CLIP_LEVEL = 0.999
CLIP_FRACTION = 1e-4
_TINY = float(np.finfo(np.float32).tiny)


class InputWarning(UserWarning):
    """Something about the input samples the user should know (clipping, DC removed)."""


def as_frames(audio: np.ndarray) -> np.ndarray:
    """An array as (n_samples, channels): 1-D is mono, 2-D with at most 8 columns is channels-last,
    otherwise channels-first (the API accepts both)."""
    a = np.asarray(audio)
    if a.ndim == 1:
        return a[:, None]
    if a.ndim == 2:
        return a if a.shape[1] <= 8 else a.T
    raise AudioError("audio must be a non-empty mono signal (n,) or channels (n, c)")


def bad_sample_message(block: np.ndarray, first_index: int, sample_rate: float) -> str | None:
    """One line naming the first non-finite or absurd sample of a (n, channels) block, or None."""
    bad = ~np.isfinite(block)
    bad |= np.abs(np.where(bad, 0, block)) > MAX_ABS_SAMPLE
    if not bad.any():
        return None
    i, ch = np.unravel_index(int(np.argmax(bad.reshape(-1))), bad.shape)
    value = float(block[i, ch])
    what = "NaN" if np.isnan(value) else f"{value:+g}"
    channel = f" (channel {ch + 1} of {block.shape[1]})" if block.shape[1] > 1 else ""
    t_s = (first_index + int(i)) / sample_rate
    if np.isfinite(value):
        return (f"sample at {t_s:.6f} s{channel} is {what}, beyond +-{MAX_ABS_SAMPLE:g} (+60 dBFS): "
                "not audio this codec encodes; scale it to about +-1")
    return f"sample at {t_s:.6f} s{channel} is {what}: audio must hold finite samples"


@dataclass
class SampleStats:
    """Running per-channel statistics of input blocks; `add` refuses bad samples as they come."""

    sample_rate: float
    channels: int
    n_samples: int = 0
    peak: float = 0.0
    n_clipped: int = 0
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def add(self, block: np.ndarray) -> None:
        """Account for a (n, channels) block; AudioError naming the first bad sample."""
        message = bad_sample_message(block, self.n_samples, self.sample_rate)
        if message is not None:
            raise AudioError(message)
        if len(block) == 0:
            return
        b = np.asarray(block, dtype=np.float64)
        self.sums = (self.sums if len(self.sums) else np.zeros(b.shape[1])) + b.sum(axis=0)
        mag = np.abs(b)
        self.peak = max(self.peak, float(mag.max()))
        self.n_clipped += int(np.count_nonzero(mag >= CLIP_LEVEL))
        self.n_samples += len(b)

    @property
    def dc_offsets(self) -> np.ndarray:
        """(channels,) mean of each channel."""
        return self.sums / max(self.n_samples, 1) if len(self.sums) else np.zeros(self.channels)

    @property
    def mono_dc(self) -> float:
        """DC of the downmix that is removed (0 when no channel's offset is significant)."""
        return float(self.dc_offsets.mean()) if self.has_dc else 0.0

    @property
    def has_dc(self) -> bool:
        """A channel's mean is past DC_LIMIT over at least DC_MIN_S of input."""
        return self.n_samples >= DC_MIN_S * self.sample_rate and bool(np.any(np.abs(self.dc_offsets) > DC_LIMIT))

    def warnings(self) -> list[str]:
        """One line per thing worth saying: clipping, DC removed."""
        out = []
        total = self.n_samples * max(self.channels, 1)
        if total and self.n_clipped / total > CLIP_FRACTION:
            out.append(f"input clips: {100 * self.n_clipped / total:.2f}% of samples at or past full scale "
                       f"(peak {20 * np.log10(max(self.peak, 1e-12)):+.1f} dBFS); the events follow the clipped sound")
        if self.has_dc:
            offsets = ", ".join(f"{x:+.3f}" for x in self.dc_offsets)
            out.append(f"input has a DC offset ({offsets}); removed before analysis")
        return out

    def warn(self) -> None:
        """Issue `warnings()` as InputWarning (the CLI prints them as 'eventcodec: warning: ...')."""
        for text in self.warnings():
            warnings.warn(text, InputWarning, stacklevel=3)


def flush_denormals(block: np.ndarray) -> np.ndarray:
    """float32 samples with subnormal values set to 0 (they slow the maths and mean nothing)."""
    b = np.asarray(block, dtype=np.float32)
    tiny = np.abs(b) < _TINY
    return np.where(tiny, np.float32(0), b) if tiny.any() else b


def cleaned(blocks: Iterable[np.ndarray], dc: float) -> Iterator[np.ndarray]:
    """Mono blocks with `dc` subtracted and subnormals flushed."""
    for block in blocks:
        yield flush_denormals(np.asarray(block, dtype=np.float32) - np.float32(dc) if dc else block)


def check_array(audio: np.ndarray, sample_rate: float) -> tuple[np.ndarray, SampleStats]:
    """An API array checked and reduced to mono float32 with DC removed and subnormals flushed.

    Args:
        audio: (n,), (n, channels) or (channels, n) samples.
        sample_rate: Hz (for the times in messages).

    Returns:
        (mono (n,) float32, the statistics; call `warn()` to report them).

    Raises:
        AudioError: empty, wrong shape, or a non-finite or absurd sample.
    """
    frames = as_frames(audio)
    if frames.size == 0 or not np.issubdtype(frames.dtype, np.number):
        raise AudioError("audio must be a non-empty mono signal")
    if not np.issubdtype(frames.dtype, np.floating):
        raise AudioError(f"audio must hold float samples (full scale +-1), not {frames.dtype}; "
                         "for 16-bit PCM divide by 32768")
    stats = SampleStats(sample_rate, frames.shape[1])
    stats.add(frames)
    mono = frames.astype(np.float64).mean(axis=1) - stats.mono_dc
    return flush_denormals(mono.astype(np.float32)), stats


def scan_file(path: str | os.PathLike[str]) -> SampleStats | None:
    """One pass over a file libsndfile reads, at its own rate and channels; None for other formats.

    Raises:
        AudioError: a non-finite or absurd sample (its time and channel named).
    """
    import soundfile as sf

    try:
        f = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None
    with f:
        stats = SampleStats(float(f.samplerate), int(f.channels))
        while True:
            try:
                block = f.read(2**16, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as e:
                raise AudioError(f"cannot decode {os.path.basename(path)}: {e}") from None
            if len(block) == 0:
                return stats
            stats.add(block)
