"""Bootstrap intervals: coverage of the true abilities, and clustered resampling under correlated raters."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.bradley_terry import bt_scores
from analysis.simulate import simulate_votes

TRUTH = np.array([-0.8, -0.3, 0.0, 0.4, 0.7]) - 0.0
MODELS = [f"m{k:02d}" for k in range(len(TRUTH))]


def _covered(votes, truth, **kwargs) -> np.ndarray:
    table = bt_scores(votes, progress=False, **kwargs).table.set_index("model").loc[MODELS]
    return (table["theta_low"].to_numpy() <= truth) & (truth <= table["theta_high"].to_numpy())


def test_iid_bootstrap_covers_true_theta_95_percent():
    truth = TRUTH - TRUTH.mean()
    hits = [
        _covered(simulate_votes(truth, raters=30, votes_per_rater=40, seed=s), truth, bootstrap=1000, seed=s)
        for s in range(200)
    ]
    coverage = float(np.mean(hits))
    assert 0.93 <= coverage <= 0.97, coverage


def test_clustered_bootstrap_keeps_coverage_when_raters_are_correlated():
    truth = TRUTH - TRUTH.mean()
    iid, clustered = [], []
    for s in range(80):
        votes = simulate_votes(truth, raters=30, votes_per_rater=60, stickiness=0.8, seed=10_000 + s)
        iid.append(_covered(votes, truth, bootstrap=500, seed=s))
        clustered.append(_covered(votes, truth, bootstrap=500, seed=s, cluster="rater"))
    assert float(np.mean(clustered)) >= 0.90, np.mean(clustered)
    assert float(np.mean(iid)) <= 0.80, np.mean(iid)


def test_bootstrap_is_reproducible_and_reports_samples():
    votes = simulate_votes([0.0, 0.5, 1.0], raters=10, votes_per_rater=30, nu=0.5, seed=2)
    first = bt_scores(votes, bootstrap=50, seed=4, progress=False)
    second = bt_scores(votes, bootstrap=50, seed=4, progress=False)
    assert first.samples.shape == (50, 3)
    np.testing.assert_array_equal(first.samples.to_numpy(), second.samples.to_numpy())
    third = bt_scores(votes, bootstrap=50, seed=5, progress=False)
    assert not np.array_equal(first.samples.to_numpy(), third.samples.to_numpy())


@pytest.mark.parametrize("ties", ["half", "davidson", "drop"])
@pytest.mark.parametrize("cluster", [None, "rater", "scenario"])
def test_every_tie_mode_and_cluster_bootstraps(ties, cluster):
    votes = simulate_votes([0.0, 0.5, 1.0], raters=12, votes_per_rater=30, nu=0.6, position=0.2, seed=3)
    result = bt_scores(votes, ties=ties, position=True, bootstrap=100, cluster=cluster, seed=1, progress=False)
    table = result.table
    assert (table["theta_low"] <= table["theta_high"]).all()
    assert result.position_low < result.position < result.position_high
    if ties == "davidson":
        assert result.nu_low < result.nu < result.nu_high


def test_progress_bar_is_shown_only_when_asked(capsys):
    votes = simulate_votes([0.0, 0.5, 1.0], raters=5, votes_per_rater=20, seed=6)
    bt_scores(votes, bootstrap=30, progress=True)
    assert "bootstrap" in capsys.readouterr().err
    bt_scores(votes, bootstrap=30)  # stderr is not a terminal under pytest: no bar by default
    assert "bootstrap" not in capsys.readouterr().err


def test_clustered_and_iid_draws_preserve_totals():
    from analysis.bootstrap import resampled_counts
    from analysis.comparisons import pair_counts

    votes = simulate_votes([0.0, 0.5, 1.0, 1.5], raters=8, votes_per_rater=25, nu=0.5, seed=8)
    pc = pair_counts(votes, cluster="rater")
    iid = np.concatenate(list(resampled_counts(pc, 40, 1, chunk=15)))
    assert iid.shape == (40, len(pc.i), 3)
    np.testing.assert_allclose(iid.sum((1, 2)), len(votes))
    clustered = np.concatenate(list(resampled_counts(pc, 40, 1, cluster=True)))
    np.testing.assert_allclose(clustered.sum((1, 2)), len(votes))  # every rater cast 25 votes
    assert len({c.tobytes() for c in clustered}) > 30  # rounds differ
