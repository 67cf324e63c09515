"""When votes cannot support a ranking: separation (Zermelo/Ford), too few raters, too few votes per model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bradley_terry import bt_scores
from analysis.ranking_support import ranking_support
from analysis.simulate import simulate_votes


def votes(rows, rater="r"):
    frame = pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])
    frame["rater"] = rater if isinstance(rater, str) else list(rater)
    return frame


def test_a_real_study_size_supports_a_ranking(rng):
    theta = np.array([0.8, 0.2, -0.1, -0.9])
    frame = simulate_votes(theta, models=["a", "b", "c", "d"], raters=20, votes_per_rater=20, seed=rng)
    assert ranking_support(frame) == []


def test_one_rater_six_votes_is_not_a_ranking():
    """The issue's case: Elo 2497 / -1467 from one rater's six votes."""
    frame = votes([("x", "y", "model_a")] * 3 + [("y", "z", "model_a")] * 3, rater="only")
    reasons = ranking_support(frame)
    assert reasons[0].startswith("only 1 rater voted")
    assert "too few votes per model" in reasons[1] and "'z' (3)" in reasons[1]
    assert reasons[2] == "'x' won every vote against the others: its strength is unbounded, not estimated"
    bt = bt_scores(frame, bootstrap=0)
    assert bt.table["elo"].max() - bt.table["elo"].min() > 1000  # what the dashboard used to show as a ranking


def test_separation_is_found_whatever_the_number_of_votes():
    dominant = [("top", m, "model_a") for m in ("b", "c")] * 20
    rest = [("b", "c", w) for w in ("model_a", "model_b", "tie")] * 10
    frame = votes(dominant + rest, rater=[f"r{i % 5}" for i in range(70)])
    assert ranking_support(frame) == [
        "'top' won every vote against the others: its strength is unbounded, not estimated"
    ]
    # one tie against the top model ends the separation: the MLE exists
    assert ranking_support(pd.concat([frame, votes([("top", "b", "tie")], rater="r0")])) == []


def test_a_dominant_group_and_groups_never_compared():
    rows = [("a", "b", w) for w in ("model_a", "model_b")] * 10 + [("a", "c", "model_a"), ("b", "c", "model_a")] * 10
    frame = votes(rows, rater=[f"r{i % 4}" for i in range(40)])
    assert ranking_support(frame) == [
        "the group 'a', 'b' won every vote against the others: its strength is unbounded, not estimated"
    ]
    apart = votes([("a", "b", "tie")] * 12 + [("c", "d", "tie")] * 12, rater=[f"r{i % 4}" for i in range(24)])
    assert ranking_support(apart) == [
        "{'a', 'b'} and {'c', 'd'} never compared with the other models, directly or through other models"
    ]
