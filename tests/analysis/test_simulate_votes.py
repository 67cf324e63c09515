"""The vote simulator: reproducible, the requested shape, and the requested departures from independence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import HumansError
from analysis.simulate import simulate_votes


def test_seeded_and_shaped():
    first = simulate_votes([0.0, 1.0, 2.0], raters=4, votes_per_rater=25, seed=9)
    pd.testing.assert_frame_equal(first, simulate_votes([0.0, 1.0, 2.0], raters=4, votes_per_rater=25, seed=9))
    assert len(first) == 100
    assert set(first["winner"]) <= {"model_a", "model_b"}
    assert ((first["left"] == first["model_a"]) | (first["left"] == first["model_b"])).all()
    assert (first["model_a"] != first["model_b"]).all()


def test_tie_share_follows_nu():
    votes = simulate_votes([0.0, 0.0], raters=50, votes_per_rater=200, nu=1.0, seed=1)
    assert (votes["winner"] == "tie").mean() == pytest.approx(1 / 3, abs=0.02)


def test_stickiness_correlates_a_raters_repeated_verdicts():
    def repeat_rate(stickiness):
        votes = simulate_votes([0.0, 0.0], raters=50, votes_per_rater=40, stickiness=stickiness, seed=3)
        winner = np.where(votes["winner"] == "model_a", votes["model_a"], votes["model_b"])
        rater = votes["rater"].to_numpy()
        same_rater = rater[1:] == rater[:-1]
        return np.mean((winner[1:] == winner[:-1])[same_rater])

    assert repeat_rate(0.0) == pytest.approx(0.5, abs=0.05)
    assert repeat_rate(0.9) > 0.9


def test_bad_parameters():
    with pytest.raises(HumansError, match="simulate at least two"):
        simulate_votes([1.0])
    with pytest.raises(HumansError, match="careless_mode is 'right'"):
        simulate_votes([0.0, 1.0], careless_mode="right")
