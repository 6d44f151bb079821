"""EventSet -> audio: overlap-add of all events in 2^16-sample chunks, tails carried, bounded memory.

Events are rendered once each (dry, with a pre-roll for negative fine shifts), batched by render-length
bucket; their room parts are summed per room and convolved once per chunk (rooms are linear).
"""

from __future__ import annotations

import contextlib
import importlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import scipy.fft
import torch

from eventcodec.errors import EventCodecError
from eventcodec.synth.length import audible_length, excitation_length
from eventcodec.synth.params import unpack
from eventcodec.synth.render import render_dry
from eventcodec.synth.rooms import ROOM_NAMES, load_room
from eventcodec.synth.schedule import PRE_ROLL, bucket_length
from eventcodec.synth.seeds import event_seeds
from eventcodec.synth.validate import validate_controls
from eventcodec.texture.render import render as render_texture
from eventcodec.types import SAMPLE_RATE, EventSet

HOP = 2**16
MAX_BATCH_SAMPLES = 2**18  # events x render length per batch: small batches stay in cache and bound memory
RENDER_AHEAD = 4  # chunks whose events are rendered together (memory: their events, not the file length)
WORKERS = 2  # render batches in parallel threads (torch and numpy release the GIL), one torch thread each


def _to_controls(events: EventSet) -> EventSet:
    if events.space == "controls":
        return events
    try:
        model = importlib.import_module("eventcodec.model")
        fn = model.latent_to_controls
    except (ImportError, AttributeError):
        raise EventCodecError("latent event sets need the model package") from None
    out: EventSet = fn(events)
    return out


