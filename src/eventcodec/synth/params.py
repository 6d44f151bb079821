"""Normalised controls -> physical values as differentiable torch tensors (the table is `eventcodec.controls`)."""

from __future__ import annotations

import functools
import math

import torch

from eventcodec.controls import CONTROLS, INDEX, N_CONTROLS

_LO_T = [math.log(c.min) if c.scale == "log" else c.min for c in CONTROLS]
_HI_T = [math.log(c.max) if c.scale == "log" else c.max for c in CONTROLS]
_IS_LOG = [c.scale == "log" for c in CONTROLS]


@functools.cache
def _bounds(dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(lo, hi - lo, is_log) of the transformed scale, one tensor each (built once per dtype and device)."""
    lo = torch.tensor(_LO_T, dtype=dtype, device=device)
    return lo, torch.tensor(_HI_T, dtype=dtype, device=device) - lo, torch.tensor(_IS_LOG, device=device)


def to_physical(controls: torch.Tensor) -> torch.Tensor:
    """Normalised controls (..., 32) in [0, 1] -> physical values (..., 32), differentiable."""
    lo, span, is_log = _bounds(controls.dtype, controls.device)
    t = torch.addcmul(lo, controls, span)
    # exp only of log columns: exp(t) of a linear column overflows (shift_samples > 88), and the
    # unselected branch's inf times a zero gradient would be NaN
    return torch.where(is_log, torch.exp(torch.where(is_log, t, torch.zeros_like(t))), t)


def unpack(controls: torch.Tensor) -> dict[str, torch.Tensor]:
    """Normalised controls (..., 32) -> {name: physical value (...)} for all 32 controls."""
    if controls.shape[-1] != N_CONTROLS:
        raise ValueError(f"controls must have {N_CONTROLS} columns, got {controls.shape[-1]}")
    phys = to_physical(controls)
    return dict(zip(INDEX, phys.unbind(-1), strict=True))  # one op for 32 views
