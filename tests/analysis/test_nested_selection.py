"""Nested cross-validation: ``auto`` chooses on the training models only; intervals cover held-out models."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.evaluation import AUTO, _inner_problem, _run_fold, auto_candidates, evaluate_selection, model_folds
from analysis.fold_fit import FoldData
from analysis.regression import task_means
from analysis.selection import METHODS
from analysis.simulate import simulate_benchmark


@pytest.fixture(scope="module")
def sim():
    return simulate_benchmark(n_models=40, task_sizes=(60, 50, 40), seed=4)


def _fold_data(sim, scores):
    data = sim.data
    truth = scores @ data.item_weights("macro")
    return FoldData(scores, data.task_codes, data.item_weights("macro"), truth, None, task_means(data), "stacked")


def test_auto_candidates_are_every_method_with_every_estimator_it_supports():
    cands = auto_candidates()
    assert {c.method for c in cands} == set(METHODS)
    assert {(c.method, c.estimator) for c in cands if c.estimator == "pirt"} == {
        ("irt_anchor", "pirt"), ("irt_fisher", "pirt")}  # fmt: skip
    assert all(c.estimator == "mean" for c in auto_candidates("mean"))


def test_autos_choice_does_not_depend_on_the_held_out_models(sim):
    """Scramble the held-out models' scores: auto's choice in that fold stays the same, only its estimates move."""
    test = model_folds(sim.data.n_models, "kfold", 4)[0]
    rows = _run_fold(_fold_data(sim, sim.data.scores), test, 0, (AUTO,), (10,), 1, None, None, 3)
    scrambled = sim.data.scores.copy()
    scrambled[test] = np.random.default_rng(0).permutation(scrambled[test].ravel()).reshape(len(test), -1)
    rows2 = _run_fold(_fold_data(sim, scrambled), test, 0, (AUTO,), (10,), 1, None, None, 3)
    assert {r[5] for r in rows} == {r[5] for r in rows2}  # the chosen method/estimator
    assert [r[8] for r in rows] != [r[8] for r in rows2]  # the estimates did change


def test_auto_results_intervals_and_coverage(sim):
    ev = evaluate_selection(
        sim.data, methods=["random", AUTO], sizes=(15,), cv="kfold", n_folds=5, n_seeds=2, interval_level=0.9,
        human=sim.human_scores, inner_folds=4, n_jobs=1, progress=False,
    )  # fmt: skip
    res = ev.results.set_index("method")
    assert list(ev.results["method"]) == ["random", "random", AUTO]
    chosen = res.loc[AUTO, "chosen"]
    assert sum(int(p.rsplit("×", 1)[1]) for p in chosen.split(", ")) == 5
    assert all(p.rsplit("×", 1)[0].split("/")[0] in METHODS for p in chosen.split(", "))
    pred = ev.predictions
    assert (pred["estimate_low"] <= pred["estimate"]).all() and (pred["estimate"] <= pred["estimate_high"]).all()
    assert (pred["human_estimate_low"] <= pred["human_estimate_high"]).all()
    # 40 models × 3 runs at a nominal 90 %: the pooled coverage is close to it
    hits = (pred["estimate_low"] <= pred["full_score"]) & (pred["full_score"] <= pred["estimate_high"])
    assert 0.8 <= hits.mean() <= 1.0
    assert res["coverage"].between(0, 1).all() and "human_coverage" in res.columns
    summary = ev.summary()
    assert {"coverage", "human_coverage", "coverage_sd"} <= set(summary.columns)


def test_at_scale_the_inner_problem_is_drawn_from_training_models_with_task_weights_kept(sim):
    data = _fold_data(sim, sim.data.scores)
    train_rows = np.arange(10, 40)
    inner, rows = _inner_problem(data, train_rows, 0, max_cells=100, min_items=20, cells=300, min_models=10)
    # 30 training models are fewer than one 2PL ability per task needs (50 per task): all are kept, items pooled
    assert inner.scores.shape == (30, 20) and np.array_equal(rows, np.arange(30))
    assert np.isin(inner.truth, data.truth[train_rows]).all()  # only training models, never rows 0-9
    # the item pool keeps every task's full-score weight and the truth of the models drawn
    full = np.bincount(data.tasks, weights=data.item_weights)
    np.testing.assert_allclose(np.bincount(inner.tasks, weights=inner.item_weights), full)
    same, same_rows = _inner_problem(data, train_rows, 0, max_cells=None, min_items=20)
    assert same is data and np.array_equal(same_rows, train_rows)


def test_auto_with_a_reduced_inner_problem_runs_and_records_its_choice(sim):
    ev = evaluate_selection(
        sim.data, methods=[AUTO], sizes=(10,), cv="kfold", n_folds=3, interval_level=0.9, inner_folds=3,
        inner_max_cells=1_000, n_jobs=1, progress=False,
    )  # fmt: skip
    chosen = ev.results["chosen"].iloc[0]
    assert sum(int(p.rsplit("×", 1)[1]) for p in chosen.split(", ")) == 3
    assert ev.results["mae"].iloc[0] < 0.1
