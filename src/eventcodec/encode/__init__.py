"""Encoders: audio -> EventSet. Each registers itself in `ENCODERS` under a short name."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

Quality = Literal["fast", "default", "best"]


@dataclass(frozen=True)
class EncodeOptions:
    """User knobs shared by all encoders.

    Attributes:
        quality: speed/quality preset.
        events_per_second: upper bound on the event rate (None: the preset's).
        bitrate_kbps: target bitrate after entropy coding (None: no target).
        checkpoint: path of a trained model (learned encoder only).
        seed: seed for any randomness in the search (results are deterministic given it).
        texture: also store a noise texture (what the events leave unexplained, as band levels of
            shaped noise; its bits count toward `bitrate_kbps`). False: events only.
        notes: track notes first and make each one event (`abs` only); False: the pursuit alone.
    """

    quality: Quality = "default"
    events_per_second: float | None = None
    bitrate_kbps: float | None = None
    checkpoint: str | None = None
    seed: int = 0
    texture: bool = True
    notes: bool = True


# encode_fn(blocks, n_samples, options, progress) -> EventSet; `blocks` are mono float32 at 22050 Hz.
EncoderFn = Callable[[Iterable[np.ndarray], int, EncodeOptions, bool], EventSet]

# name -> module that defines `encode_blocks` (an EncoderFn); imported lazily so start-up stays fast.
ENCODER_MODULES: dict[str, str] = {"abs": "eventcodec.encode.abs", "learned": "eventcodec.encode.learned"}


def available() -> list[str]:
    """Names of the encoders this installation has."""
    return sorted(ENCODER_MODULES)


def get_encoder(name: str) -> EncoderFn:
    """The encoder registered under `name`; EventCodecError for an unknown one."""
    if name not in ENCODER_MODULES:
        known = ", ".join(available()) or "none"
        raise EventCodecError(f"unknown encoder {name!r}; available: {known}")
    fn: EncoderFn = importlib.import_module(ENCODER_MODULES[name]).encode_blocks
    return fn