class _Bus:
    """A float64 accumulator addressed in absolute samples that slides forward one chunk at a time."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.data = np.zeros(0, dtype=np.float64)

    def add(self, at: int, x: np.ndarray) -> None:
        lo = at - self.start
        if lo < 0:
            x, lo = x[-lo:], 0
        end = lo + len(x)
        if end > len(self.data):
            self.data = np.concatenate([self.data, np.zeros(max(end - len(self.data), HOP))])
        self.data[lo:end] += x

    def take(self, n: int) -> np.ndarray:
        out = np.zeros(n)
        m = min(n, len(self.data))
        out[:m] = self.data[:m]
        self.data = self.data[n:].copy() if len(self.data) > n else np.zeros(0)
        self.start += n
        return out


def _render_batch(vectors: np.ndarray, seeds: np.ndarray, n: int, n_x: np.ndarray) -> np.ndarray:
    """Dry renders (n_events, n), PRE_ROLL samples before each event time, excitations cut after n_x samples."""
    with torch.no_grad():
        p = unpack(torch.from_numpy(vectors))
        out = render_dry(p, torch.from_numpy(seeds), n, pre_roll=PRE_ROLL, excitation_samples=torch.from_numpy(n_x))
        return out["body"].numpy()


def _mix_in(audio: np.ndarray, ids: np.ndarray, first: np.ndarray, wet: np.ndarray, room_idx: np.ndarray,
            dry: _Bus, room_bus: list[_Bus]) -> None:
    """Add rendered events (in the order given: the sum is bit-exact whatever the thread scheduling)."""
    for k, i in enumerate(ids):
        dry.add(int(first[i]), audio[k] * (1.0 - wet[i]))
        if wet[i] > 0:
            room_bus[room_idx[i]].add(int(first[i]), audio[k] * wet[i])


def decode_chunks(
    events: EventSet,
    start_sample: int = 0,
    n_samples: int | None = None,
    progress: bool = False,
    rooms: tuple[str, ...] = ROOM_NAMES,
    texture: bool = True,
    texture_gain_db: float = 0.0,
) -> Iterator[np.ndarray]:
    """Yield consecutive float32 blocks (<= 2^16 samples) of `decode(events, start_sample, n_samples)`."""
    events = _to_controls(events)
    if events.sample_rate != SAMPLE_RATE:
        raise EventCodecError(
            f"the synthesizer renders at {SAMPLE_RATE} Hz; this event set is at {events.sample_rate} Hz"
        )
    validate_controls(events.vectors)
    if start_sample < 0:
        raise EventCodecError(f"start_sample must be >= 0, got {start_sample}")
    total = max(0, events.n_samples - start_sample) if n_samples is None else int(n_samples)
    if total < 0:
        raise EventCodecError(f"n_samples must be >= 0, got {n_samples}")
    if total == 0:
        return
    irs = [load_room(r) for r in rooms]
    max_ir = max(len(x) for x in irs)
    room_fft = int(scipy.fft.next_fast_len(HOP + max_ir, real=True))
    ir_specs = scipy.fft.rfft(np.stack([np.pad(x, (0, max_ir - len(x))) for x in irs]), room_fft)

    vec = events.vectors
    lengths = audible_length(vec, rooms=tuple(rooms))
    first = events.times - PRE_ROLL
    stop = start_sample + total
    origin = start_sample - max_ir  # room tails from before the range reach into it
    keep = (first < stop) & (events.times + lengths > origin)
    vec, first = vec[keep], first[keep]
    seeds = event_seeds(events.times, events.vectors)[keep]
    phys = unpack(torch.from_numpy(vec.astype(np.float64)))
    wet = phys["room_wet"].numpy()
    room_idx = np.clip(np.rint(phys["room_id"].numpy()).astype(np.int64), 0, len(irs) - 1)
    buckets = bucket_length(audible_length(vec * _no_room_mask(), rooms=tuple(rooms)) + PRE_ROLL)
    exc_lengths = np.minimum(excitation_length(vec), buckets)
    # batches share a render length and which optional blocks run (body decides the FFT size); sorted by excitation
    # length so each batch's FFT covers little more than its longest excitation
    flags = (phys["body_mix"].numpy() > 0) + 2 * (phys["morph_amount"].numpy() > 0)  # optional paths of render_dry
    groups = np.stack([buckets, flags], axis=1).astype(np.int64)

    dry = _Bus(origin)
    room_bus = [_Bus(origin) for _ in irs]
    n_chunks = -(-(stop - origin) // HOP)
    from tqdm import tqdm

    j = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for c in tqdm(range(n_chunks), disable=not progress, desc="decode", unit="chunk", leave=False):
            chunk_end = origin + (c + 1) * HOP
            # render every RENDER_AHEAD chunks, all events starting in them: bigger batches, same result
            render_end = origin + (c // RENDER_AHEAD + 1) * RENDER_AHEAD * HOP
            j_end = int(np.searchsorted(first, render_end, side="left")) if c % RENDER_AHEAD == 0 else j
            sel = np.arange(j, j_end)
            j = j_end
            with single_thread():
                batches = []
                for b, flag in np.unique(groups[sel], axis=0) if len(sel) else []:
                    ids = sel[(groups[sel, 0] == b) & (groups[sel, 1] == flag)]
                    ids = ids[np.argsort(exc_lengths[ids], kind="stable")]
                    per = max(1, MAX_BATCH_SAMPLES // int(b))
                    batches += [(ids[k : k + per], int(b)) for k in range(0, len(ids), per)]
                jobs: deque[tuple[np.ndarray, Future[np.ndarray]]] = deque()
                for n_job, (part, b) in enumerate(batches):
                    jobs.append((part, pool.submit(_render_batch, vec[part], seeds[part], b, exc_lengths[part])))
                    if len(jobs) <= WORKERS and n_job < len(batches) - 1:
                        continue  # keep at most WORKERS + 1 batches in flight: bounded memory
                    while jobs and (len(jobs) > WORKERS or n_job == len(batches) - 1):
                        part_done, job = jobs.popleft()
                        _mix_in(job.result(), part_done, first, wet, room_idx, dry, room_bus)

                blocks = [(r, bus.take(HOP)) for r, bus in enumerate(room_bus)]
                used = [(r, b) for r, b in blocks if b.any()]
                if used:  # rooms are linear: one FFT per used room, one inverse FFT for all of them
                    spec = scipy.fft.rfft(np.stack([b for _, b in used]), room_fft)
                    wet_spec = (spec * ir_specs[[r for r, _ in used]]).sum(axis=0)
                    dry.add(chunk_end - HOP, scipy.fft.irfft(wet_spec, room_fft)[: HOP + max_ir - 1])
            out = dry.take(HOP)
            lo, hi = max(start_sample, chunk_end - HOP), min(stop, chunk_end)
            if hi > lo:
                block = out[lo - (chunk_end - HOP) : hi - (chunk_end - HOP)].astype(np.float32)
                if texture and events.texture is not None:
                    noise = render_texture(events.texture, events.sample_rate, lo, hi - lo)
                    block += noise if texture_gain_db == 0 else noise * np.float32(10 ** (texture_gain_db / 20))
                yield block


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one intra-op thread, then restore the setting.

    Decoding runs many small ops; with contended cores, OpenMP barriers between 2 threads cost far
    more than they save (measured 4x slower under load), so one thread is both faster and steadier.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _no_room_mask() -> np.ndarray:
    """Multiplier that zeroes `room_wet` in a vector, for the dry render length."""
    from eventcodec.controls import INDEX, N_CONTROLS

    m = np.ones(N_CONTROLS)
    m[INDEX["room_wet"]] = 0.0
    return m


def decode(
    events: EventSet,
    start_sample: int = 0,
    n_samples: int | None = None,
    progress: bool = False,
    rooms: tuple[str, ...] = ROOM_NAMES,
    texture: bool = True,
    texture_gain_db: float = 0.0,
) -> np.ndarray:
    """Render all events at their times (overlap-add), plus the set's noise texture: float32 mono (n_samples,).

    Args:
        events: an EventSet in the `controls` space (`latent` needs eventcodec.model).
        start_sample: first output sample (absolute); only events that overlap the range are rendered.
        n_samples: output length; None renders up to events.n_samples.
        progress: show a tqdm bar on stderr.
        rooms: names or paths of the room bank that `room_id` indexes.
        texture: add the set's noise texture (when it has one); False renders the events alone.
        texture_gain_db: the texture's level re what the encoder measured.
    """
    blocks = list(decode_chunks(events, start_sample, n_samples, progress, rooms, texture, texture_gain_db))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
