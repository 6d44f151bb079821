"""The learned encoder: the paper's model run over the audio in streaming windows.

Windows of the model's `n_samples` (2^17 for `paper`) advance by half a window; in each the
model takes up to `n_events` steps and commits only events that start in the first half. The
rendered tails of committed events are subtracted before the next window is analysed, so events
are not found twice. A step whose event does not reduce the weighted L1 norm of the residual
spectrogram ends the window early (adaptive stopping: no event is spent on nothing), except at
quality `best`, which always takes the model's `n_events` steps.

The EventSet is in the `latent` space with `model_hash` = the checkpoint's content hash; if the
checkpoint is not yet findable by hash, its weights are copied to `$EVENTCODEC_MODELS` (default
`~/.cache/eventcodec/models`) so the file decodes on this machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import torch
from tqdm import tqdm

from eventcodec.encode import EncodeOptions
from eventcodec.types import SAMPLE_RATE, VECTOR_SIZE, EventSet


def _ensure_findable(ref: str, digest: str) -> None:
    from eventcodec.model.checkpoint import CheckpointError, export_model, resolve, search_dirs

    try:
        resolve(digest)
    except CheckpointError:
        export_model(resolve(ref), search_dirs()[-1])


def _windows(blocks: Iterable[np.ndarray], n_samples: int, window: int, hop: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, (window,) float32) analysis windows every `hop` samples, zero-padded past the end."""
    buf = np.zeros(0, np.float32)
    start = 0
    it = iter(blocks)
    while start < n_samples:
        while len(buf) < window:
            block = next(it, None)
            if block is None:
                break
            buf = np.concatenate([buf, np.asarray(block, np.float32).reshape(-1)])
        yield start, np.pad(buf[:window], (0, max(0, window - len(buf[:window]))))
        buf = buf[hop:]
        start += hop


@torch.no_grad()
def encode_blocks(
    blocks: Iterable[np.ndarray], n_samples: int, options: EncodeOptions, progress: bool = False
) -> EventSet:
    """Encode mono 22050 Hz blocks with the model named by `options.checkpoint` (path or hash).

    Without a checkpoint, the model shipped with the package (`SHIPPED_MODEL_HASH`) is used.

    Raises:
        EventCodecError: the checkpoint cannot be found or read.
    """
    from eventcodec.model.checkpoint import SHIPPED_MODEL_HASH
    from eventcodec.model.load import load_model
    from eventcodec.model.loss import frame_weights, weighted_l1
    from eventcodec.model.schedule import delay
    from eventcodec.synth import event_seeds, render

    checkpoint = options.checkpoint or SHIPPED_MODEL_HASH
    model, digest = load_model(checkpoint)
    _ensure_findable(checkpoint, digest)
    cfg = model.cfg
    window, hop = cfg.n_samples, cfg.n_samples // 2
    max_events = cfg.n_events
    if options.events_per_second:
        max_events = max(1, min(max_events, round(options.events_per_second * hop / SAMPLE_RATE)))
    weights = frame_weights(cfg.n_frames)
    adaptive = options.quality != "best"  # `best` spends every step, even on events that do not help
    tails = torch.zeros(2 * window, dtype=torch.float64)  # committed events' audio, from the window start
    times: list[int] = []
    vectors: list[np.ndarray] = []
    n_windows = -(-n_samples // hop)
    for start, x in tqdm(_windows(blocks, n_samples, window, hop), total=n_windows, desc="encode (learned)",
                         unit="window", disable=not progress):
        spec = model.spectrogram(torch.from_numpy(x) - tails[:window].float())
        norm = weighted_l1(spec, weights)
        for _ in range(max_events):
            vecs, switch = model.encoder(spec[None])
            frame = int(switch[0].argmax())
            z = vecs[0, frame]
            controls = model.latent_to_controls(z)
            t_abs = start + frame * cfg.hop
            seed = torch.from_numpy(event_seeds(np.array([t_abs]), controls.numpy()[None]))
            event = render(controls[None], window, seed)[0]
            placed_spec = model.spectrogram(delay(event, frame * cfg.hop))
            new_spec = spec - placed_spec
            new_norm = weighted_l1(new_spec, weights)
            if t_abs >= n_samples or (adaptive and not new_norm < norm):
                break
            spec, norm = new_spec, new_norm
            tails[frame * cfg.hop : frame * cfg.hop + window] += event.double()
            times.append(t_abs)
            vectors.append(z.numpy())
        tails = torch.cat([tails[hop:], torch.zeros(hop, dtype=tails.dtype)])
    return EventSet(
        np.array(times, np.int64), np.array(vectors, np.float32).reshape(-1, VECTOR_SIZE),
        sample_rate=SAMPLE_RATE, n_samples=n_samples, space="latent", model_hash=digest,
        meta={"encoder": "learned", "window_samples": window},
    )
