"""Regression of human scores on item scores: the closed-form ridge, LOO predictions, and the simulated claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import RidgeCV

from analysis.errors import HumansError
from analysis.regression import (
    RidgeLOO,
    ShrunkRidgeLOO,
    StackedRidge,
    compare_human_regression,
    fit_regressor,
    fit_ridge,
    loo_predictions,
    task_means,
)
from analysis.simulate import simulate_benchmark

#: Closed-form ridge vs scikit-learn's RidgeCV (same alphas, same efficient LOO criterion).
RIDGE_ATOL = 1e-9
N_SEEDS = 20


def test_closed_form_ridge_matches_scikit_learn(rng):
    x = rng.random((17, 40))
    y = x[:, :4].sum(axis=1) + rng.normal(0, 0.5, 17)
    ours = RidgeLOO().fit(x, y)
    ref = RidgeCV(alphas=ours.alphas).fit(x, y)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=RIDGE_ATOL)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=RIDGE_ATOL)


def test_loo_predictions_refit_without_the_held_out_row(rng):
    x = rng.random((12, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, 12)
    pred = loo_predictions(x, y, "ols")
    manual = fit_regressor(x[1:], y[1:], "ols").predict(x[:1])[0]
    assert pred[0] == pytest.approx(manual)
    assert np.corrcoef(pred, y)[0, 1] > 0.9
    assert np.isfinite(loo_predictions(x, y, "lasso")).all()
    with pytest.raises(HumansError, match="regressor 'svm' is not one of stacked, ridge, lasso, ols"):
        fit_regressor(x, y, "svm")


def test_task_means_are_per_task_averages():
    sim = simulate_benchmark(n_models=5, task_sizes=(3, 2), seed=0)
    np.testing.assert_allclose(task_means(sim.data)[:, 1], sim.data.scores[:, 3:].mean(axis=1))


def test_selected_subset_regression_beats_random_subsets_and_the_full_benchmark():
    """Humans weigh skill 0 (10 % of the items, spread over every task) five times more than the benchmark."""
    rows = []
    for seed in range(N_SEEDS):
        sim = simulate_benchmark(seed=seed)
        table = compare_human_regression(
            sim.data, sim.human_scores, method="greedy_forward", size=50, n_random=5, seed=seed
        )
        rows.append(table.set_index("comparison")["pearson"])
    mean = pd.DataFrame(rows).mean()
    print("\nLOO Pearson with the human score, mean over", N_SEEDS, "seeds:\n", mean.round(3).to_string())
    assert mean["subset_regression"] > mean["full_benchmark_regression"] + 0.05
    assert mean["subset_regression"] > mean["random_subset_regression"] + 0.1
    assert mean["subset_regression"] > mean["full_score"] + 0.05


def test_compare_refuses_misaligned_human_scores():
    sim = simulate_benchmark(n_models=6, task_sizes=(20,), seed=0)
    with pytest.raises(HumansError, match=r"one number per model \(6\)"):
        compare_human_regression(sim.data, np.zeros(5))


def test_shrunk_ridge_closed_form_loo_equals_refitting_without_each_row(rng):
    """Exact LOO error of every candidate penalty vs a brute-force refit (augmented least squares) per row."""
    n, p = 14, 30
    x = rng.random((n, p))
    y = x[:, :3].mean(axis=1) + rng.normal(0, 0.05, n)
    base = x.mean(axis=1)
    fitted = ShrunkRidgeLOO(alphas=np.array([0.05, 0.7, 20.0])).fit(x, y, base)
    for alpha, loo_mse in zip(fitted.alphas_, fitted.loo_mse_, strict=True):
        errors = []
        for i in range(n):
            keep = np.arange(n) != i
            design = np.column_stack([np.ones(n - 1), base[keep], x[keep]])
            if np.isinf(alpha):
                coef = np.linalg.lstsq(design[:, :2], y[keep], rcond=None)[0]
                pred = coef @ np.array([1.0, base[i]])
            else:  # min |y - U g - X w|^2 + alpha |w|^2, unpenalised intercept and base
                penalty = np.hstack([np.zeros((p, 2)), np.sqrt(alpha) * np.eye(p)])
                coef = np.linalg.lstsq(np.vstack([design, penalty]), np.concatenate([y[keep], np.zeros(p)]),
                                       rcond=None)[0]  # fmt: skip
                pred = coef @ np.concatenate([[1.0, base[i]], x[i]])
            errors.append(y[i] - pred)
        assert loo_mse == pytest.approx(np.mean(np.square(errors)), rel=1e-8)
    assert fitted.alpha_ == fitted.alphas_[np.argmin(fitted.loo_mse_)]


def test_stacked_regression_falls_back_to_the_full_benchmark_regression_when_items_are_noise(rng):
    features = rng.random((20, 4))
    y = features @ np.array([0.5, 0.2, 0.0, 0.1]) + rng.normal(0, 0.01, 20)
    noise = (rng.random((20, 25)) < 0.5).astype(float)
    stacked = StackedRidge().fit(noise, y, features)
    base = fit_ridge(features, y)
    assert not stacked.uses_items_  # the nested cross-validation finds nothing in the items
    np.testing.assert_allclose(stacked.predict(noise, features), base.predict(features), rtol=1e-12)
    assert not stacked.item_coef_.any()


def test_stacked_regression_uses_items_that_carry_what_the_task_means_miss(rng):
    features = rng.random((24, 3))
    items = (rng.random((24, 10)) < 0.5).astype(float)
    y = features @ np.array([0.3, 0.2, 0.1]) + 0.2 * items[:, :3].mean(axis=1) + rng.normal(0, 0.005, 24)
    stacked = StackedRidge().fit(items, y, features)
    assert stacked.uses_items_
    assert np.abs(stacked.item_coef_[:3]).min() > np.abs(stacked.item_coef_[3:]).max()
