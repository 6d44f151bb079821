"""One event per step: a hard one-hot over frames with a straight-through softmax gradient."""

from __future__ import annotations

import torch


def select_one_hot(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Hard argmax one-hot whose gradient is that of softmax(logits / temperature).

    The forward value is exactly one 1 per row (ties go to the earliest frame); frames with
    logit -inf (the masked second half) are never selected and get no gradient.

    Args:
        logits: (batch, frames) selection logits.
    Returns:
        (batch, frames) one-hot rows.
    """
    soft = torch.softmax(logits / temperature, dim=-1)
    hard = torch.nn.functional.one_hot(logits.argmax(dim=-1), logits.shape[-1]).to(soft.dtype)
    return hard + soft - soft.detach()


def gather_selected(vectors: torch.Tensor, one_hot: torch.Tensor) -> torch.Tensor:
    """The vector at the selected frame: (batch, frames, size), (batch, frames) -> (batch, size)."""
    return torch.einsum("bts,bt->bs", vectors, one_hot)
