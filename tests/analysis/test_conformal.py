"""Split-conformal intervals: the order statistic, and coverage at the stated level on exchangeable data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.conformal import check_level, conformal_interval, conformal_quantile
from analysis.errors import HumansError

#: Monte Carlo tolerance of the coverage check (2,000 replications: sd of the mean ≈ 0.007).
COVERAGE_ATOL = 0.025


def test_quantile_is_the_finite_sample_order_statistic():
    r = np.arange(1, 21) / 100.0  # n = 20
    assert conformal_quantile(r, 0.9) == pytest.approx(0.189)  # rank 21 · 0.9 = 18.9: 0.18 + 0.9 · 0.01
    assert conformal_quantile(-r, 0.5) == pytest.approx(0.105)  # absolute values; rank 10.5
    assert math.isinf(conformal_quantile(r[:5], 0.9))
    low, high = conformal_interval(np.array([0.05, 0.5]), r, 0.9)
    np.testing.assert_allclose(low, [0.0, 0.311])
    np.testing.assert_allclose(high, [0.239, 0.689])
    with pytest.raises(HumansError, match=r"interval level 1\.5 must be between 0 and 1"):
        check_level(1.5)


@pytest.mark.parametrize("level", [0.8, 0.9])
@pytest.mark.parametrize("n", [12, 40])
def test_coverage_of_a_new_exchangeable_point_is_the_level(rng, level, n):
    """Residuals and the new point's error from one distribution: the expected coverage is the level."""
    hits = []
    for _ in range(2000):
        errors = rng.standard_t(4, size=n + 1) * 0.05
        q = conformal_quantile(errors[:n], level)
        hits.append(abs(errors[n]) <= q)
    coverage = float(np.mean(hits))
    assert coverage == pytest.approx(level, abs=COVERAGE_ATOL)
