"""Report sections of the quality features, from simulated votes with a known length bias and a raters table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.consistency_stats import consistency_summary
from analysis.report import build_report
from analysis.report.quality_sections import (
    aspect_section,
    consistency_section,
    controlled_section,
    questionnaire_section,
)
from analysis.simulate.length_bias import simulate_length_biased_votes

THETA = [0.5, 0.1, -0.6]
LOG_LENGTH = np.log([8.0, 15.0, 40.0])


@pytest.fixture
def votes():
    v = simulate_length_biased_votes(THETA, LOG_LENGTH, raters=12, votes_per_rater=25, seed=3)
    rng = np.random.default_rng(0)
    # naturalness follows length only; content follows the true order
    v["aspect_naturalness"] = np.where(v["duration_a"] > v["duration_b"], "model_a", "model_b")
    v["aspect_content"] = np.where(rng.random(len(v)) < 0.8, v["winner"], "tie")
    per_rater = {f"r{k:03d}": (2, k % 3) for k in range(12)}
    v["rater_reshows"] = v["rater"].map(lambda r: per_rater[r][0])
    v["rater_reshows_consistent"] = v["rater"].map(lambda r: min(2, per_rater[r][1]))
    return v


def test_controlled_section_shows_both_leaderboards_and_the_coefficient(votes):
    section = controlled_section(votes, level=0.95)
    assert section is not None and section.id == "controlled"
    assert "Elo (controlled)" in section.body and "Elo (raw)" in section.body
    assert "<td>duration</td>" in section.body and "<td>words</td>" in section.body
    assert controlled_section(votes.drop(columns=[c for c in votes if c[-2:] in ("_a", "_b")]), level=0.95) is None


def test_aspect_section_has_one_column_per_aspect(votes):
    section = aspect_section(votes, level=0.95)
    assert "naturalness Elo" in section.body and "content Elo" in section.body
    assert aspect_section(votes.drop(columns=["aspect_naturalness", "aspect_content"]), level=0.95) is None


def test_consistency_pooled_and_per_rater(votes):
    raters = votes.drop_duplicates("rater")[["rater", "rater_reshows", "rater_reshows_consistent"]]
    summary = consistency_summary(
        raters.rename(columns={"rater_reshows": "reshows", "rater_reshows_consistent": "consistent"}),
        min_consistency=0.5,
    )
    # consistent per rater: 0, 1, 2, 0, 1, 2, ... of 2 -> 12 of 24
    assert summary.study["reshows"] == 24 and summary.study["consistent"] == 12
    assert summary.study["low"] < 0.5 < summary.study["high"]
    assert summary.raters["below"].sum() == 4
    section = consistency_section(votes, level=0.95)
    assert "24 re-shown pairs (sides swapped) by 12 raters: 50% answered the same way" in section.body


def test_questionnaire_section_summarises_by_kind():
    raters = pd.DataFrame(
        {
            "rater": [f"p{k}" for k in range(14)],
            "q_language": ["English"] * 9 + ["German"] * 5,
            "q_assistants": ["Alexa; Siri"] * 7 + ["none"] * 7,
            "q_age": list(range(20, 34)),
            "q_comments": [f"comment number {k}" for k in range(14)],
        }
    )
    body = questionnaire_section(raters).body
    assert "English: 9, German: 5" in body
    assert "Alexa: 7, Siri: 7, none: 7" in body
    assert "median 26.5 (range 20–33)" in body
    assert "free text (not listed here" in body and "comment number 3" not in body
    assert questionnaire_section(raters[["rater"]]) is None
    few = raters.head(3)
    assert "comment number 1" in questionnaire_section(few).body  # few distinct answers look like choices
    assert "comment number 1" not in questionnaire_section(few, free_text=("comments",)).body


def test_report_carries_every_quality_section(votes):
    raters = pd.DataFrame({"rater": ["p1", "p2"], "q_device": ["earbuds", "speakers"]})
    page = build_report(votes, raters=raters, bootstrap=0)
    for anchor in ('id="controlled"', 'id="aspects"', 'id="consistency"', 'id="questionnaire"'):
        assert anchor in page


def test_questionnaire_section_reads_arrow_backed_tables():
    """The dashboard's tables are Arrow-backed (nullable strings); text answers must not be read as numbers."""
    raters = pd.DataFrame({"q_device": ["earbuds", "speakers", None], "q_age": [30.0, None, 41.0]}).convert_dtypes(
        dtype_backend="pyarrow"
    )
    body = questionnaire_section(raters).body
    assert "earbuds: 1, speakers: 1" in body and "median 35.5 (range 30–41)" in body and "nan" not in body
