"""EventSet -> audio: overlap-add of all events in 2^16-sample chunks, tails carried, bounded memory.

Events are rendered once each (dry, with a pre-roll for negative fine shifts), batched by render-length
bucket, in worker threads while this thread mixes; events whose ring outlasts their excitation take the
split path (`split`). Their room parts are summed per room and convolved once
per chunk (rooms are linear).
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import torch

from eventcodec.errors import EventCodecError
from eventcodec.synth.length import audible_length, excitation_length
from eventcodec.synth.mixing import HOP, Mixer
from eventcodec.synth.params import unpack
from eventcodec.synth.rooms import ROOM_NAMES, load_room
from eventcodec.synth.schedule import PRE_ROLL, bucket_length
from eventcodec.synth.seeds import event_seeds
from eventcodec.synth.split import render_dry_fast
from eventcodec.synth.validate import validate_controls
from eventcodec.texture.render import render as render_texture
from eventcodec.types import SAMPLE_RATE, EventSet

MAX_BATCH_SAMPLES = 2**20  # events x render length per batch: bounds memory; bigger batches dispatch fewer ops
MIN_BATCH_EVENTS = 8  # long events still share a batch (each batch costs ~2 ms of small torch ops), up to:
MAX_LONG_BATCH_SAMPLES = 2**22
RENDER_AHEAD = 16  # chunks whose events are batched together (memory: the mix buses, not the file length)
WORKERS = 2  # render batches in parallel threads, one torch thread each (ops run without the GIL; dispatch holds it)
LOOKAHEAD = 3 * WORKERS  # batches rendered ahead of the mixing (memory: <= 16 MB each)


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


def _render_batch(
    vectors: np.ndarray, seeds: np.ndarray, n: int, n_x: np.ndarray, wet: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Dry renders, PRE_ROLL samples before each event time, excitations cut after n_x samples.

    Returns (the dry bus's share (n_events, n), the room bus's share of the events with wet > 0), float32.
    """
    with torch.no_grad():
        p = unpack(torch.from_numpy(vectors))
        # n is each event's audible length (rounded up): what rings past it is below -60 dB and may wrap
        out = render_dry_fast(p, torch.from_numpy(seeds), n, PRE_ROLL, torch.from_numpy(n_x), wrap_tail=True)
        audio = out["body"].numpy()
    audio, share = audio.astype(np.float32, copy=False), wet.astype(np.float32)  # this batch's own buffer
    wet_rows = wet > 0
    room = audio[wet_rows]
    room *= share[wet_rows, None]
    audio *= (1.0 - share)[:, None]  # in place
    return audio, room


