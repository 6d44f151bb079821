"""Bit and event budgets: how many events the next committed hop may spend.

With a bitrate target, the cost of an event is measured on the real .evc bytes of the hops committed so
far (zstd makes it content dependent) and the allowance follows the running balance, so the file lands
near the target; otherwise only the event-rate ceiling applies.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from eventcodec.encode.abs.settings import BITS_PER_EVENT_GUESS, TEXTURE_BPS_GUESS, AbsSettings
from eventcodec.errors import EventCodecError
from eventcodec.texture.grid import SEGMENT_FRAMES, Texture, codes_to_levels
from eventcodec.types import SAMPLE_RATE, EventSet

# measure(times, vectors, n_samples) -> bits those events take in a file (None: cannot measure)
Measure = Callable[[np.ndarray, np.ndarray, int], float | None]


def evc_bits(times: np.ndarray, vectors: np.ndarray, n_samples: int) -> float | None:
    """Bits that `times`/`vectors` add to an .evc file over an empty one, or None without the format."""
    try:
        full = EventSet(times, vectors, n_samples=n_samples).to_bytes()
        empty = EventSet.empty(n_samples).to_bytes()
    except Exception:  # the format module may be missing in a partial install; fall back to the guess
        return None
    return 8.0 * (len(full) - len(empty))


def container_bits(n_samples: int) -> float:
    """Bits of an .evc file of `n_samples` samples with no events: header, chunk headers, seek index (0 without
    the format). ~25 bytes per 2^16-sample chunk: 0.07-0.14 kbps, 2-5 % of a 3 kbps target."""
    try:
        return 8.0 * len(EventSet.empty(max(1, n_samples)).to_bytes())
    except Exception:  # the format module may be missing in a partial install
        return 0.0


def texture_bits(codes: np.ndarray, mask: np.ndarray) -> float:
    """Bits that texture codes (n_frames, bands) and mask rows (n_segments, bins) take in an .evc file, packed
    and compressed per chunk."""
    from eventcodec.format import texture_sections

    return 8.0 * sum(len(section) for section in texture_sections(codes, mask))


class Budget:
    """Running event/bit allowance over the committed hops of a stream.

    Args:
        settings: the search settings (event-rate ceiling, bitrate target).
        measure: bits a hop's events take in a file.
        texture: the stream also stores a texture, whose bits come out of the same target.
        container: bits of a file of n samples with no events (the container's own share of the target).
    """

    def __init__(self, settings: AbsSettings, measure: Measure = evc_bits, texture: bool = False,
                 container: Callable[[int], float] = container_bits) -> None:
        self.settings = settings
        self.measure = measure
        self.container = container
        self.texture = texture
        self.committed_s = 0.0
        self.event_bits = 0.0
        self.n_events = 0
        self.texture_bits = 0.0
        self.texture_s = 0.0
        self._carry = 0.0

    @property
    def bits_per_event(self) -> float:
        """Mean measured cost of the events committed so far; the guess before any.

        (An exponential average that started from the guess under-spent: 1.9 of 3 kbps.)
        """
        return self.event_bits / self.n_events if self.n_events else BITS_PER_EVENT_GUESS

    @property
    def texture_bps(self) -> float:
        """Measured bits per second of the texture so far; the guess before any; 0 without one."""
        if not self.texture:
            return 0.0
        return self.texture_bits / self.texture_s if self.texture_s > 0 else TEXTURE_BPS_GUESS

    def allowance(self, commit_samples: int) -> int:
        """Events the next hop of `commit_samples` samples may commit."""
        hop_s = commit_samples / SAMPLE_RATE
        by_rate = self.settings.max_events_per_s * hop_s + self._carry
        n = by_rate
        if self.settings.bitrate_kbps is not None:
            until_s = self.committed_s + hop_s
            # the texture lags the events (it is measured once they are decoded): reserve its expected bits
            texture = self.texture_bits + self.texture_bps * max(0.0, until_s - self.texture_s)
            fixed = self.container(round(until_s * SAMPLE_RATE))  # the target is the whole file's size
            allowed_bits = self.settings.bitrate_kbps * 1000.0 * until_s - self.event_bits - texture - fixed
            n = min(n, max(0.0, allowed_bits) / self.bits_per_event)
        return max(0, math.floor(n))

    def spend_texture(self, n_samples: int, bits: float) -> None:
        """Record texture frames covering `n_samples` samples that take `bits` in the file."""
        self.texture_s += n_samples / SAMPLE_RATE
        self.texture_bits += bits

    def spend(self, commit_samples: int, times: np.ndarray, vectors: np.ndarray) -> None:
        """Record the events committed for a hop (times relative to any origin, vectors (n, 32))."""
        hop_s = commit_samples / SAMPLE_RATE
        self.committed_s += hop_s
        n = len(times)
        by_rate = self.settings.max_events_per_s * hop_s + self._carry
        self._carry = min(max(by_rate - n, 0.0), 0.5 * self.settings.max_events_per_s * hop_s)
        if n == 0:
            return
        bits = self.measure(times - times.min(), vectors, int(times.max() - times.min()) + 1) \
            if self.settings.bitrate_kbps is not None else None
        if bits is None:
            bits = n * self.bits_per_event
        self.event_bits += bits
        self.n_events += n


def trim_to_bitrate(events: EventSet, kbps: float) -> EventSet:
    """`events` without its quietest events (lowest `amp_db`) until its .evc file is at most `kbps`.

    The stream's budget lands near the target but can pass it by a few events (the texture's bits are known
    only once the events of a stretch are decoded); this makes the target a ceiling. When no event is left
    and the file is still too large (a target near the texture's own rate, ~1 kbps), mask rows go, quietest
    segments first (the band levels stay: below their rate no target can be met, and that is an error).
    """
    from eventcodec.controls import INDEX

    target_bits = kbps * 1000.0 * events.duration_s
    while len(events):
        file_bits = 8.0 * len(events.to_bytes())
        if file_bits <= target_bits:
            return events
        # the file's bits per event over-estimate an event's own (texture, container): a few rounds at most
        n_drop = min(len(events), math.ceil((file_bits - target_bits) / (file_bits / len(events))))
        quietest = np.argsort(events.vectors[:, INDEX["amp_db"]], kind="stable")[:n_drop]
        keep = np.ones(len(events), bool)
        keep[quietest] = False
        events = events.replace(times=events.times[keep], vectors=events.vectors[keep])
    if events.texture is not None and 8.0 * len(events.to_bytes()) > target_bits:
        events = _without_quiet_mask_rows(events, target_bits)
        least = 8.0 * len(events.to_bytes())
        if least > target_bits:
            raise EventCodecError(f"--bitrate-kbps {kbps:g} is below what this input's noise texture alone takes "
                                  f"({least / events.duration_s / 1000:.2f} kbps): ask more, or --no-texture")
    return events


def _without_quiet_mask_rows(events: EventSet, target_bits: float) -> EventSet:
    """`events` with the mask rows of its quietest texture segments cleared, the fewest that fit `target_bits`."""
    texture = events.texture
    assert texture is not None
    loudness = codes_to_levels(texture.codes).sum(axis=1)
    starts = np.arange(0, texture.n_frames, SEGMENT_FRAMES)
    order = np.argsort(np.add.reduceat(loudness, starts) if len(starts) else loudness, kind="stable")

    def cleared(n_rows: int) -> EventSet:
        mask = texture.mask.copy()
        mask[order[:n_rows]] = 0
        return events.replace(texture=Texture(texture.codes, mask))

    lo, hi = 0, len(order)  # binary search over how many rows go
    while lo < hi:
        mid = (lo + hi) // 2
        if 8.0 * len(cleared(mid).to_bytes()) <= target_bits:
            hi = mid
        else:
            lo = mid + 1
    return cleared(lo)
