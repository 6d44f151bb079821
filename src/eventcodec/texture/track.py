"""The texture of a stream, measured hop by hop while the encoder commits events (bounded memory).

The encoder feeds the input as it reads it and the events as it commits them; once every event that can
sound in a stretch is known, the stretch is decoded (events only, as a decoder will render them from the
file: quantized) and its texture frames are measured against the input. Mask rows follow once all
SEGMENT_FRAMES frames of their segment are measured.
"""

from __future__ import annotations

import numpy as np

from eventcodec.texture.analyse import CONTEXT, residual_power
from eventcodec.texture.grid import (
    FRAME_SAMPLES,
    MASK_BINS,
    N_BANDS,
    SEGMENT_FRAMES,
    band_of_bin,
    levels_to_codes,
    n_frames_for,
)
from eventcodec.texture.mask import segment_rows
from eventcodec.types import SAMPLE_RATE, VECTOR_SIZE, EventSet


class TextureTracker:
    """Texture codes and mask rows of a stream, frame by frame, from the input and the committed events."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        from eventcodec.format.quantizer import controls_quantizer

        self.sample_rate = sample_rate
        self._quantizer = controls_quantizer()
        self._input = np.zeros(CONTEXT, np.float32)  # input samples from `_input_start` on
        self._input_start = -CONTEXT
        self.done = 0  # frames are measured for every sample before this one
        self._times = np.zeros(0, np.int64)
        self._vectors = np.zeros((0, VECTOR_SIZE), np.float32)
        self._band = band_of_bin(sample_rate)
        self._pending_band = np.zeros((0, N_BANDS))  # frames of the segment not yet complete
        self._pending_low = np.zeros((0, MASK_BINS))

    def add_input(self, start: int, audio: np.ndarray) -> None:
        """Input samples starting at sample `start`; only the part past what is held is kept."""
        end = self._input_start + len(self._input)
        if start + len(audio) > end:
            self._input = np.concatenate([self._input, np.asarray(audio, np.float32)[max(end - start, 0) :]])

    def add_events(self, times: np.ndarray, vectors: np.ndarray) -> None:
        """Committed events (absolute times); decoded as the file will hold them (quantized controls)."""
        if len(times):
            q = self._quantizer
            self._times = np.concatenate([self._times, np.asarray(times, np.int64)])
            self._vectors = np.concatenate([self._vectors, q.dequantize(q.quantize(np.clip(vectors, 0.0, 1.0)))])

    def advance(self, complete_until: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes (n, N_BANDS) of the new frames that end before `complete_until - CONTEXT`, and the mask rows
        (m, MASK_BINS) of the segments they complete.

        `complete_until`: every event that sounds before this sample has been added, and so has the input.
        """
        stop = (complete_until - CONTEXT) // FRAME_SAMPLES * FRAME_SAMPLES
        return self._measure(stop)

    def finish(self, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes and mask rows left up to the end of a stream of `n_samples` samples (input ends there)."""
        codes, rows = self._measure(n_frames_for(n_samples) * FRAME_SAMPLES)
        return codes, np.concatenate([rows, self._segments(len(self._pending_band))])  # the last one may be short

    def _segments(self, n_frames: int) -> np.ndarray:
        """Mask rows of the first `n_frames` pending frames, which then leave the queue."""
        rows = segment_rows(self._pending_band[:n_frames], self._pending_low[:n_frames], self._band)
        self._pending_band, self._pending_low = self._pending_band[n_frames:], self._pending_low[n_frames:]
        return rows

    def _measure(self, stop: int) -> tuple[np.ndarray, np.ndarray]:
        if stop <= self.done:
            return np.zeros((0, N_BANDS), np.uint8), np.zeros((0, MASK_BINS), np.uint8)
        from eventcodec.synth import decode
        from eventcodec.synth.length import audible_length

        lo, hi = self.done - CONTEXT, stop + CONTEXT
        reference = self._input[lo - self._input_start : hi - self._input_start]
        reference = np.pad(reference, (0, hi - lo - len(reference)))
        events = EventSet(self._times, self._vectors, sample_rate=self.sample_rate, n_samples=hi)
        decoded = decode(events, max(lo, 0), hi - max(lo, 0), texture=False)
        decoded = np.pad(decoded, (max(-lo, 0), 0))
        band_power, low_power = residual_power(reference, decoded, self.sample_rate)
        self._pending_band = np.concatenate([self._pending_band, band_power])
        self._pending_low = np.concatenate([self._pending_low, low_power])
        self.done = stop
        keep_from = stop - CONTEXT
        self._input = self._input[keep_from - self._input_start :]
        self._input_start = keep_from
        alive = self._times + audible_length(self._vectors) + 256 > keep_from
        self._times, self._vectors = self._times[alive], self._vectors[alive]
        whole = len(self._pending_band) // SEGMENT_FRAMES * SEGMENT_FRAMES  # complete segments only
        return levels_to_codes(band_power), self._segments(whole)
