"""Shared helpers for the training tests (not a test module): small configs and fixed batches."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.model.config import Config, ModelConfig, TrainConfig
from eventcodec.model.model import synth_render

RENDER = synth_render  # the real synthesizer: no stand-ins

SMALL = Config(
    name="test",
    model=ModelConfig(n_samples=2048, n_events=2, channels=8, dilations=(1, 2, 4), head_hidden=16, head_blocks=1,
                      n_heads=2, control_ranges=(("n_partials", 0.0, 0.05),)),
    train=TrainConfig(batch_size=2, learning_rate=1e-3, log_every=1, sample_every=2, checkpoint_every=2, threads=1),
)


def fixed_batch(n: int, n_samples: int, n_events: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(audio (n, n_samples), seeds (n, n_events)): decaying tones, the same on every process."""
    rng = np.random.default_rng(123)
    t = np.arange(n_samples) / 22050
    audio = np.stack([np.sin(2 * np.pi * rng.uniform(100, 2000) * t) * np.exp(-t * rng.uniform(2, 20))
                      for _ in range(n)]).astype(np.float32)
    seeds = rng.integers(0, 2**31, (n, n_events))
    return torch.from_numpy(audio), torch.from_numpy(seeds)


def tone_clips(n: int = 3, n_samples: int = 20000) -> list[np.ndarray]:
    audio, _ = fixed_batch(n, n_samples, 1)
    return list(audio.numpy())

