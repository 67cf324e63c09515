"""Likert means on [0, 1], their t intervals and per-rater normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import HumansError
from analysis.likert import likert_scores


def test_means_are_rescaled_with_t_intervals():
    ratings = pd.DataFrame({"model": ["a"] * 4 + ["b"] * 3, "rating": [5, 4, 4, 3, 1, 2, 3]})
    table = likert_scores(ratings, scale=(1, 5)).set_index("model")
    assert table.loc["a", "score"] == pytest.approx(0.75)
    assert table.loc["b", "score"] == pytest.approx(0.25)
    half = stats.t.ppf(0.975, 3) * np.std([1, 0.75, 0.75, 0.5], ddof=1) / 2
    assert table.loc["a", "high"] - table.loc["a", "score"] == pytest.approx(half)
    assert list(table.index) == ["a", "b"]


def test_normalisation_removes_rater_leniency():
    # rater x is lenient (+2), both raters rank the models identically
    ratings = pd.DataFrame({"model": ["a", "b", "c"] * 2, "rating": [5, 4, 3, 3, 2, 1], "rater": ["x"] * 3 + ["y"] * 3})
    raw = likert_scores(ratings).set_index("model")
    normed = likert_scores(ratings, normalize=True).set_index("model")
    assert raw.loc["a", "sd"] == pytest.approx(np.std([1.0, 0.5], ddof=1))
    assert normed.loc["a", "sd"] == pytest.approx(0.0, abs=1e-12)
    assert normed["score"].is_monotonic_decreasing


def test_bad_ratings_are_clear_errors():
    with pytest.raises(HumansError, match="row 2: rating is 7; use a number from 1 to 5"):
        likert_scores(pd.DataFrame({"model": ["a", "a"], "rating": [3, 7]}))
    with pytest.raises(HumansError, match=r"missing column\(s\) rater"):
        likert_scores(pd.DataFrame({"model": ["a"], "rating": [3]}), normalize=True)
