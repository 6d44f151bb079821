"""Counter-based white noise: sample n of seed s is a pure function of (s, n), on every machine.

A hash (not a stateful generator) makes the noise of an event independent of the render length,
the batch it is rendered in and the library versions, so chunked decoding and full renders agree
bit for bit. Unsigned 32-bit numpy arithmetic wraps by definition, so the values are portable.
"""

from __future__ import annotations

import numpy as np
import torch


def _mix32(x: np.ndarray) -> np.ndarray:
    """A 32-bit integer finaliser (lowbias32 constants) on uint32 arrays, in place."""
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def white_noise_np(seeds: np.ndarray, n_samples: int) -> np.ndarray:
    """Uniform white noise with unit variance, float64 (batch, n_samples) for int seeds (batch,)."""
    s = (np.asarray(seeds, dtype=np.int64).reshape(-1, 1) & 0xFFFFFFFF).astype(np.uint32)
    k1 = _mix32(s.copy())
    k2 = _mix32(k1 ^ np.uint32(0x68E31DA4))
    x = np.arange(n_samples, dtype=np.uint32)[None, :] ^ k1
    x = _mix32(_mix32(x) ^ k2)
    return (x.astype(np.float64) * (1.0 / 2**32) - 0.5) * np.sqrt(12.0)


def white_noise(seeds: torch.Tensor, n_samples: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Torch wrapper of `white_noise_np`: (batch, n_samples) of `dtype` for int64 seeds (batch,)."""
    noise = white_noise_np(seeds.detach().cpu().numpy(), n_samples)
    return torch.from_numpy(noise).to(device=seeds.device, dtype=dtype)
