"""The paper's streaming scheme: analyse 2^17 samples, commit events that start in the first 2^16, hop 2^16.

`analysis_windows` turns any iterable of audio blocks into overlapping analysis windows while holding at
most one window plus one block in memory. `TailBuffer` carries the audio of committed events into the
windows that follow, so their tails are explained once and window borders leave no seams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

WINDOW_SAMPLES = 2**17
HOP_SAMPLES = 2**16


@dataclass(frozen=True)
class Window:
    """One analysis window.

    Attributes:
        start: first sample of the window in the file.
        audio: (WINDOW_SAMPLES,) float32, zero-padded past the end of the file.
        n_valid: samples of `audio` that are real input.
        commit_samples: events starting before this offset in the window are committed (HOP_SAMPLES,
            or the rest of the file in the final window).
        final: no window follows.
    """

    start: int
    audio: np.ndarray
    n_valid: int
    commit_samples: int
    final: bool


def analysis_windows(blocks: Iterable[np.ndarray]) -> Iterator[Window]:
    """Windows of WINDOW_SAMPLES every HOP_SAMPLES over the concatenated `blocks` (any sizes).

    The last window is the first one that reaches the end of the input; it commits all its events.
    An empty input yields nothing.
    """
    it = iter(blocks)
    buf = np.zeros(0, np.float32)
    start = 0
    exhausted = False
    while True:
        while not exhausted and len(buf) <= WINDOW_SAMPLES:
            try:
                block = np.asarray(next(it), dtype=np.float32).reshape(-1)
            except StopIteration:
                exhausted = True
                break
            buf = np.concatenate([buf, block])
        if len(buf) == 0:
            return
        final = exhausted and len(buf) <= WINDOW_SAMPLES
        n_valid = min(len(buf), WINDOW_SAMPLES)
        audio = np.zeros(WINDOW_SAMPLES, np.float32)
        audio[:n_valid] = buf[:n_valid]
        yield Window(start, audio, n_valid, n_valid if final else HOP_SAMPLES, final)
        if final:
            return
        buf = buf[HOP_SAMPLES:]
        start += HOP_SAMPLES


class TailBuffer:
    """Rendered audio of committed events, aligned to the current window and carried across hops.

    Holds `length` samples from the current window's start (at least a window; longer keeps long tails).
    """

    def __init__(self, length: int = 2**20) -> None:
        if length < WINDOW_SAMPLES:
            raise ValueError("tail buffer must hold at least one window")
        self.audio = np.zeros(length, np.float32)

    @property
    def length(self) -> int:
        return len(self.audio)

    def add(self, offset: int, audio: np.ndarray) -> None:
        """Mix `audio` (n,) in at `offset` samples from the window start (clipped to the buffer)."""
        if offset >= self.length or len(audio) == 0:
            return
        lo = max(offset, 0)
        hi = min(offset + len(audio), self.length)
        if hi > lo:
            self.audio[lo:hi] += audio[lo - offset : hi - offset]

    def window(self) -> np.ndarray:
        """(WINDOW_SAMPLES,) the carried audio under the current window (a view)."""
        return self.audio[:WINDOW_SAMPLES]

    def advance(self, n: int = HOP_SAMPLES) -> None:
        """Move the window start forward by `n` samples."""
        self.audio[:-n] = self.audio[n:].copy()
        self.audio[-n:] = 0.0
