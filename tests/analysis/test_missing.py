"""Missing item scores (NaN) go through every selection method, every estimator, the evaluation and subset files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.benchmark_data import BenchmarkData
from analysis.evaluation import evaluate_selection
from analysis.humans_subset import apply_subset, fit_humans_subsets
from analysis.missing import observed_full_score, weighted_mean_observed
from analysis.selection import ESTIMATORS, METHODS, TrainingSet
from analysis.simulate import simulate_benchmark

#: Share of cells blanked out.
MISSING = 0.1


def _with_gaps(data: BenchmarkData, share: float = MISSING, seed: int = 0) -> BenchmarkData:
    scores = data.scores.copy()
    scores[np.random.default_rng(seed).random(scores.shape) < share] = np.nan
    return BenchmarkData(scores, data.models, data.items, data.tasks)


@pytest.fixture(scope="module")
def sim():
    return simulate_benchmark(n_models=30, task_sizes=(120, 80, 60), seed=4)


@pytest.fixture(scope="module")
def gappy(sim):
    return _with_gaps(sim.data)


def _estimators(name: str) -> list[str]:
    return [e for e in ESTIMATORS if name.startswith("irt") or e in ("mean", "calibrated")]


@pytest.mark.parametrize("name,estimator", [(n, e) for n in METHODS for e in _estimators(n)], ids=lambda x: str(x))
def test_every_method_and_estimator_fits_and_predicts_with_gaps(name, estimator, gappy):
    train = TrainingSet.from_benchmark(gappy, np.arange(24))
    assert train.has_missing and np.isfinite(train.scores).all() and np.isfinite(train.target).all()
    sel = METHODS[name](size=20, estimator=estimator, random_state=0).fit(train)
    x = gappy.scores[24:, sel.items_]
    assert np.isnan(x).any()  # the held-out models have gaps on the subset too
    est = sel.predict(x)
    assert est.shape == (6,) and np.isfinite(est).all()


def test_the_evaluation_scores_against_the_observed_full_score(sim, gappy):
    ev = evaluate_selection(gappy, methods=["random", "irt_fisher"], sizes=(40,), n_seeds=2, cv="kfold",
                            human=sim.human_scores, n_jobs=1, progress=False)  # fmt: skip
    res = ev.summary()
    assert np.isfinite(res[["pearson", "mae", "human_pearson"]].to_numpy()).all()
    assert (res["pearson"] > 0.7).all(), res
    truth = ev.predictions.groupby("model")["full_score"].first().reindex(gappy.models)
    np.testing.assert_allclose(truth, gappy.full_score())
    # the truth is not the gap-as-zero score
    assert not np.allclose(truth, np.nan_to_num(gappy.scores) @ gappy.item_weights())


def test_subset_files_are_fitted_and_applied_with_gaps(sim, gappy):
    table = fit_humans_subsets(gappy, sim.human_scores, methods=["anchor_points"], sizes=(15,))["anchor_points", 15]
    assert np.isfinite(table["human_preference_weight"]).all()
    scored = apply_subset(table, gappy)
    complete = ~np.isnan(gappy.scores[:, pd.Index(gappy.items).get_indexer(table["item_id"])]).any(axis=1)
    assert np.isfinite(scored["benchmark_score"]).all()
    assert np.isfinite(scored["human_score"][complete]).all() and scored["human_score"][~complete].isna().all()


def test_observed_full_score_keeps_task_weights_and_equals_the_plain_score_without_gaps(sim):
    data = sim.data
    v, tasks = data.item_weights(), data.task_codes
    np.testing.assert_allclose(observed_full_score(data.scores, v, tasks), data.scores @ v)
    one = data.scores[:1].copy()
    t0 = np.flatnonzero(tasks == 0)
    one[0, t0[: len(t0) // 2]] = np.nan  # half of task 0 missing: task 0 still counts for a third
    expected = np.mean([np.nanmean(one[0, tasks == t]) for t in range(3)])
    assert observed_full_score(one, v, tasks)[0] == pytest.approx(expected)
    assert weighted_mean_observed(np.array([[1.0, np.nan, 0.0]]), np.array([0.5, 0.25, 0.25]))[0] == pytest.approx(
        2 / 3
    )


def test_float32_scores_stay_float32_in_the_training_set_and_are_imputed_with_item_means(gappy):
    scores = gappy.scores.astype(np.float32)
    train = TrainingSet(scores, gappy.task_codes, gappy.item_weights())
    assert train.scores.dtype == np.float32 and not np.isnan(train.scores).any()
    j = int(np.flatnonzero(np.isnan(scores).any(axis=0))[0])
    np.testing.assert_allclose(train.scores[np.isnan(scores[:, j]), j], np.nanmean(scores[:, j]), rtol=1e-6)
    np.testing.assert_allclose(train.target, observed_full_score(scores.astype(np.float64), gappy.item_weights(),
                                                                 gappy.task_codes))  # fmt: skip
