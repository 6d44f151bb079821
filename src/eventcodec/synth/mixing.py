"""The decoder's mix: overlap-add of rendered events onto a dry bus and one bus per room, rooms applied per chunk."""

from __future__ import annotations

import numpy as np
import scipy.fft

HOP = 2**16  # samples per output chunk


class Bus:
    """A float32 accumulator addressed in absolute samples that slides forward one chunk at a time.

    `buf[off:]` holds the samples from `start` on; the buffer doubles when an event reaches past it (the
    live part is copied to the front then), so adding and taking cost O(1) per sample amortised.
    """

    def __init__(self, start: int) -> None:
        self.start = start
        self.buf = np.zeros(0, dtype=np.float32)
        self.off = 0

    def add(self, at: int, x: np.ndarray) -> None:
        lo = at - self.start
        if lo < 0:
            x, lo = x[-lo:], 0
        end = lo + len(x)
        if self.off + end > len(self.buf):
            live = self.buf[self.off :]
            grown = np.zeros(max(2 * end, HOP), dtype=np.float32)
            grown[: len(live)] = live
            self.buf, self.off = grown, 0
        self.buf[self.off + lo : self.off + end] += x

    def take(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float32)
        m = max(0, min(n, len(self.buf) - self.off))
        out[:m] = self.buf[self.off : self.off + m]
        self.off += n
        self.start += n
        return out


class Mixer:
    """Overlap-adds rendered events onto a dry bus and one bus per room; hands out finished chunks, rooms applied."""

    def __init__(self, irs: list[np.ndarray], origin: int, first: np.ndarray, wet: np.ndarray,
                 room_idx: np.ndarray) -> None:
        self.max_ir = max(len(x) for x in irs)
        self.room_fft = int(scipy.fft.next_fast_len(HOP + self.max_ir, real=True))
        irs_padded = np.stack([np.pad(x, (0, self.max_ir - len(x))) for x in irs]).astype(np.float32)
        self.ir_specs = scipy.fft.rfft(irs_padded, self.room_fft)
        self.first, self.wet, self.room_idx = first, wet, room_idx
        self.dry = Bus(origin)
        self.rooms = [Bus(origin) for _ in irs]

    def add(self, ids: np.ndarray, dry_part: np.ndarray, wet_part: np.ndarray) -> None:
        """Add a batch from `_render_batch` (in the order given: the sum is bit-exact whatever the threads did)."""
        for k, i in enumerate(ids):
            self.dry.add(int(self.first[i]), dry_part[k])
        for k, i in enumerate(ids[self.wet[ids] > 0]):
            self.rooms[self.room_idx[i]].add(int(self.first[i]), wet_part[k])

    def take(self) -> np.ndarray:
        """The next HOP output samples (float32); every event starting in them must have been added."""
        start = self.dry.start
        used = [(r, block) for r, bus in enumerate(self.rooms) if (block := bus.take(HOP)).any()]
        if used:  # rooms are linear: one FFT per used room, one inverse FFT for all of them
            spec = scipy.fft.rfft(np.stack([b for _, b in used]), self.room_fft)
            wet_spec = (spec * self.ir_specs[[r for r, _ in used]]).sum(axis=0)
            self.dry.add(start, scipy.fft.irfft(wet_spec, self.room_fft)[: HOP + self.max_ir - 1])
        return self.dry.take(HOP)
