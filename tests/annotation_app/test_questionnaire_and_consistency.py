"""Questionnaire answers are checked on the server question by question; re-show consistency and its interval."""

from __future__ import annotations

import numpy as np
import pytest

from annotation_app.consistency import Shown, is_consistent, pick_reshows, wilson_interval
from annotation_app.questionnaire import clean_answers, missing_required
from annotation_app.rater_views import InvalidAnswer
from annotation_app.study.model import Question

QUESTIONS = (
    Question("language", "choice", "What is your native language?", options=("English", "German")),
    Question("assistants", "multi", "Which have you used?", options=("Alexa", "Siri", "none"), required=False),
    Question("use", "likert", "How often?", points=5),
    Question("age", "number", "How old are you?", min=18, max=99),
    Question("comments", "text", "Anything else?", required=False, max_chars=20),
)
GOOD = {"language": "German", "assistants": ["Siri", "Alexa"], "use": 3, "age": 30, "comments": "  fine\x1b "}


def test_good_answers_are_cleaned():
    assert clean_answers(QUESTIONS, GOOD) == {
        "language": "German", "assistants": ["Alexa", "Siri"], "use": 3, "age": 30, "comments": "fine",
    }  # fmt: skip
    optional_left_out = {k: v for k, v in GOOD.items() if k not in ("assistants", "comments")}
    assert clean_answers(QUESTIONS, {**optional_left_out, "comments": "   "}) == {
        "language": "German", "use": 3, "age": 30,
    }  # fmt: skip
    assert clean_answers(QUESTIONS, {**GOOD, "age": "41.5", "use": 5.0})["age"] == 41.5


@pytest.mark.parametrize(
    "change,message",
    [
        ({"language": "French"}, "For “What is your native language?” choose one of the options given."),
        ({"language": None}, "Please answer “What is your native language?”."),
        ({"assistants": ["Cortana"]}, "choose among the options given ('Cortana' is not one)"),
        ({"use": 6}, "For “How often?” choose a point from 1 to 5."),
        ({"use": True}, "choose a point from 1 to 5"),
        ({"age": 12}, "For “How old are you?” enter a number from 18 to 99."),
        ({"age": "twelve"}, "For “How old are you?” enter a number."),
        ({"age": float("nan")}, "enter a number."),
        ({"comments": "x" * 21}, "is 21 characters long; please shorten it to 20"),
        ({"password": "x"}, "This questionnaire has no such question"),
    ],
)
def test_bad_answers_are_refused_with_one_sentence(change, message):
    with pytest.raises(InvalidAnswer) as info:
        clean_answers(QUESTIONS, {**GOOD, **change})
    assert message in str(info.value)


def test_missing_required_names_them():
    assert missing_required(QUESTIONS, {"use": 2}) == ["language", "age"]


def test_reshows_come_from_early_trials_and_consistency():
    shown = [Shown(i, 100 + i, 200 + i, 100 + i) for i in range(10)]
    rng = np.random.default_rng(0)
    for _ in range(50):
        picked = pick_reshows(shown, 3, rng)
        assert len({s.vote_id for s in picked}) == 3 and max(s.vote_id for s in picked) < 5
    assert pick_reshows(shown[:1], 3, rng) == shown[:1]
    assert pick_reshows(shown, 0, rng) == []
    assert is_consistent(101, 101) and not is_consistent(101, 201) and not is_consistent("tie", 101)


def test_wilson_interval_matches_newcombe_1998():
    """Newcombe (1998), Statistics in Medicine 17, 857-872, Table I: 81/263 -> 0.2553 to 0.3662."""
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert all(np.isnan(wilson_interval(0, 0)))
