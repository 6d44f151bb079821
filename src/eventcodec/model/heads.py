"""Multi-head MLP decoder: 32-d latent -> the 32 normalised synth controls (sigmoid, in [0, 1]).

Each head owns a contiguous group of controls (`eventcodec.controls` order). Output biases start
at the controls' defaults so an untrained model renders plausible events.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from eventcodec.controls import N_CONTROLS, default_unit_vector, index_of
from eventcodec.model.config import ModelConfig


class ResidualBlock(nn.Module):
    """x + W2 leaky_relu(W1 layer_norm(x))."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(nn.functional.leaky_relu(self.fc1(self.norm(x)), 0.2))


class MLPHead(nn.Module):
    """latent (..., latent_size) -> (..., n_out) logits."""

    def __init__(self, latent_size: int, hidden: int, n_blocks: int, n_out: int) -> None:
        super().__init__()
        self.inp = nn.Linear(latent_size, hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(hidden) for _ in range(n_blocks)))
        self.out = nn.Linear(hidden, n_out)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(nn.functional.leaky_relu(self.inp(z), 0.2)))


def control_groups(n_heads: int) -> list[np.ndarray]:
    """Column indices of the controls each head produces (contiguous, as even as possible)."""
    return list(np.array_split(np.arange(N_CONTROLS), n_heads))


class ControlHeads(nn.Module):
    """The decoder's heads: latent (..., 32) -> controls (..., 32) in [0, 1]."""

    order: torch.Tensor
    lo: torch.Tensor
    hi: torch.Tensor

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.groups = control_groups(cfg.n_heads)
        self.heads = nn.ModuleList(
            MLPHead(cfg.latent_size, cfg.head_hidden, cfg.head_blocks, len(g)) for g in self.groups
        )
        lo, hi = np.zeros(N_CONTROLS, np.float32), np.ones(N_CONTROLS, np.float32)
        for name, low, high in cfg.control_ranges:
            lo[index_of(name)], hi[index_of(name)] = low, high
        defaults = np.clip((default_unit_vector() - lo) / (hi - lo), 0.02, 0.98)
        logits = np.log(defaults / (1 - defaults))
        with torch.no_grad():
            for head, g in zip(self.heads, self.groups, strict=True):
                out_layer: nn.Linear = head.out  # type: ignore[assignment]
                out_layer.weight.mul_(0.1)
                out_layer.bias.copy_(torch.from_numpy(logits[g]))
        self.register_buffer("order", torch.from_numpy(np.argsort(np.concatenate(self.groups))), persistent=False)
        self.register_buffer("lo", torch.from_numpy(lo), persistent=False)
        self.register_buffer("hi", torch.from_numpy(hi), persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = torch.cat([head(z) for head in self.heads], dim=-1)
        return self.lo + (self.hi - self.lo) * torch.sigmoid(out[..., self.order])
