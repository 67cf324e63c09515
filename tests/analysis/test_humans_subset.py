"""HUMANS subset files: fields, round trip through CSV, the scorer's formula, and clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.fold_fit import FoldData, Spec, fold_predictions
from analysis.humans_format import write_subset_splits
from analysis.humans_subset import (
    SUBSET_COLUMNS,
    TASK_ITEMS_COLUMN,
    TASK_ITEMS_FINGERPRINT_COLUMN,
    TASK_MEAN_WEIGHT_PREFIX,
    apply_subset,
    fit_humans_subsets,
    make_subset_table,
    read_subset,
)
from analysis.regression import task_means
from analysis.selection import METHODS
from analysis.simulate import simulate_benchmark


def _data():
    scores = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    return BenchmarkData(scores, np.array(["a", "b", "c"]), np.array(["i1", "i2", "i3"]), np.array(["t", "t", "u"]))


def test_apply_subset_computes_clipped_human_score_and_weighted_benchmark_score(tmp_path):
    data = _data()
    table = make_subset_table(data, np.array([0, 1]), [0.25, 0.75], [0.5, 0.75], human_regression_bias=0.1)
    assert tuple(table.columns) == SUBSET_COLUMNS
    table.to_csv(tmp_path / "s.csv", index=False)
    out = apply_subset(read_subset(tmp_path / "s.csv"), data)
    np.testing.assert_allclose(out["human_score"], [0.6, 0.1, 1.0])  # c: 0.1 + 0.5 + 0.75 = 1.35 -> clipped
    np.testing.assert_allclose(out["benchmark_score"], [0.25, 0.0, 1.0])
    assert list(out["model"]) == ["a", "b", "c"]


def test_missing_items_and_bad_files_are_clear_errors(tmp_path):
    data = _data()
    table = make_subset_table(data, np.array([0]), [1.0])
    table.loc[0, "item_id"] = "zz"
    with pytest.raises(HumansError, match="the item scores lack 1 of the subset's 1 items"):
        apply_subset(table, data)
    pd.DataFrame({"item": ["i1"], "task": ["t"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(HumansError, match="missing column"):
        read_subset(tmp_path / "bad.csv")
    (tmp_path / "nan.csv").write_text(",".join(SUBSET_COLUMNS) + "\ni1,t,t,score,0.5,x,0\n")
    with pytest.raises(HumansError, match="row 2: full_benchmark_weight 'x' is not a number"):
        read_subset(tmp_path / "nan.csv")
    with pytest.raises(HumansError, match=r"none\.csv: no such file; check the path"):
        read_subset(tmp_path / "none.csv")


def test_fitted_subsets_predict_full_and_human_scores_on_the_training_models():
    sim = simulate_benchmark(n_models=24, seed=5)
    subsets = fit_humans_subsets(sim.data, sim.human_scores, methods=["irt_fisher", "greedy_forward"], sizes=(30,))
    for table in subsets.values():
        assert len(table) == 30 and table["full_benchmark_weight"].sum() == pytest.approx(1.0)
    fisher = apply_subset(subsets["irt_fisher", 30], sim.data)  # chosen for the full score
    assert np.corrcoef(fisher["benchmark_score"], sim.data.full_score())[0, 1] > 0.8
    greedy = apply_subset(subsets["greedy_forward", 30], sim.data)  # re-selected with the human score as target
    assert np.corrcoef(greedy["human_score"], sim.human_scores)[0, 1] > 0.9
    plain = fit_humans_subsets(sim.data, None, methods=["random"], sizes=(10,))[("random", 10)]
    assert (plain["human_preference_weight"] == 0).all()


@pytest.mark.parametrize("method", ["greedy_forward", "irt_fisher"])
def test_a_stacked_subset_file_gives_the_prediction_that_was_evaluated(tmp_path, method):
    """Fitted on the training models of a fold, written and read back, the file predicts the held-out model's human
    score exactly as the evaluation did (the stack's task-mean term included)."""
    sim = simulate_benchmark(n_models=14, task_sizes=(60, 40, 30), seed=3, human_noise=0.02)
    data, human = sim.data, sim.human_scores
    train, test = np.arange(1, 14), np.array([0])
    folds = FoldData(data.scores, data.task_codes, data.item_weights(), data.full_score(), human, task_means(data),
                     "stacked")  # fmt: skip
    spec = Spec(method, METHODS[method].default_estimator, 0)
    evaluated = fold_predictions(folds, train, test, [spec], (12,), key=0)[spec, 12][1]
    table = fit_humans_subsets(data.take_models(train), human[train], methods=[method], sizes=(12,),
                               regressor="stacked")[method, 12]  # fmt: skip
    assert [c.removeprefix(TASK_MEAN_WEIGHT_PREFIX) for c in table.columns if c.startswith(TASK_MEAN_WEIGHT_PREFIX)] \
        == ["task0", "task1", "task2"]  # fmt: skip
    write_subset_splits({12: table}, tmp_path / "stacked")
    applied = apply_subset(read_subset(tmp_path / "stacked", "n12"), data.take_models(test))
    assert 0 < evaluated[0] < 1
    assert applied["human_score"].iloc[0] == pytest.approx(evaluated[0], abs=1e-9)
    assert table[TASK_ITEMS_COLUMN].iloc[0] == 130
    assert len(table[TASK_ITEMS_FINGERPRINT_COLUMN].iloc[0]) == 64
    no_task2 = data.take_items(np.flatnonzero(data.tasks != "task2"))
    with pytest.raises(HumansError, match="weighs the model's mean on task 'task2', which the item scores lack"):
        apply_subset(table[table["task"] != "task2"], no_task2)
    subset_only = data.take_items(pd.Index(data.items).get_indexer(table["item_id"]))
    with pytest.raises(HumansError, match="the item scores hold 12 of its 130 items; score the models on the full"):
        apply_subset(table, subset_only)
    ids = data.items.astype(object)
    ids[np.flatnonzero(data.tasks == "task1")[-1]] = "an item the subset never saw"
    renamed = dataclasses.replace(data.take_models(test), items=ids)
    with pytest.raises(HumansError, match="hold 130 items of those tasks, but not the same ones"):
        apply_subset(table, renamed)
