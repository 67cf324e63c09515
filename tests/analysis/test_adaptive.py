"""Adaptive testing: the one-item-at-a-time API, the classical max-information rule, and gains over static subsets."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.adaptive import AdaptiveTest, evaluate_adaptive
from analysis.errors import HumansError
from analysis.evaluation import evaluate_selection
from analysis.irt import item_information
from analysis.selection import TrainingSet
from analysis.simulate import simulate_benchmark


@pytest.fixture(scope="module")
def sim():
    """300 models on a two-task benchmark: enough models for an IRT fit worth adapting with."""
    return simulate_benchmark(n_models=300, task_sizes=(150, 100), seed=5)


@pytest.fixture(scope="module")
def fitted(sim):
    return AdaptiveTest(budget=15).fit(TrainingSet.from_benchmark(sim.data, np.arange(250)))


def test_a_session_asks_distinct_items_up_to_the_budget_and_gives_an_interval(fitted, sim):
    session = fitted.session()
    asked = []
    while (item := session.next_item()) is not None:
        asked.append(item)
        session.update(item, sim.data.scores[260, item])
    assert len(asked) == 15 == len(set(asked)) and session.done
    est = session.estimate()
    assert est.n_items == 15 and est.level == 0.9
    assert 0 <= est.low <= est.score <= est.high <= 1 and est.se > 0
    assert est.theta.shape == (fitted.irt_.n_tasks,)
    wider = session.estimate(level=0.99)
    assert wider.high - wider.low > est.high - est.low


def test_session_errors_are_clear(fitted):
    session = fitted.session()
    item = session.next_item()
    with pytest.raises(HumansError, match=r"score 2 for item .* must lie in \[0, 1\]"):
        session.update(item, 2)
    with pytest.raises(HumansError, match="is not one of the benchmark's 250 item positions"):
        session.update(9999, 1.0)
    session.update(item, 1.0)
    with pytest.raises(HumansError, match="already has a score"):
        session.update(item, 0.0)
    with pytest.raises(HumansError, match="not fitted yet"):
        AdaptiveTest().session()
    with pytest.raises(HumansError, match="budget 0 must be an integer between 1 and"):
        AdaptiveTest(budget=0).fit(np.zeros((5, 4)))


def test_with_one_task_the_first_item_is_the_most_informative_at_the_prior_mean(sim):
    data = sim.data.take_items(np.flatnonzero(sim.data.task_codes == 0))
    test = AdaptiveTest(budget=5).fit(TrainingSet.from_benchmark(data, np.arange(250)))
    first = test.session().next_item()
    col = test.item_columns_
    info = item_information(np.zeros(1), test.irt_.a_[col], test.irt_.d_[col])[0]
    assert info[first] == pytest.approx(info.max())


def test_the_run_over_many_models_matches_sessions_one_by_one(fitted, sim):
    batch = fitted.run(sim.data.scores[250:253], checkpoints=(5, 15))
    for i, row in enumerate(range(250, 253)):
        session = fitted.session()
        while (item := session.next_item()) is not None:
            session.update(item, sim.data.scores[row, item])
        assert batch[15]["estimate"][i] == pytest.approx(session.estimate().score, abs=1e-9)
    assert batch[5]["n_items"].tolist() == [5, 5, 5]


def test_adaptive_beats_random_subsets_of_the_same_size_and_covers_near_nominal(sim):
    adaptive = evaluate_adaptive(sim.data, budgets=(10, 20), n_jobs=1, progress=False).results
    static = evaluate_selection(
        sim.data, methods=["random"], sizes=(10, 20), cv="kfold", n_seeds=3, n_jobs=1, progress=False
    ).summary()
    for size in (10, 20):
        ada = adaptive.loc[adaptive["size"] == size].iloc[0]
        rnd = static.loc[static["size"] == size].iloc[0]
        assert ada["mae"] < rnd["mae"], (size, ada["mae"], rnd["mae"])
        assert ada["coverage"] > 0.75  # nominal 0.9; measured 0.79-0.9 (the misfit term is fitted in-sample)
    assert set(adaptive["method"]) == {"adaptive"}


def test_a_target_standard_error_stops_tests_early(sim):
    loose = evaluate_adaptive(sim.data, budgets=(40,), target_se=0.04, n_jobs=1, progress=False)
    assert loose.results["mean_items_used"].iloc[0] < 40
    assert (loose.predictions["items_used"] <= 40).all()


def test_missing_answers_are_skipped(sim):
    scores = sim.data.scores.copy()
    scores[np.random.default_rng(0).random(scores.shape) < 0.1] = np.nan
    test = AdaptiveTest(budget=20).fit(TrainingSet(scores[:250], sim.data.task_codes))
    out = test.run(scores[250:], checkpoints=(20,))[20]
    assert np.isfinite(out["estimate"]).all() and np.isfinite(out["se"]).all()
