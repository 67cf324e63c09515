"""Correlations against scipy, interval and p-value behaviour, and the join on model names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import HumansError
from analysis.correlation import batch_correlations, correlate

#: Our coefficients are exact formulas; scipy computes the same ones.
SCIPY_ATOL = 1e-12


def test_coefficients_match_scipy_with_ties(rng):
    x = rng.normal(size=25)
    y = x + rng.normal(size=25)
    x[3] = x[7]
    y[1] = y[2] = y[9]
    got = batch_correlations(x, y)
    expected = [stats.pearsonr(x, y)[0], stats.spearmanr(x, y)[0], stats.kendalltau(x, y, variant="b")[0]]
    np.testing.assert_allclose(got, expected, atol=SCIPY_ATOL)


def test_batched_rows_equal_one_by_one(rng):
    x, y = rng.normal(size=(4, 10)), rng.normal(size=(4, 10))
    batched = batch_correlations(x, y)
    for k in range(4):
        np.testing.assert_allclose(batched[:, k], batch_correlations(x[k], y[k]), atol=SCIPY_ATOL)


def test_correlate_joins_on_names_and_reports_unmatched(rng):
    x = rng.normal(size=20)
    a = pd.DataFrame({"model": [f"m{k}" for k in range(20)], "human_score": x})
    b = pd.DataFrame(
        {
            "model": [f"m{k}" for k in range(19, -1, -1)] + ["extra"],
            "accuracy": np.r_[x[::-1] * 2 + 0.1 * rng.normal(size=20), 0.5],
        }
    )
    result = correlate(a.drop(index=[0]), b, bootstrap=300, permutations=2000, seed=1)
    assert result.only_in_a == [] and result.only_in_b == ["extra", "m0"]
    table = result.table.set_index("method")
    assert (table["n_models"] == 19).all()
    assert (table["estimate"] > 0.9).all()
    assert (table["low"] <= table["estimate"]).all() and (table["estimate"] <= table["high"]).all()
    assert (table["p_value"] < 0.01).all()


def test_uncorrelated_scores_have_large_p_values():
    x = np.arange(-7.0, 8.0)  # y = x^2: all three coefficients are exactly 0
    a = pd.DataFrame({"model": [f"m{k}" for k in range(15)], "score": x})
    b = pd.DataFrame({"model": [f"m{k}" for k in range(15)], "score": x**2})
    table = correlate(a, b, bootstrap=300, permutations=2000, seed=3).table
    np.testing.assert_allclose(table["estimate"], 0.0, atol=SCIPY_ATOL)
    assert (table["low"] < 0).all() and (table["high"] > 0).all()
    assert (table["p_value"] > 0.5).all()


def test_correlate_errors_are_clear():
    a = pd.DataFrame({"model": ["x", "y", "z"], "s1": [1, 2, 3], "s2": [3, 2, 1]})
    b = pd.DataFrame({"model": ["x", "y", "w"], "score": [1.0, 2.0, 3.0]})
    with pytest.raises(HumansError, match="cannot tell which column holds the scores"):
        correlate(a, b)
    with pytest.raises(HumansError, match=r"only 2 model\(s\) appear in both .*unmatched in A: z; in B: w"):
        correlate(a, b, a_col="s1")
    with pytest.raises(HumansError, match="no column 'nope'"):
        correlate(a, b, a_col="nope")
    with pytest.raises(HumansError, match="'x' appears more than once"):
        correlate(pd.concat([a, a]), b, a_col="s1")
