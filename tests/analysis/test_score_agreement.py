"""Score agreement (estimate vs truth, per model) lives in its own module that both evaluation and regression use."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from analysis.score_agreement import METRICS, interval_coverage, score_agreement


def test_matches_scipy_and_constant_vectors_give_nan(rng):
    x, y = rng.random(15), rng.random(15)
    out = score_agreement(x, y)
    assert list(out) == list(METRICS)
    assert out["pearson"] == pytest.approx(stats.pearsonr(x, y).statistic)
    assert out["spearman"] == pytest.approx(stats.spearmanr(x, y).statistic)
    assert out["kendall"] == pytest.approx(stats.kendalltau(x, y).statistic)
    assert out["mae"] == pytest.approx(np.abs(x - y).mean())
    flat = score_agreement(np.full(4, 0.5), y[:4])
    assert np.isnan(flat["pearson"]) and flat["mae"] == pytest.approx(np.abs(0.5 - y[:4]).mean())


def test_interval_coverage_counts_the_closed_interval():
    assert interval_coverage(np.array([0.0, 0.2, 0.5]), np.array([0.1, 0.3, 0.6]), np.array([0.1, 0.5, 0.5])) == (
        pytest.approx(2 / 3)
    )


@pytest.mark.parametrize("module", ["analysis.regression", "analysis.evaluation"])
def test_regression_and_evaluation_import_on_their_own_without_a_cycle(module):
    """Each module imports first in a fresh interpreter; regression no longer needs evaluation (nor the reverse)."""
    code = (
        f"import sys, {module}; "
        "other = {'analysis.regression': 'analysis.evaluation', 'analysis.evaluation': None}"
        f"['{module}']; "
        "assert other is None or other not in sys.modules, other"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
