"""Time-varying mixes: the mask that morphs resonance A into B, and the dry/resonant block gains (pure)."""

from __future__ import annotations

import torch


def morph_mask(t_s: torch.Tensor, morph_time_s: torch.Tensor, morph_amount: torch.Tensor) -> torch.Tensor:
    """Weight of resonance B over time, (batch, n_samples): amount * sigmoid(4 (t - t_half) / t_half).

    It is half of `morph_amount` at `morph_time_s` and ~2% of it at t = 0.

    Args:
        t_s: (n_samples,) or (batch, n_samples) times in seconds.
        morph_time_s, morph_amount: (batch,).
    """
    th = morph_time_s.unsqueeze(-1)
    return morph_amount.unsqueeze(-1) * torch.sigmoid(4.0 * (t_s - th) / th)


def block_gain(resonance: torch.Tensor, mix: torch.Tensor) -> torch.Tensor:
    """The paper's 2-channel skip as a transfer function: (1 - mix) + mix * resonance.

    Args:
        resonance: complex (batch, n_bins) spectrum of the block's (unit-energy) resonance.
        mix: (batch,) 0 = dry source only, 1 = resonance only.
    """
    m = mix.unsqueeze(-1)
    return (1.0 - m) + m * resonance
