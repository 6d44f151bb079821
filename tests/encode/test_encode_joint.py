"""The joint gain re-fit's bounded least squares: the small Cholesky problem has the same minimiser."""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear

from eventcodec.encode.abs.joint import _bounded_least_squares, refit_gains
from eventcodec.encode.abs.pursuit import AMP, Found
from eventcodec.encode.abs.spectra import PAD_FRAMES


def test_same_minimiser_as_bvls_on_the_full_problem() -> None:
    rng = np.random.default_rng(0)
    for n_rows, n in [(3000, 40), (500, 5), (2000, 120)]:
        A = rng.random((n_rows, n)) ** 4  # non-negative, overlapping columns like event powers
        truth = rng.random(n) * 2
        truth[rng.random(n) < 0.3] = 0.0  # some events are redundant
        y = A @ truth + 0.01 * rng.standard_normal(n_rows)
        upper = np.full(n, 1.5)  # some gains hit the ceiling
        ours = _bounded_least_squares(A, y, upper)
        ref = lsq_linear(A, y, bounds=(np.zeros(n), upper), method="bvls").x
        assert np.all(ours >= 0) and np.all(ours <= upper)
        assert np.sum((A @ ours - y) ** 2) <= np.sum((A @ ref - y) ** 2) * (1 + 1e-6)
        np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_duplicate_columns_do_not_break_it() -> None:
    rng = np.random.default_rng(1)
    col = rng.random(400)
    A = np.stack([col, col, rng.random(400)], axis=1)  # two identical events: A^T A is singular
    y = A @ np.array([0.5, 0.5, 1.0])
    x = _bounded_least_squares(A, y, np.full(3, 10.0))
    assert np.sum((A @ x - y) ** 2) < 1e-12 * np.sum(y**2) + 1e-9


def _overshoot_case() -> tuple[list[Found], np.ndarray]:
    """A tone the window must explain (bins 200-209, 40 frames) and one event that also covers its neighbours
    (bins 180-229) and rings 20 frames longer: no gain fits both, so the re-fit must choose."""
    base = np.full((1025, 60), 0.1)  # the rest of the music
    base[200:210, :40] = 1.0
    power = np.zeros((1025, 60))
    power[180:230, :60] = 0.5
    power[200:210, :60] = 1.0
    vector = np.full(32, 0.5, np.float32)
    vector[AMP] = 0.9  # -9 dB: room to go up or down
    return [Found(PAD_FRAMES, vector, power)], base


def _overshoot(found: list[Found], base: np.ndarray) -> float:
    model = np.zeros_like(base)
    for ev in found:
        model[:, : ev.power.shape[1]] += ev.power
    return float(np.maximum(model - base, 0.0).sum())


def test_weighting_overshoot_lowers_what_the_events_add_beyond_their_target() -> None:
    found, base = _overshoot_case()
    weights = np.ones(base.shape[1])
    even = refit_gains(found, base, base, weights)
    wary = refit_gains(found, base, base, weights, overshoot_weight=16.0)
    assert len(even) == len(wary) == 1  # quieter, not dropped
    assert wary[0].vector[AMP] < even[0].vector[AMP]
    assert _overshoot(wary, base) < 0.5 * _overshoot(even, base)
    assert refit_gains(found, base, base, weights, overshoot_weight=1.0)[0].vector[AMP] == even[0].vector[AMP]
