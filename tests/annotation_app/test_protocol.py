"""The rater protocol's pure rules, without SQLite or a clock."""

from __future__ import annotations

import dataclasses

import pytest

from annotation_app import protocol
from annotation_app.protocol import Quotas
from annotation_app.rater_views import Answer, InvalidAnswer, TooSoon, WrongStage
from annotation_app.study.model import QualityConfig, RatingConfig, StudyConfig, TargetsConfig

NOW = 1000.0


def config(*, consent="Do you agree?", practice=1, attention=1, rule="flag", trials=3, scheme="pairwise"):
    return StudyConfig(
        title="t",
        consent=consent,
        rating=RatingConfig(scheme=scheme),
        targets=TargetsConfig(trials_per_rater=trials),
        quality=QualityConfig(practice_trials=practice, attention_checks=attention, on_attention_fail=rule),
    )


# ------------------------------------------------------------------ quotas and stages
def test_quotas_are_capped_by_the_items_available():
    q = protocol.quotas(config(practice=5, attention=4, trials=10), trial_items=6, gold_items=2)
    assert q == Quotas(trials=6, attention=2, practice=2, gold=2) and q.total == 8


@pytest.mark.parametrize(
    "consent,practice,flow",
    [
        ("ok?", 1, ("consent", "instructions", "practice", "trials", "done")),
        ("", 1, ("instructions", "practice", "trials", "done")),
        ("  ", 0, ("instructions", "trials", "done")),
    ],
)
def test_stage_flow_follows_the_config(consent, practice, flow):
    c = config(consent=consent, practice=practice)
    assert protocol.stage_flow(c, protocol.quotas(c, trial_items=5, gold_items=3)) == flow


def test_next_stage_walks_the_flow_and_final_stages_stay():
    flow = ("consent", "instructions", "practice", "trials", "done")
    assert [protocol.next_stage(flow, s) for s in flow[:-1]] == list(flow[1:])
    assert protocol.next_stage(flow, "done") == "done"
    assert protocol.next_stage(flow, "screened_out") == "screened_out"
    with pytest.raises(ValueError, match="'practice' is not one of this study's stages"):
        protocol.next_stage(("instructions", "trials", "done"), "practice")


def test_a_stage_added_to_the_flow_is_walked_without_other_changes():
    flow = ("consent", "instructions", "headphones", "trials", "questionnaire", "done")
    assert protocol.leave_stage(flow, "instructions", "instructions") == "headphones"
    assert protocol.leave_stage(flow, "headphones", "headphones") == "trials"
    assert protocol.next_stage(flow, "trials") == "questionnaire"
    with pytest.raises(WrongStage):
        protocol.leave_stage(flow, "instructions", "headphones")


def test_leave_stage_moves_once_and_refuses_skipping():
    flow = ("consent", "instructions", "trials", "done")
    assert protocol.leave_stage(flow, "consent", "consent") == "instructions"
    assert protocol.leave_stage(flow, "instructions", "consent") is None  # a repeated click
    assert protocol.leave_stage(flow, "done", "instructions") is None
    with pytest.raises(WrongStage, match="accept the consent form first"):
        protocol.leave_stage(flow, "consent", "instructions")


def test_enter_stage_writes_done_with_its_code_and_time():
    assert protocol.enter_stage("done", now=NOW, completion_code="C") == {
        "stage": "done",
        "finished_at": NOW,
        "completion_code": "C",
    }
    assert protocol.enter_stage("screened_out", now=NOW, completion_code="C") == {
        "stage": "screened_out",
        "finished_at": NOW,
    }
    assert protocol.enter_stage("practice", now=NOW, completion_code="C") == {"stage": "practice"}


def test_trial_kind_by_position():
    q = Quotas(trials=3, attention=1, practice=0, gold=2)
    assert [protocol.trial_kind(p, q, [2]) for p in range(1, 6)] == ["trial", "attention", "trial", "trial", None]


