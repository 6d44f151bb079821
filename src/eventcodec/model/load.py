"""Building a ready model from a checkpoint, and converting latent EventSets to controls."""

from __future__ import annotations

import functools
import json

import numpy as np
import torch

from eventcodec.controls import schema_hash
from eventcodec.errors import EventCodecError
from eventcodec.model.checkpoint import META_NAME, MODEL_NAME, load_checkpoint, resolve
from eventcodec.model.config import Config
from eventcodec.model.model import EventModel
from eventcodec.types import EventSet


def build_model(config: Config, weights: dict[str, torch.Tensor] | None = None) -> EventModel:
    """An EventModel for `config` (with `weights` loaded strictly when given), in eval mode."""
    model = EventModel(config.model)
    if weights is not None:
        try:
            model.load_state_dict(weights, strict=True)
        except RuntimeError as e:
            raise EventCodecError(f"checkpoint weights do not fit its config: {str(e).splitlines()[0]}") from None
    return model.eval()


def load_model(ref: str) -> tuple[EventModel, str]:
    """(model, content hash) from a checkpoint path or hash, frozen, in eval mode.

    Cached by folder and recorded hash, so a checkpoint rewritten in place is loaded again.
    """
    folder = resolve(ref)
    if folder.is_file():
        if folder.name != MODEL_NAME:
            load_checkpoint(folder)  # raises the "give its folder" error
        folder = folder.parent
    try:
        recorded = str(json.loads((folder / META_NAME).read_text()).get("hash", ""))
    except (OSError, ValueError, AttributeError):
        recorded = ""
    return _load_cached(str(folder.resolve()), recorded)


@functools.lru_cache(maxsize=4)
def _load_cached(folder: str, recorded_hash: str) -> tuple[EventModel, str]:
    ckpt = load_checkpoint(folder, with_state=False)
    model = build_model(ckpt.config, ckpt.weights)
    for p in model.parameters():
        p.requires_grad_(False)
    return model, ckpt.hash


def latent_to_controls(events: EventSet) -> EventSet:
    """A `latent` EventSet -> the equivalent editable `controls` EventSet (same times, same audio).

    The checkpoint is found by `events.model_hash` in the shipped models and `$EVENTCODEC_MODELS`.

    Raises:
        EventCodecError: not a latent set, or its model cannot be found.
    """
    if events.space != "latent":
        raise EventCodecError(f"expected a latent EventSet, got space {events.space!r}")
    if not events.model_hash:
        raise EventCodecError("latent EventSet has no model hash")
    model, digest = load_model(events.model_hash)
    with torch.no_grad():
        controls = model.latent_to_controls(torch.from_numpy(np.ascontiguousarray(events.vectors))).numpy()
    meta = {**events.meta, "from_model": digest}
    return events.replace(vectors=controls.astype(np.float32), space="controls", model_hash=schema_hash(), meta=meta)
