"""Test signals shared by the bench tests."""

import numpy as np

SR = 22050


def repeated_note(f0_hz: float, n_samples: int, seed: int = 0) -> np.ndarray:
    """A 14-harmonic note at `f0_hz` struck every 0.5 s (decay 0.15 s) over a little noise: (n_samples,) float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / SR
    x = 0.001 * rng.standard_normal(n_samples)
    for onset in np.arange(0.0, t[-1] - 0.1, 0.5):
        env = np.where(t >= onset, np.exp(-(t - onset) / 0.15), 0.0)
        x += sum(env * 0.2 / h * np.sin(2 * np.pi * h * f0_hz * t) for h in range(1, 15))
    return x.astype(np.float32)
