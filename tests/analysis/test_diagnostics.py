"""Win rates, position bias and Krippendorff's alpha on simulated studies with known behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import HumansError
from analysis.diagnostics import agreement, position_bias, win_rate_matrix
from analysis.simulate import simulate_votes


def test_win_rate_matrix_counts_ties_half():
    votes = pd.DataFrame(
        {
            "model_a": ["a", "a", "b", "a"],
            "model_b": ["b", "b", "a", "c"],
            "winner": ["model_a", "tie", "model_a", "both_bad"],
        }
    )
    table = win_rate_matrix(votes)
    assert table.loc["a", "b"] == pytest.approx(0.5)
    assert table.loc["b", "a"] == pytest.approx(0.5)
    assert table.loc["a", "c"] == pytest.approx(0.5)
    assert np.isnan(table.loc["b", "c"]) and np.isnan(table.loc["a", "a"])


def test_position_bias_finds_left_clickers():
    votes = simulate_votes([0.0, 0.5, 1.0], raters=20, votes_per_rater=60, careless=0.3, careless_mode="left", seed=5)
    bias = position_bias(votes)
    assert bias.left_share > 0.6 and bias.p_value < 1e-6
    flagged = bias.per_rater[bias.per_rater["left_share"] == 1.0]
    assert len(flagged) >= 3
    fair = position_bias(simulate_votes([0.0, 0.5, 1.0], raters=20, votes_per_rater=60, seed=5))
    assert 0.45 < fair.left_share < 0.55 and fair.p_value > 0.01


def test_position_bias_needs_left():
    with pytest.raises(HumansError, match=r"missing column\(s\) left"):
        position_bias(simulate_votes([0.0, 1.0], raters=2, votes_per_rater=5).drop(columns="left"))


def test_agreement_is_high_for_consistent_raters_and_near_zero_for_random_ones():
    # abilities out of alphabetical order, so that items differ in which side wins (alpha needs that variance)
    consistent = simulate_votes([6.0, 0.0, 3.0, 9.0], raters=30, votes_per_rater=30, scenarios=5, seed=2)
    careless = simulate_votes([6.0, 0.0, 3.0, 9.0], raters=30, votes_per_rater=30, scenarios=5, careless=1.0, seed=2)
    high, low = agreement(consistent), agreement(careless)
    assert high.alpha > 0.7
    assert abs(low.alpha) < 0.1
    assert high.n_items == 30 and high.n_ratings == 900


def test_agreement_needs_repeated_items():
    votes = pd.DataFrame({"model_a": ["a"], "model_b": ["b"], "winner": ["model_a"]})
    with pytest.raises(HumansError, match=r"no item .* was rated more than once"):
        agreement(votes)


def test_vectorised_binomial_pvalues_equal_scipy_binomtest():
    from scipy import stats

    from analysis.diagnostics import binomial_half_pvalues

    k = np.array([0, 1, 3, 5, 6, 10, 17, 25, 50])
    n = np.array([1, 6, 6, 10, 6, 30, 40, 50, 51])
    expected = [stats.binomtest(int(a), int(b), 0.5).pvalue for a, b in zip(k, n, strict=True)]
    np.testing.assert_allclose(binomial_half_pvalues(k, n), expected, rtol=1e-12, atol=1e-15)
