"""The training set: derived quantities shared between targets, estimator capability as a class attribute."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import HumansError
from analysis.evaluation import evaluate_selection
from analysis.selection import METHODS, RandomSelector, TrainingSet
from analysis.simulate import simulate_benchmark


@pytest.fixture(scope="module")
def sim():
    return simulate_benchmark(n_models=14, task_sizes=(40, 40), seed=2)


def test_with_target_shares_patterns_and_irt_but_not_the_target_cache(sim):
    train = TrainingSet.from_benchmark(sim.data)
    human = train.with_target(sim.human_scores)
    assert human.patterns is train.patterns
    assert human.task_irt is train.task_irt
    np.testing.assert_array_equal(human.target, sim.human_scores)
    np.testing.assert_allclose(train.target, train.full_score)
    greedy = METHODS["greedy_forward"]
    a = greedy(size=10).fit(train).items_
    b = greedy(size=10).fit(human).items_  # a path cached for the full score must not be reused for humans
    assert human.cache is not train.cache
    assert not np.array_equal(np.sort(a), np.sort(b))
    fresh = TrainingSet(train.scores, target=human.target)
    assert np.array_equal(np.sort(b), np.sort(greedy(size=10).fit(fresh).items_))


def test_task_irt_has_one_parameter_pair_per_distinct_pattern_and_task(sim):
    train = TrainingSet.from_benchmark(sim.data)
    tp, irt = train.task_patterns, train.task_irt
    assert irt.a_.shape == irt.d_.shape == (tp.matrix.shape[1],)
    assert irt.theta_.shape == (train.n_models, 1)  # 14 models, 2 tasks: too few for an ability per task


class _NamedLikeIRT(RandomSelector):
    name = "irt_pretender"  # a name prefix promises nothing


class _CanPIRT(RandomSelector):
    name = "fisher_like"
    estimators = ("mean", "calibrated", "pirt")


def test_estimators_a_method_supports_are_a_class_attribute(sim):
    train = TrainingSet.from_benchmark(sim.data)
    with pytest.raises(HumansError, match=r"'pirt' needs an IRT method; 'irt_pretender' supports mean, calibrated"):
        _NamedLikeIRT(size=5, estimator="pirt").fit(train)
    sel = _CanPIRT(size=5, estimator="pirt", random_state=0).fit(train)
    assert sel.estimator_ == "pirt" and np.isfinite(sel.predict(train.scores[:, sel.items_])).all()
    assert {n for n, cls in METHODS.items() if "pirt" in cls.estimators} == {"irt_anchor", "irt_fisher"}
    with pytest.raises(HumansError, match="estimator 'pirt' needs IRT methods; drop random"):
        evaluate_selection(sim.data, methods=["random", "irt_fisher"], sizes=(5,), estimator="pirt", n_jobs=1)
