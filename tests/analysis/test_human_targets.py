"""Reading human scores: the `humans scores` layout, any model + one numeric column, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import HumansError
from analysis.human_targets import align_human_scores, read_human_scores


def test_human_score_column_is_preferred_and_aligned_to_benchmark_order(tmp_path):
    table = pd.DataFrame({"model": ["b", "a"], "elo": [1010.0, 990.0], "human_score": [0.7, 0.3]})
    table.to_csv(tmp_path / "s.csv", index=False)
    scores = read_human_scores(tmp_path / "s.csv")
    np.testing.assert_allclose(align_human_scores(scores, np.array(["a", "b"])), [0.3, 0.7])


def test_any_model_plus_one_numeric_column(tmp_path):
    pd.DataFrame({"system": ["a", "b"], "preference": [0.2, 0.8]}).to_csv(tmp_path / "s.csv", index=False)
    scores = read_human_scores(tmp_path / "s.csv")
    assert scores.name == "preference" and scores["b"] == 0.8


def test_ambiguous_missing_and_bad_values_are_refused(tmp_path):
    pd.DataFrame({"model": ["a"], "x": [1.0], "y": [2.0]}).to_csv(tmp_path / "two.csv", index=False)
    with pytest.raises(HumansError, match="found 2 numeric columns"):
        read_human_scores(tmp_path / "two.csv")
    (tmp_path / "bad.csv").write_text("model,human_score\na,0.5\nb,oops\n")
    with pytest.raises(HumansError, match="row 3: human_score 'oops' is not a number"):
        read_human_scores(tmp_path / "bad.csv")
    pd.DataFrame({"model": ["a"], "human_score": [0.5]}).to_csv(tmp_path / "one.csv", index=False)
    with pytest.raises(HumansError, match="no score for 1 of the 2 benchmark models"):
        align_human_scores(read_human_scores(tmp_path / "one.csv"), np.array(["a", "b"]))
