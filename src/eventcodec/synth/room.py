"""The room block: convolution with an impulse response, mixed with the dry signal (pure)."""

from __future__ import annotations

import torch


def room_spectra(bank: torch.Tensor, n_fft: int, max_len: int | None = None) -> torch.Tensor:
    """rFFTs (n_rooms, n_fft // 2 + 1) of the IR bank (n_rooms, ir_len), truncated to `max_len` samples."""
    ir = bank if max_len is None else bank[:, :max_len]
    return torch.fft.rfft(ir, n=n_fft)


def room_index(room_id: torch.Tensor, n_rooms: int) -> torch.Tensor:
    """Physical `room_id` values (batch,) -> int64 row indices into the bank (rounded, clamped)."""
    return torch.round(room_id.detach()).to(torch.int64).clamp(0, n_rooms - 1)


def apply_room(dry_spec: torch.Tensor, ir_spec: torch.Tensor, wet: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Room block in the frequency domain.

    Args:
        dry_spec: complex (batch, n_bins) spectrum of the dry signal.
        ir_spec: complex (batch, n_bins) spectrum of each event's IR.
        wet: (batch,) block gain (0 dry, 1 fully reverberant).

    Returns:
        (wet-only spectrum dry * IR, mixed spectrum (1 - wet) dry + wet * dry * IR).
    """
    room = dry_spec * ir_spec
    w = wet.unsqueeze(-1)
    return room, (1.0 - w) * dry_spec + w * room
