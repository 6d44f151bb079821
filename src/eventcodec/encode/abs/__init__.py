"""Analysis-by-synthesis encoder (`abs`, the default): matching pursuit with the synthesizer as dictionary.

Streams the input in the paper's windows (analyse 2^17 samples, commit events starting in the first
2^16, hop 2^16); tails of committed events are carried into the next window as expected power, so
window borders leave no seams. Within a window, `pursuit.pursue` adds events greedily, re-fits their
gains jointly and drops redundant ones, and stops when the residual is inaudible or the budget is spent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, replace

import numpy as np
import torch

from eventcodec import controls
from eventcodec.encode import EncodeOptions
from eventcodec.encode.abs.budget import Budget, texture_bits, trim_to_bitrate
from eventcodec.encode.abs.level import level_meta, match_loudness, metered
from eventcodec.encode.abs.note_stage import note_events, window_notes
from eventcodec.encode.abs.pursuit import Found, pursue
from eventcodec.encode.abs.settings import settings_for
from eventcodec.encode.abs.spectra import N_BINS, PAD_FRAMES, frame_weights, power_spectrogram
from eventcodec.encode.abs.stopping import StopRule
from eventcodec.encode.abs.stream import HOP_SAMPLES, WINDOW_SAMPLES, analysis_windows
from eventcodec.encode.abs.target import check_target, spend_to_target
from eventcodec.loudness import LoudnessMeter
from eventcodec.synth.schedule import PRE_ROLL
from eventcodec.texture.grid import FRAME_SAMPLES, Texture
from eventcodec.texture.track import TextureTracker
from eventcodec.types import SAMPLE_RATE, EventSet

HOP_FRAMES = HOP_SAMPLES // 256
WINDOW_FRAMES = WINDOW_SAMPLES // 256
CARRY_FRAMES = WINDOW_FRAMES + 1024  # tails up to ~12 s past the window are carried


def encode_blocks(blocks: Iterable[np.ndarray], n_samples: int, options: EncodeOptions, progress: bool) -> EventSet:
    """Encode mono float32 blocks at 22050 Hz (any sizes, `n_samples` in all) to a controls-space EventSet."""
    from tqdm import tqdm

    settings = settings_for(options)
    if settings.bitrate_kbps is not None:
        check_target(settings.bitrate_kbps, n_samples, options.texture)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    carry = np.zeros((N_BINS, CARRY_FRAMES), np.float32)
    budget = Budget(settings, texture=options.texture)
    tracker = TextureTracker() if options.texture else None
    texture_parts: list[np.ndarray] = []
    mask_parts: list[np.ndarray] = []
    all_times: list[np.ndarray] = []
    sounding: list[Found] = []
    all_vectors: list[np.ndarray] = []
    total = 0
    n_windows = max(1, math.ceil(max(n_samples - WINDOW_SAMPLES, 0) / HOP_SAMPLES) + 1)
    bar = tqdm(total=n_windows, unit="win", desc="encode", disable=not progress, leave=False)
    meter = LoudnessMeter(SAMPLE_RATE)
    for win in analysis_windows(metered(blocks, meter)):
        total = win.start + win.n_valid
        with torch.no_grad():
            target = power_spectrogram(torch.from_numpy(win.audio)).numpy()
        n_frames = target.shape[1]
        commit_frames = min(n_frames, math.ceil(win.commit_samples / 256))
        weights = frame_weights(n_frames, commit_frames, win.final)
        base = np.maximum(target - carry[:, :n_frames], 0.0)
        stop = StopRule.for_window(target, weights, settings.stop_rel_db, settings.stop_abs_db,
                                   settings.min_gain_db)
        allowance = budget.allowance(win.commit_samples)
        initial = []
        if settings.notes:
            notes, hits = window_notes(win.audio, win.commit_samples, win.start == 0)
            initial = note_events(notes, base, weights, allowance, hits)
        found = pursue(target, base, weights, commit_frames, allowance, settings, stop,
                       file_start=win.start == 0, initial=initial, sounding=sounding)
        times = np.array([win.start + 256 * ev.frame for ev in found], np.int64)
        vectors = np.stack([ev.vector for ev in found]) if found else np.zeros((0, 32), np.float32)
        keep = times < max(total, 1)
        times, vectors = times[keep], vectors[keep]
        for ev, k in zip(found, keep, strict=True):
            if k:
                _add(carry, ev.power, ev.frame - PAD_FRAMES)
        # notes that may still sound in the next window, with frames re its start
        sounding = [replace(ev, frame=ev.frame - HOP_FRAMES, end=ev.end - HOP_FRAMES)
                    for ev in [*sounding, *(f for f, k in zip(found, keep, strict=True) if k and f.note)]
                    if ev.end > HOP_FRAMES]
        budget.spend(win.commit_samples, times, vectors)
        if tracker is not None:
            tracker.add_input(win.start, win.audio[: win.n_valid])
            tracker.add_events(times, vectors)
            if not win.final:  # later windows' events start at the hop's end, minus their pre-roll at most
                codes, rows = tracker.advance(win.start + win.commit_samples - PRE_ROLL)
                texture_parts.append(codes)
                mask_parts.append(rows)
                budget.spend_texture(FRAME_SAMPLES * len(codes), texture_bits(codes, rows))
        all_times.append(times)
        all_vectors.append(vectors)
        carry[:, :-HOP_FRAMES] = carry[:, HOP_FRAMES:].copy()
        carry[:, -HOP_FRAMES:] = 0.0
        bar.update(1)
    bar.close()
    times = np.concatenate(all_times) if all_times else np.zeros(0, np.int64)
    vectors = np.concatenate(all_vectors) if all_vectors else np.zeros((0, 32), np.float32)
    level = meter.result()
    meta = {"encoder": "abs", "quality": options.quality, "settings": asdict(settings), **level_meta(level)}
    n_total = max(n_samples, total)
    texture = None
    if tracker is not None:
        codes, rows = tracker.finish(n_total)
        texture = Texture(np.concatenate([*texture_parts, codes]), np.concatenate([*mask_parts, rows]))
    events = EventSet(times, np.clip(vectors, 0.0, 1.0), sample_rate=SAMPLE_RATE, n_samples=n_total,
                      space="controls", model_hash=controls.schema_hash(), meta=meta, texture=texture)
    events = match_loudness(events, level.lufs)
    if settings.bitrate_kbps is not None:
        events = spend_to_target(trim_to_bitrate(events, settings.bitrate_kbps), settings.bitrate_kbps,
                                 options.quality, settings.max_events_per_s)
    return events


def _add(dst: np.ndarray, src: np.ndarray, first: int) -> None:
    lo, hi = max(first, 0), min(first + src.shape[-1], dst.shape[-1])
    if hi > lo:
        dst[:, lo:hi] += src[:, lo - first : hi - first]