# ------------------------------------------------------------------ answers
PAIRWISE = RatingConfig()
BOTH = RatingConfig(scheme="pairwise+likert", preference_points=5, allow_both_bad=False, reason="required")
LIKERT = RatingConfig(scheme="likert", likert_points=7)


@pytest.mark.parametrize(
    "rating,answer",
    [
        (PAIRWISE, Answer(preference=-1)),
        (PAIRWISE, Answer(both_bad=True)),
        (PAIRWISE, Answer(preference=0, reason="same")),
        (BOTH, Answer(preference=2, likert_left=1, likert_right=5, reason="ok")),
        (LIKERT, Answer(likert_left=7, client_tz_offset_min=-120)),
    ],
)
def test_valid_answers_pass(rating, answer):
    protocol.validate_answer(rating, answer)


@pytest.mark.parametrize(
    "rating,answer,message",
    [
        (PAIRWISE, Answer(), "choose which conversation you prefer"),
        (PAIRWISE, Answer(preference=2), "not on this study's 3-point scale; choose a value from -1 to 1"),
        (PAIRWISE, Answer(preference=True), "not on this study's 3-point scale"),
        (PAIRWISE, Answer(preference=1, both_bad=True), "either 'both bad' or a preference"),
        (PAIRWISE, Answer(preference=1, likert_left=3), "no rating of the left conversation"),
        (BOTH, Answer(both_bad=True, likert_left=1, likert_right=1, reason="x"), "has no 'both bad' answer"),
        (BOTH, Answer(preference=1, likert_left=1, reason="x"), "rate the right conversation"),
        (BOTH, Answer(preference=1, likert_left=1, likert_right=6, reason="x"), "outside 1 to 5"),
        (BOTH, Answer(preference=1, likert_left=1, likert_right=2, reason=" \x00 "), "write a short reason"),
        (LIKERT, Answer(preference=0, likert_left=3), "rating only, not a preference"),
        (LIKERT, Answer(likert_left=3, likert_right=3), "no rating of the right conversation"),
        (PAIRWISE, Answer(preference=1, reason="x" * 2001), "2001 characters long"),
        (PAIRWISE, Answer(preference=1, client_tz_offset_min=1000), "time zone offset 1000"),
    ],
)
def test_invalid_answers_are_refused_with_one_sentence(rating, answer, message):
    with pytest.raises(InvalidAnswer, match=message.replace("(", r"\(")):
        protocol.validate_answer(rating, answer)


def test_answer_fields_by_scheme():
    assert protocol.answer_fields(PAIRWISE, Answer(preference=-1, reason=" why\r\n")) == {
        "raw_choice": -1,
        "preference_points": 3,
        "winner_side": "left",
        "strength": 1,
        "both_bad": 0,
        "reason": "why",
        "client_tz_offset_min": None,
    }
    assert protocol.answer_fields(PAIRWISE, Answer(both_bad=True))["winner_side"] == "both_bad"
    assert protocol.answer_fields(PAIRWISE, Answer(preference=0))["winner_side"] == "tie"
    off = dataclasses.replace(PAIRWISE, reason="off")
    assert protocol.answer_fields(off, Answer(preference=1, reason="x"))["reason"] is None
    fields = protocol.answer_fields(LIKERT, Answer(likert_left=2))
    assert fields["winner_side"] is None and fields["preference_points"] is None


def test_rating_config_says_what_a_scheme_asks():
    assert (PAIRWISE.asks_preference, PAIRWISE.likert_sides, PAIRWISE.likert_only) == (True, (), False)
    assert (BOTH.asks_preference, BOTH.likert_sides, BOTH.unit) == (True, ("left", "right"), "pair")
    assert (LIKERT.asks_preference, LIKERT.likert_sides, LIKERT.unit) == (False, ("left",), "conversation")
    assert LIKERT.likert_only and LIKERT.asks_likert and not PAIRWISE.asks_likert


