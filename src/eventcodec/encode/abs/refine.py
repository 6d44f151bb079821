"""Refine the winning candidate's controls by a few Adam steps on the surrogate's spectrogram match."""

from __future__ import annotations

import numpy as np
import torch

from eventcodec.controls import INDEX
from eventcodec.encode.abs.surrogate import expected_power

# controls the refinement may move, with a per-control step scale (pitch moves least)
REFINED: dict[str, float] = {
    "f0_hz": 0.05, "decay_s": 1.0, "decay_tilt": 1.0, "brightness_hz": 1.0, "spectral_slope_db_oct": 1.0,
    "hold_s": 1.0, "attack_s": 1.0, "release_s": 1.0, "tonal_mix": 1.0, "noise_lowpass_hz": 1.0,
    "noise_highpass_hz": 1.0, "env_decay_s": 1.0, "inharmonicity": 0.5,
}


def _step_scale() -> torch.Tensor:
    s = torch.zeros(32)
    for name, k in REFINED.items():
        s[INDEX[name]] = k
    return s


def match_loss(vector: torch.Tensor, residual_mag: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """1 - weighted cosine similarity of magnitudes (scale-free: the amplitude is fitted in closed form).

    Args:
        vector: (32,) normalised controls.
        residual_mag: (1025, M) sqrt residual power on the event's crop.
        weights: (M,) frame weights.
    """
    power = expected_power(vector.unsqueeze(0), residual_mag.shape[-1])[0][0]
    mag = torch.sqrt(power + 1e-12)
    num = (weights * residual_mag * mag).sum()
    den = torch.sqrt((weights * power).sum() * (weights * residual_mag.square()).sum()) + 1e-20
    return 1.0 - num / den


def refine_winner(vector: np.ndarray, residual_mag: np.ndarray, weights: np.ndarray, steps: int, lr: float
                  ) -> np.ndarray:
    """Adam on the refinable controls of `vector` (32,) to better match `residual_mag` (1025, M).

    Returns the best vector seen (never worse than the input under `match_loss`).
    """
    scale = _step_scale()
    base = torch.from_numpy(vector.astype(np.float32))
    delta = torch.zeros(32, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=lr)
    r = torch.from_numpy(residual_mag.astype(np.float32))
    w = torch.from_numpy(weights.astype(np.float32))
    best_v, best_loss = base.clone(), float("inf")
    for _ in range(steps + 1):
        v = (base + delta * scale).clamp(0.0, 1.0)
        loss = match_loss(v, r, w)
        if float(loss.detach()) < best_loss:
            best_loss, best_v = float(loss.detach()), v.detach().clone()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return best_v.numpy()