def _plan(
    first: np.ndarray, groups: np.ndarray, exc_lengths: np.ndarray, origin: int, n_chunks: int
) -> Iterator[tuple[int, np.ndarray, int]]:
    """Render batches in mixing order: (render group, event ids, render length).

    Group g holds the events starting in chunks [g RENDER_AHEAD, (g + 1) RENDER_AHEAD); its batches share a
    render length and which optional blocks run, sorted by excitation length so each batch's FFT covers
    little more than its longest excitation.
    """
    j = 0
    for g in range(-(-n_chunks // RENDER_AHEAD)):
        j_end = int(np.searchsorted(first, origin + (g + 1) * RENDER_AHEAD * HOP, side="left"))
        sel = np.arange(j, j_end)
        j = j_end
        for b, flag in np.unique(groups[sel], axis=0) if len(sel) else []:
            ids = sel[(groups[sel, 0] == b) & (groups[sel, 1] == flag)]
            ids = ids[np.argsort(exc_lengths[ids], kind="stable")]
            per = max(1, MAX_BATCH_SAMPLES // int(b), min(MIN_BATCH_EVENTS, MAX_LONG_BATCH_SAMPLES // int(b)))
            for k in range(0, len(ids), per):
                yield g, ids[k : k + per], int(b)


TABLE_SLICE = 4096  # events whose (n, 32) float64 intermediates exist at once while the event table is built


def _event_table(events: EventSet, rooms: tuple[str, ...], origin: int, stop: int) -> dict[str, np.ndarray]:
    """Per-event scheduling facts of the events audible in [origin, stop), built slice by slice (bounded memory).

    Keys: index (into the set), first (render start sample), seeds, wet, room_idx, buckets (render length),
    exc_lengths (excitation cut), flags (which optional blocks of `render_dry` run: 1 body, 2 morph).
    """
    parts: list[dict[str, np.ndarray]] = []
    for lo in range(0, len(events), TABLE_SLICE):
        vec, times = events.vectors[lo : lo + TABLE_SLICE], events.times[lo : lo + TABLE_SLICE]
        first = times - PRE_ROLL
        keep = np.flatnonzero((first < stop) & (times + audible_length(vec, rooms=rooms) > origin))
        vec, times = vec[keep], times[keep]
        phys = unpack(torch.from_numpy(vec.astype(np.float64)))
        buckets = bucket_length(audible_length(vec * _no_room_mask(), rooms=rooms) + PRE_ROLL)
        parts.append({
            "index": keep + lo, "first": first[keep], "seeds": event_seeds(times, vec),
            "wet": phys["room_wet"].numpy(),
            "room_idx": np.clip(np.rint(phys["room_id"].numpy()).astype(np.int64), 0, len(rooms) - 1),
            "buckets": buckets, "exc_lengths": np.minimum(excitation_length(vec), buckets),
            "flags": ((phys["body_mix"].numpy() > 0) + 2 * (phys["morph_amount"].numpy() > 0)).astype(np.int64),
        })
    if not parts:
        return {k: np.zeros(0, np.float64 if k == "wet" else np.int64) for k in
                ("index", "first", "seeds", "wet", "room_idx", "buckets", "exc_lengths", "flags")}
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


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
    stop = start_sample + total
    origin = start_sample - max(len(x) for x in irs)  # room tails from before the range reach into it
    t = _event_table(events, tuple(rooms), origin, stop)
    vec, first = events.vectors[t["index"]], t["first"]
    n_chunks = -(-(stop - origin) // HOP)
    exc_lengths, seeds, wet = t["exc_lengths"], t["seeds"], t["wet"]
    plan = _plan(first, np.stack([t["buckets"], t["flags"]], axis=1), exc_lengths, origin, n_chunks)
    mixer = Mixer(irs, origin, first, wet, t["room_idx"])
    from tqdm import tqdm

    # workers render up to LOOKAHEAD batches ahead, across group borders, while this thread mixes them in plan
    # order (so the sums are bit-exact whatever the scheduling) and convolves the rooms of finished chunks
    jobs: deque[tuple[int, np.ndarray, Future[tuple[np.ndarray, np.ndarray]]]] = deque()
    threads = torch.get_num_threads()
    try:
        with ThreadPoolExecutor(max_workers=WORKERS, initializer=_one_thread) as pool:
            for c in tqdm(range(n_chunks), disable=not progress, desc="decode", unit="chunk", leave=False):
                while True:
                    while len(jobs) < LOOKAHEAD and (nxt := next(plan, None)) is not None:
                        g, part, b = nxt
                        args = (vec[part], seeds[part], b, exc_lengths[part], wet[part])
                        jobs.append((g, part, pool.submit(_render_batch, *args)))
                    if not jobs or jobs[0][0] > c // RENDER_AHEAD:
                        break
                    _, part, job = jobs.popleft()
                    mixer.add(part, *job.result())
                chunk_start = origin + c * HOP
                out = mixer.take()
                lo, hi = max(start_sample, chunk_start), min(stop, chunk_start + HOP)
                if hi > lo:
                    block = out[lo - chunk_start : hi - chunk_start].astype(np.float32)
                    if texture and events.texture is not None:
                        noise = render_texture(events.texture, events.sample_rate, lo, hi - lo)
                        block += noise if texture_gain_db == 0 else noise * np.float32(10 ** (texture_gain_db / 20))
                    yield block
    finally:  # a worker's setting also reaches MKL's process-wide one: restore it
        torch.set_num_threads(threads)


def _one_thread() -> None:
    """Worker initialiser: torch on one intra-op thread in this thread (the OpenMP setting is per thread).

    Decoding runs many small ops; with contended cores, OpenMP barriers between 2 threads cost far
    more than they save (measured 4x slower under load), so one thread per worker is faster and steadier.
    """
    torch.set_num_threads(1)


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
