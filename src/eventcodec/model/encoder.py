"""The paper's encoder: an anti-causal dilated 1-D conv net over the residual STFT magnitude.

Anti-causal (as the paper and the author's code define it): kernel 2, padded on the future
side, so block output at frame t sees frames t and t + d only. Stacked, the output at frame t
depends on frames t .. t + receptive_field - 1 and never on frames < t.
"""

from __future__ import annotations

import torch
from torch import nn

from eventcodec.model.config import ModelConfig


class GatedBlock(nn.Module):
    """Gated residual block: y = tanh(a * f) * sigmoid(b * g), [f, g] = conv_k2(x padded on the future side)."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.dilation = dilation
        self.conv = nn.Conv1d(channels, 2 * channels, kernel_size=2, dilation=dilation)
        self.a = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, channels, frames) -> (residual output, skip output), both the input's shape."""
        f, g = self.conv(nn.functional.pad(x, (0, self.dilation))).chunk(2, dim=1)
        y = torch.tanh(self.a * f) * torch.sigmoid(self.b * g)
        return x + y, y


class Encoder(nn.Module):
    """Residual magnitude spectrogram -> per-frame event vectors and selection logits."""

    def __init__(self, cfg: ModelConfig, n_bins: int = 1025) -> None:
        super().__init__()
        self.inp = nn.Conv1d(n_bins, cfg.channels, 1)
        self.blocks = nn.ModuleList(GatedBlock(cfg.channels, d) for d in cfg.dilations)
        self.mix = nn.Conv1d(cfg.channels, cfg.channels, 1)
        self.to_vector = nn.Conv1d(cfg.channels, cfg.latent_size, 1)
        self.to_switch = nn.Conv1d(cfg.channels, 1, 1)

    def features(self, spec: torch.Tensor) -> torch.Tensor:
        """(batch, bins, frames) linear magnitude -> (batch, channels, frames) hidden features."""
        x = self.inp(spec)
        skips = torch.zeros_like(x)
        for block in self.blocks:
            x, skip = block(x)
            skips = skips + skip
        return self.mix(nn.functional.leaky_relu(skips, 0.2))

    def forward(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame outputs, second half of the window masked (streaming).

        Args:
            spec: (batch, bins, frames) linear STFT magnitude of the residual.
        Returns:
            vectors: (batch, frames, latent_size) in [-1, 1], zero on the second half.
            switch: (batch, frames) selection logits, -inf on the second half (never selected).
        """
        h = self.features(spec)
        n_frames = spec.shape[-1]
        valid = torch.arange(n_frames, device=spec.device) < n_frames // 2
        vectors = torch.tanh(self.to_vector(h)).transpose(1, 2) * valid[None, :, None]
        switch = self.to_switch(h)[:, 0].masked_fill(~valid, float("-inf"))
        return vectors, switch
