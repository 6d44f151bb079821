"""Reject NaN, infinite or out-of-range controls before they reach the synthesizer."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.controls import N_CONTROLS, NAMES
from eventcodec.errors import ControlError

TOLERANCE = 1e-4  # normalised units; float round-off from optimisers and quantisers


def validate_controls(vectors: np.ndarray | torch.Tensor, tolerance: float = TOLERANCE) -> None:
    """Raise ControlError unless `vectors` (..., 32) are finite and within [0, 1] (+- tolerance).

    Args:
        vectors: normalised controls, shape (..., 32), numpy or torch.
        tolerance: how far outside [0, 1] a value may stray (it is clamped when rendered).
    """
    if isinstance(vectors, torch.Tensor):
        v = vectors.detach().to("cpu", torch.float64).numpy()
    else:
        try:
            v = np.asarray(vectors, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ControlError(f"controls are not numeric: {e}") from None
    if v.ndim == 0 or v.shape[-1] != N_CONTROLS:
        raise ControlError(f"controls must have shape (..., {N_CONTROLS}), got {tuple(v.shape)}")
    flat = v.reshape(-1, N_CONTROLS)
    bad = ~np.isfinite(flat)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ControlError(f"control {NAMES[col]!r} of event {row} is {flat[row, col]} (NaN or infinite)")
    out = (flat < -tolerance) | (flat > 1.0 + tolerance)
    if out.any():
        row, col = np.argwhere(out)[0]
        raise ControlError(
            f"control {NAMES[col]!r} of event {row} is {flat[row, col]:.6g}, outside the normalised range [0, 1]"
        )
