"""The ten selection methods share one interface; each beats chance on a simulated benchmark."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import HumansError
from analysis.evaluation import evaluate_selection
from analysis.selection import METHODS, RandomSelector, TrainingSet
from analysis.simulate import simulate_benchmark


@pytest.fixture(scope="module")
def sim():
    return simulate_benchmark(n_models=20, seed=3)


@pytest.fixture(scope="module")
def train(sim):
    data = sim.data
    return TrainingSet.from_benchmark(data, np.arange(15))


def test_there_are_ten_methods():
    assert list(METHODS) == [
        "random",
        "stratified",
        "anchor_points",
        "irt_anchor",
        "irt_fisher",
        "disagreement",
        "difficulty_stratified",
        "greedy_forward",
        "lasso",
        "k_center",
    ]


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("size", [7, 40])
def test_fit_returns_self_with_distinct_items_and_normalised_weights(name, size, train, sim):
    sel = METHODS[name](size=size, random_state=1)
    assert sel.fit(train) is sel
    assert sel.items_.shape == (size,)
    assert len(np.unique(sel.items_)) == size
    assert (sel.items_ >= 0).all() and (sel.items_ < train.n_items).all()
    assert (sel.weights_ >= 0).all()
    assert sel.weights_.sum() == pytest.approx(1.0)
    est = sel.predict(sim.data.scores[15:, sel.items_])
    assert est.shape == (5,) and np.isfinite(est).all()


@pytest.mark.parametrize("name", list(METHODS))
def test_same_seed_same_subset(name, train):
    a = METHODS[name](size=25, random_state=7).fit(train).items_
    b = METHODS[name](size=25, random_state=7).fit(train).items_
    np.testing.assert_array_equal(np.sort(a), np.sort(b))


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_tracks_the_full_score_on_simulated_data(name, sim):
    ev = evaluate_selection(sim.data, methods=[name], sizes=(50,), n_seeds=1, n_jobs=1, progress=False)
    assert ev.results["pearson"].iloc[0] > 0.7, ev.results  # random subsets of 50 reach about 0.9 here


def test_pirt_only_for_irt_methods_and_bad_sizes_are_refused(train):
    with pytest.raises(HumansError, match="'pirt' needs an IRT method"):
        RandomSelector(size=5, estimator="pirt").fit(train)
    with pytest.raises(HumansError, match="subset size 0 must be an integer between 1 and"):
        RandomSelector(size=0).fit(train)
    with pytest.raises(HumansError, match="not fitted yet"):
        RandomSelector(size=5).predict(np.zeros((1, 5)))
    sel = RandomSelector(size=5, random_state=0).fit(train)
    with pytest.raises(HumansError, match="needs scores on the 5 selected items; got 3"):
        sel.predict(np.zeros((1, 3)))


def test_stratified_allocates_items_to_tasks_by_their_weight(train):
    sel = METHODS["stratified"](size=40, random_state=0).fit(train)
    per_task = np.bincount(train.tasks[sel.items_], minlength=train.tasks.max() + 1)
    assert per_task.tolist() == [4] * 10  # macro: every task counts alike
    # weights: each task's share is 1/10
    share = np.bincount(train.tasks[sel.items_], weights=sel.weights_)
    np.testing.assert_allclose(share, 0.1)


def test_a_bare_matrix_is_one_task_with_uniform_weights(sim):
    sel = METHODS["anchor_points"](size=10, random_state=0).fit(sim.data.scores[:10])
    assert sel.weights_.sum() == pytest.approx(1.0)
    with pytest.raises(HumansError, match=r"matrix of numbers in \[0, 1\]"):
        RandomSelector(size=2).fit(np.full((4, 3), 2.0))


def test_estimators_mean_and_calibrated_differ_only_by_a_line(train, sim):
    mean = METHODS["random"](size=30, random_state=2, estimator="mean").fit(train)
    cal = METHODS["random"](size=30, random_state=2, estimator="calibrated").fit(train)
    x = sim.data.scores[15:, mean.items_]
    np.testing.assert_allclose(cal.predict(x), cal.intercept_ + cal.slope_ * mean.predict(x))


def test_pirt_with_every_item_observed_is_the_exact_full_score(sim):
    data = sim.data.take_items(np.arange(0, sim.data.n_items, 40))  # a small benchmark
    train = TrainingSet.from_benchmark(data, np.arange(15))
    sel = METHODS["irt_fisher"](size=data.n_items, estimator="pirt").fit(train)
    np.testing.assert_allclose(sel.predict(data.scores[15:, sel.items_]), data.full_score()[15:], atol=1e-12)


def test_untrusted_methods_carry_their_evidence_and_the_help_names_them():
    from click.testing import CliRunner

    from analysis.selection import UNTRUSTED
    from annotation_app.cli import cli

    assert list(UNTRUSTED) == ["k_center"]
    assert "loses to random" in UNTRUSTED["k_center"] and "open-llm-tiny" in UNTRUSTED["k_center"]
    help_text = " ".join(CliRunner().invoke(cli, ["select", "--help"]).output.split())
    assert "untrusted ones: k_center loses to random" in help_text


def test_gpirt_mixes_the_calibrated_mean_and_pirt_with_a_weight_in_unit_interval(train, sim):
    x = sim.data.scores[15:]
    gp = METHODS["irt_anchor"](size=30, estimator="gpirt", anchors="central", random_state=0).fit(train)
    cal = METHODS["irt_anchor"](size=30, estimator="calibrated", anchors="central", random_state=0).fit(train)
    pirt = METHODS["irt_anchor"](size=30, estimator="pirt", anchors="central", random_state=0).fit(train)
    np.testing.assert_array_equal(gp.items_, pirt.items_)
    assert 0.0 <= gp.lambda_ <= 1.0
    xs = x[:, gp.items_]
    expected = gp.lambda_ * cal.predict(xs) + (1 - gp.lambda_) * pirt.predict(xs)
    np.testing.assert_allclose(gp.predict(xs), expected, atol=1e-12)
    with pytest.raises(HumansError, match="'gpirt' needs an IRT method"):
        RandomSelector(size=5, estimator="gpirt").fit(train)


def test_irt_anchor_with_a_pooled_ability_chooses_its_anchor_rule_on_the_training_models_only(train, sim):
    from analysis.selection.irt_fisher import population_information

    assert train.task_irt.n_tasks == 1  # 15 models, 10 tasks: one pooled ability
    central = METHODS["irt_anchor"](size=20, anchors="central", random_state=0).fit(train)
    informative = METHODS["irt_anchor"](size=20, anchors="informative", random_state=0).fit(train)
    irt, tp = train.task_irt, train.task_patterns
    info = population_information(irt.theta_, irt.a_, irt.d_, irt.tasks_)[tp.inverse]
    assert info[informative.items_].mean() > info[central.items_].mean()
    auto = METHODS["irt_anchor"](size=20, random_state=0).fit(train)
    assert auto.anchors_ in ("central", "informative")
    chosen = central if auto.anchors_ == "central" else informative
    np.testing.assert_array_equal(auto.items_, chosen.items_)
    # the choice is reproducible from the training set and the seed alone
    again = METHODS["irt_anchor"](size=20, random_state=0).fit(TrainingSet.from_benchmark(sim.data, np.arange(15)))
    assert again.anchors_ == auto.anchors_
    with pytest.raises(HumansError, match="anchors 'nearest' is not one of"):
        METHODS["irt_anchor"](size=20, anchors="nearest")


def test_greedy_design_takes_the_largest_expected_variance_reduction_at_every_step(rng):
    from scipy.special import expit

    from analysis.selection.irt_fisher import greedy_design

    n_models, n_cols, n_tasks = 30, 60, 3
    tasks = np.concatenate([np.arange(n_tasks), rng.integers(0, n_tasks, n_cols - n_tasks)])
    a, d = rng.lognormal(0, 0.4, n_cols), rng.normal(0, 1.5, n_cols)
    sigma = np.full((n_tasks, n_tasks), 0.5) + 0.5 * np.eye(n_tasks)
    theta = rng.multivariate_normal(np.zeros(n_tasks), sigma, n_models)
    counts, v = rng.integers(1, 3, n_cols), np.full(n_cols, 1.0 / n_cols)
    path = greedy_design(theta, a, d, tasks, counts, v, sigma, 40)
    # reference: the criterion written out model by model, one step at a time
    p = expit(theta[:, tasks] * a + d)
    info, sens = a**2 * p * (1 - p), np.stack([(p * (1 - p) * v * a)[:, tasks == t].sum(1) for t in range(3)], 1)
    cov, left = np.repeat(sigma[None], n_models, axis=0), counts.copy()
    for j in path:
        gain = np.array(
            [np.mean([info[m, c] * (cov[m] @ sens[m])[tasks[c]] ** 2 / (1 + info[m, c] * cov[m, tasks[c], tasks[c]])
                      for m in range(n_models)]) if left[c] else -np.inf for c in range(n_cols)]
        )  # fmt: skip
        assert gain[j] == pytest.approx(gain.max(), rel=1e-9)
        left[j] -= 1
        for m in range(n_models):
            e = cov[m][:, tasks[j]]
            cov[m] = cov[m] - info[m, j] / (1 + info[m, j] * cov[m, tasks[j], tasks[j]]) * np.outer(e, e)
