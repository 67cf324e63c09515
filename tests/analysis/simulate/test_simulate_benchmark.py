"""The simulated benchmark: reproducible, shaped as asked, and its human scores follow the utility."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.errors import HumansError
from analysis.simulate import simulate_benchmark


def test_same_seed_same_benchmark_and_different_seed_differs():
    a, b, c = simulate_benchmark(seed=4), simulate_benchmark(seed=4), simulate_benchmark(seed=5)
    np.testing.assert_array_equal(a.data.scores, b.data.scores)
    assert not np.array_equal(a.data.scores, c.data.scores)


def test_shapes_tasks_and_score_range():
    sim = simulate_benchmark(n_models=12, task_sizes=(30, 10, 5), seed=1)
    assert sim.data.scores.shape == (12, 45)
    assert [int((sim.data.tasks == t).sum()) for t in sim.data.task_names] == [30, 10, 5]
    assert set(np.unique(sim.data.scores)) <= {0.0, 1.0}
    assert ((sim.human_scores >= 0) & (sim.human_scores <= 1)).all()
    assert sim.human_frame().columns.tolist() == ["model", "human_score"]


def test_human_scores_are_mean_win_probabilities_ordered_by_utility():
    sim = simulate_benchmark(seed=2)
    assert stats.spearmanr(sim.human_scores, sim.utility).statistic == pytest.approx(1.0)
    assert sim.human_scores.mean() == pytest.approx(0.5)  # each pair's probabilities sum to one


def test_items_measure_skills_in_the_requested_shares():
    sim = simulate_benchmark(n_models=5, task_sizes=(4000,), task_concentration=1e4, seed=0)
    share = np.bincount(sim.item_skill, minlength=4) / 4000
    np.testing.assert_allclose(share, [0.1, 0.3, 0.3, 0.3], atol=0.03)


def test_noise_moves_human_scores_and_bad_arguments_are_refused():
    clean = simulate_benchmark(seed=3)
    noisy = simulate_benchmark(seed=3, human_noise=0.05)
    np.testing.assert_array_equal(noisy.true_human_scores, clean.human_scores)
    assert not np.allclose(noisy.human_scores, clean.human_scores)
    with pytest.raises(HumansError, match="human_weights has 2 entries but skill_shares has 4"):
        simulate_benchmark(human_weights=(1.0, 1.0))
