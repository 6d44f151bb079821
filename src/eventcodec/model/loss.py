"""The paper's iterative loss over the residual magnitude spectrogram, plus optional terms.

With w the frame weights (1 on the first half of the window, a 1 -> 0 ramp to `ramp_power` on
the second), R_0 = target and R_i = R_{i-1} - S_i for event spectra S_i sorted by descending
weighted L1 norm:

- `difference` (the paper): sum_i (|w R_i|_1 - |w R_{i-1}|_1) / |w R_0|_1. It telescopes to
  |w R_K|_1 / |w R_0|_1 - 1, so it is -1 for a perfect decomposition and 0 for silence.
- `ratio`: mean_i |w R_i|_1 / |w R_{i-1}|_1, order-dependent: every step must shrink the residual.
"""

from __future__ import annotations

import torch

from eventcodec.model.config import LossKind


def frame_weights(n_frames: int, ramp_power: float = 1.0, device: torch.device | None = None) -> torch.Tensor:
    """(n_frames,) weights: 1 on the first half, (1 -> 0 linear ramp) ** ramp_power on the second."""
    half = n_frames // 2
    ramp = torch.linspace(1.0, 0.0, n_frames - half, device=device) ** ramp_power
    return torch.cat([torch.ones(half, device=device), ramp])


def weighted_l1(spec: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Sum of |spec| * weights over (bins, frames): (..., bins, frames) -> (...)."""
    return (spec.abs() * weights).sum(dim=(-2, -1))


def iterative_loss(
    target_spec: torch.Tensor,
    event_specs: torch.Tensor,
    weights: torch.Tensor,
    kind: LossKind = "difference",
    eps: float = 1e-6,
) -> torch.Tensor:
    """The iterative residual loss (see module doc), averaged over the batch.

    Args:
        target_spec: (batch, bins, frames) magnitude of the input.
        event_specs: (batch, n_events, bins, frames) magnitudes of the placed events.
        weights: (frames,) frame weights.
    Returns:
        scalar loss.
    """
    norms = weighted_l1(event_specs, weights)  # (batch, n_events)
    order = norms.detach().argsort(dim=1, descending=True)
    sorted_specs = torch.take_along_dim(event_specs, order[:, :, None, None], dim=1)
    residual = target_spec
    before = weighted_l1(residual, weights)
    total = before.new_zeros(before.shape)
    start = before
    for i in range(sorted_specs.shape[1]):
        residual = residual - sorted_specs[:, i]
        after = weighted_l1(residual, weights)
        total = total + (after / (before + eps) if kind == "ratio" else after - before)
        before = after
    if kind == "ratio":
        return (total / sorted_specs.shape[1]).mean()
    return (total / (start + eps)).mean()


def sparsity_penalty(target_spec: torch.Tensor, event_specs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Summed event L1 norms over the target's: penalises redundant, cancelling events. Scalar."""
    return (weighted_l1(event_specs, weights).sum(dim=1) / (weighted_l1(target_spec, weights) + 1e-6)).mean()