@pytest.mark.parametrize(
    "rating,answer,bad_side,passed",
    [
        (PAIRWISE, Answer(preference=-1), "right", True),
        (PAIRWISE, Answer(preference=1), "right", False),
        (PAIRWISE, Answer(preference=0), "right", False),
        (PAIRWISE, Answer(both_bad=True), "left", False),
        (LIKERT, Answer(likert_left=3), "left", True),  # 7 points: 1..3 is the lower half
        (LIKERT, Answer(likert_left=4), "left", False),
    ],
)
def test_gold_passed(rating, answer, bad_side, passed):
    assert protocol.gold_passed(rating, answer, bad_side) is passed


# ------------------------------------------------------------------ listening floor
def test_listening_floor():
    quality = QualityConfig(min_listen_fraction=0.5)
    assert protocol.listening_floor_s(quality, [10.0, 6.0]) == 8.0
    protocol.check_listening_floor(quality, [10.0, 6.0], 8.0)
    with pytest.raises(TooSoon, match=r"they last 16 seconds together and only 7 seconds .* try again in 1 s"):
        protocol.check_listening_floor(quality, [10.0, 6.0], 7.2)
    with pytest.raises(TooSoon, match="not shown yet"):
        protocol.check_listening_floor(quality, [10.0], None)
    protocol.check_listening_floor(QualityConfig(min_listen_fraction=0.0), [10.0], 0.0)


# ------------------------------------------------------------------ outcomes
def outcome(c, *, stage, kind, passed, main=0, practice=0, practice_passed=0, gold=3):
    q = protocol.quotas(c, trial_items=5, gold_items=gold)
    counts = {"main": main, "practice": practice, "practice_passed": practice_passed}
    return protocol.vote_outcome(
        c, q, protocol.stage_flow(c, q), stage=stage, kind=kind, passed=passed, counts=counts, now=NOW
    )


def test_practice_pass_moves_on_to_the_trials():
    assert outcome(config(), stage="practice", kind="practice", passed=True) == {
        "practice_passed": 1,
        "stage": "trials",
    }


def test_practice_fail_gets_extra_attempts_then_the_rule_applies():
    c = config(rule="flag")
    assert outcome(c, stage="practice", kind="practice", passed=False) == {}
    assert outcome(c, stage="practice", kind="practice", passed=False, practice=1) == {}
    assert outcome(c, stage="practice", kind="practice", passed=False, practice=2) == {
        "practice_passed": 0,
        "flagged": 1,
        "flag_reason": "practice failed",
        "stage": "trials",
    }
    screened = outcome(config(rule="screen"), stage="practice", kind="practice", passed=False, practice=2)
    assert screened == {"practice_passed": 0, "stage": "screened_out", "finished_at": NOW}
    # the gold items run out before the extra attempts do
    assert outcome(c, stage="practice", kind="practice", passed=False, practice=1, gold=2)["stage"] == "trials"


def test_attention_fail_flags_or_screens():
    assert outcome(config(rule="flag"), stage="trials", kind="attention", passed=False) == {
        "flagged": 1,
        "flag_reason": "attention check failed",
    }
    assert outcome(config(rule="screen"), stage="trials", kind="attention", passed=False, main=3) == {
        "stage": "screened_out",
        "finished_at": NOW,
    }
    assert outcome(config(), stage="trials", kind="attention", passed=True) == {}


def test_the_last_vote_finishes_with_the_code():
    c = config(trials=3, attention=1)  # total 4 positions
    assert outcome(c, stage="trials", kind="trial", passed=None, main=2) == {}
    assert outcome(c, stage="trials", kind="trial", passed=None, main=3) == {
        "stage": "done",
        "finished_at": NOW,
        "completion_code": "HUMANS-DEMO",
    }
    last_failed = outcome(c, stage="trials", kind="attention", passed=False, main=3)
    assert last_failed["stage"] == "done" and last_failed["flagged"] == 1
