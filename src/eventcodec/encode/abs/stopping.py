"""Adaptive stopping: a window is done when its residual is inaudible or no longer worth an event.

Levels are in dB re the energy of one STFT frame (n_fft 2048, periodic Hann) of a full-scale sine,
N * sum(w^2) / 4 = 393216, so quiet passages cost (almost) nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_SCALE_FRAME_ENERGY = 2048 * 768 / 4.0


def level_db(frame_energy: float) -> float:
    """dB of a frame energy re a full-scale sine's."""
    return float(10 * np.log10(max(frame_energy, 1e-30) / FULL_SCALE_FRAME_ENERGY))


@dataclass(frozen=True)
class StopRule:
    """Thresholds for one window.

    Attributes:
        target_energy: sum over frames of weighted target energy.
        n_weighted_frames: sum of the frame weights.
        rel_db: stop once the residual is this far below the target.
        abs_db: stop once the residual's mean weighted frame energy is below this level.
        min_gain_db: an event must remove at least this share of the window's target energy.
    """

    target_energy: float
    n_weighted_frames: float
    rel_db: float
    abs_db: float
    min_gain_db: float

    @staticmethod
    def for_window(target: np.ndarray, weights: np.ndarray, rel_db: float, abs_db: float,
                   min_gain_db: float) -> StopRule:
        """The rule for a window whose power spectrogram is `target` (1025, frames)."""
        return StopRule(float((target.sum(axis=0) * weights).sum()), float(weights.sum()), rel_db, abs_db,
                        min_gain_db)

    def window_done(self, residual: np.ndarray, weights: np.ndarray) -> bool:
        """True when the weighted residual is inaudible or far enough below the target."""
        e = float((residual.sum(axis=0) * weights).sum())
        if e <= 0:
            return True
        if level_db(e / max(self.n_weighted_frames, 1.0)) < self.abs_db:
            return True
        return 10 * np.log10(e / max(self.target_energy, 1e-30)) < self.rel_db

    def worth_it(self, gain: float, base: np.ndarray, weights: np.ndarray) -> bool:
        """True when an event removing `gain` (weighted residual power) is worth its bits."""
        if gain <= 0:
            return False
        if level_db(gain / max(self.n_weighted_frames, 1.0)) < self.abs_db - 10:
            return False
        return 10 * np.log10(gain / max(self.target_energy, 1e-30)) >= self.min_gain_db
