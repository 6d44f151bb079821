"""Counter-based white noise: sample n of seed s is a pure function of (s, n), on every machine.

A hash (not a stateful generator) makes the noise of an event independent of the render length,
the batch it is rendered in and the torch version, so chunked decoding and full renders agree.
"""

from __future__ import annotations

import torch

_M32 = 0xFFFFFFFF


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer finaliser on int64 tensors holding values in [0, 2^32); products stay < 2^63."""
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _M32
    x = x ^ (x >> 15)
    x = (x * 0x5BD1E995) & _M32
    x = x ^ (x >> 13)
    x = (x * 0x2C1B3C6D) & _M32
    return x ^ (x >> 16)


def white_noise(seeds: torch.Tensor, n_samples: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform white noise with unit variance, shape (batch, n_samples) for seeds (batch,) int64."""
    s = seeds.to(torch.int64).reshape(-1, 1) & _M32
    k1 = _mix32(s)
    k2 = _mix32(k1 ^ 0x68E31DA4)
    n = torch.arange(n_samples, dtype=torch.int64, device=seeds.device)
    x = _mix32(_mix32(n ^ k1) ^ k2)
    u = x.to(torch.float64) * (1.0 / 2**32) - 0.5
    return (u * 12.0**0.5).to(dtype)
