"""The joint gain re-fit's bounded least squares: the small Cholesky problem has the same minimiser."""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear

from eventcodec.encode.abs.joint import _bounded_least_squares


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
