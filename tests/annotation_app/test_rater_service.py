"""RaterService: identity, stages, resume, the listening floor, answer validation, idempotent votes, logging."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.studies import gold_preference, to_trials

from annotation_app.rater_service import (
    MAX_REASON_CHARS,
    Answer,
    InvalidAnswer,
    InvalidRaterId,
    NotYourTrial,
    PlayEvent,
    RaterService,
    TooSoon,
    UnknownRater,
    WrongStage,
)
from annotation_app.store import Store


def make_service(tmp_path, study, clock, seed=0):
    return RaterService(
        study, Store(tmp_path / "db.sqlite"), tmp_path / "cache", clock=clock, rng=np.random.default_rng(seed)
    )


@pytest.fixture
def service(tmp_path, study, clock):
    s = make_service(tmp_path, study, clock)
    yield s
    s.store.close()


# ---------------------------------------------------------------- identity
@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({}, "Please type your participant id"),
        ({"typed_id": "  "}, "The id you typed '' is too short (0 characters); use at least 3."),
        ({"typed_id": "ab"}, "The id you typed 'ab' is too short (2 characters); use at least 3."),
        ({"typed_id": "x" * 65}, "is too long (65 characters); use at most 64."),
        ({"typed_id": "anne smith"}, "The id you typed 'anne smith' contains ' '; use only letters, digits"),
        ({"typed_id": "<script>"}, "contains '<' '>'; use only"),
        ({"prolific_pid": "5f8a/../x"}, "The PROLIFIC_PID in the link '5f8a/../x' contains '.' '/'; use only letters"),
        ({"prolific_pid": "abc", "session_id": "s s"}, "The SESSION_ID in the link 's s' contains ' '"),
        ({"rater_token": "made-up"}, "Your session is not known here; open the study from its link again."),
    ],
)
def test_bad_ids_get_a_clear_message(service, kwargs, message):
    with pytest.raises((InvalidRaterId, UnknownRater)) as info:
        service.enter(**kwargs)
    assert message in str(info.value)
    assert service.store.count("raters") == 0


def test_same_id_resumes_the_same_rater(service):
    a = service.enter(prolific_pid="5f8a9b0c1d2e3f4a5b6c7d8e", study_id="S1", session_id="X1")
    b = service.enter(prolific_pid="5f8a9b0c1d2e3f4a5b6c7d8e", study_id="S1", session_id="X2")
    c = service.enter(rater_token=a.rater_token)
    assert a.rater_token == b.rater_token == c.rater_token
    row = service.store.rater_by_token(a.rater_token)
    assert (row["prolific_pid"], row["study_id"], row["session_id"]) == ("5f8a9b0c1d2e3f4a5b6c7d8e", "S1", "X1")
    assert service.enter(typed_id="someone-else").rater_token != a.rater_token
    assert len(a.rater_token) >= 32


def test_stages_in_order(service):
    view = service.enter(typed_id="rater-one")
    assert view.stage == "consent"
    assert service.current_trial(view.rater_token) is None
    with pytest.raises(WrongStage, match="accept the consent form first"):
        service.finish_instructions(view.rater_token)
    assert service.accept_consent(view.rater_token).stage == "instructions"
    assert service.accept_consent(view.rater_token).stage == "instructions"
    assert service.finish_instructions(view.rater_token).stage == "practice"


def test_no_consent_text_starts_at_instructions_and_no_practice_goes_to_trials(tmp_path, study_factory, clock):
    study = study_factory(consent="", quality={"practice_trials": 0})
    service = make_service(tmp_path, study, clock)
    view = service.enter(typed_id="rater-one")
    assert view.stage == "instructions"
    assert service.finish_instructions(view.rater_token).stage == "trials"


# ---------------------------------------------------------------- resume
def test_reload_second_tab_and_restart_resume_the_same_trial(tmp_path, study, clock):
    service = make_service(tmp_path, study, clock)
    token = to_trials(service, clock)
    first = service.current_trial(token)
    assert service.current_trial(token) == first  # reload / second tab
    clock.advance(3)
    service.store.close()
    restarted = make_service(tmp_path, study, clock, seed=99)  # a new process on the same files
    assert restarted.current_trial(token) == first
    assert restarted.enter(typed_id="rater-one").stage == "trials"
    # the listening floor still counts from the first showing
    clock.advance(first.min_wait_s)
    assert restarted.submit(token, first.token, Answer(preference=1)).duplicate is False
    restarted.store.close()


def test_finished_rater_sees_done_and_gets_no_more_trials(tmp_path, study_factory, clock):
    study = study_factory(
        completion={"code": "C0DE42", "redirect_url": "https://app.prolific.com/submissions/complete?cc=C0DE42"}
    )
    service = make_service(tmp_path, study, clock)
    token = to_trials(service, clock)
    assert service.total == 11  # 10 trials + 1 attention check
    n = 0
    while (trial := service.current_trial(token)) is not None:
        n += 1
        assert trial.position == n and trial.total == 11
        clock.advance(trial.min_wait_s)
        receipt = service.submit(
            token, trial.token, Answer(preference=gold_preference(service, trial) if _gold(service, trial) else 0)
        )
    assert n == 11
    assert receipt.rater.stage == "done"
    assert receipt.rater.completion_code == "C0DE42"
    assert receipt.rater.redirect_url.endswith("cc=C0DE42")
    assert receipt.rater.trials_done == 11
    again = service.enter(typed_id="rater-one")
    assert again.stage == "done" and again.completion_code == "C0DE42"
    assert service.current_trial(token) is None
    assert sum(a["phase"] == "main" for a in service.store.assignments()) == 11


def _gold(service, trial) -> bool:
    return service.store.assignment_by_token(trial.token)["kind"] != "trial"


def test_rater_finishes_early_when_the_study_has_fewer_pairs_than_the_quota(tmp_path, study_factory, clock):
    study = study_factory(models=("zebramodel", "yakmodel"), scenarios=3, targets={"trials_per_rater": 10})
    service = make_service(tmp_path, study, clock)
    token = to_trials(service, clock)
    assert service.total == 3 + 1
    while (trial := service.current_trial(token)) is not None:
        clock.advance(trial.min_wait_s)
        service.submit(
            token, trial.token, Answer(preference=gold_preference(service, trial) if _gold(service, trial) else 1)
        )
    assert service.rater(token).stage == "done"


# ---------------------------------------------------------------- one event, one step
def _statements(service) -> list[str]:
    """Every SQL statement this thread's connection runs from now on (SQLite's own trace)."""
    seen: list[str] = []
    service.store.db.conn.set_trace_callback(seen.append)
    return seen


def test_a_vote_and_the_next_trial_are_one_transaction(service, clock):
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s)
    seen = _statements(service)
    screen = service.screen(lambda: service.submit(token, trial.token, Answer(preference=1)))
    assert [s for s in seen if s in ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert screen.receipt.duplicate is False and screen.receipt.rater == screen.rater
    assert screen.trial is not None and screen.trial.token != trial.token
    assert screen.trial == service.current_trial(token)  # the trial the screen shows is the rater's open one
    assert screen.rater.stage == "trials" and screen.headphones is None
    assert screen.rater.trials_done == 1


def test_a_refused_vote_writes_nothing_and_issues_no_trial(service, clock):
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    before = len(service.store.assignments())
    with pytest.raises(TooSoon):
        service.screen(lambda: service.submit(token, trial.token, Answer(preference=1)))
    assert len(service.store.assignments()) == before
    assert service.current_trial(token) == trial
    assert service.store.count("votes") == 1  # the practice vote only


def test_the_screen_after_the_last_vote_is_the_next_stage_without_a_trial(tmp_path, study_factory, clock):
    study = study_factory(models=("zebramodel", "yakmodel"), scenarios=1, targets={"trials_per_rater": 10})
    service = make_service(tmp_path, study, clock)
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    while trial is not None:
        clock.advance(trial.min_wait_s)
        preference = gold_preference(service, trial) if _gold(service, trial) else 1
        screen = service.screen(lambda t=trial, p=preference: service.submit(token, t.token, Answer(preference=p)))
        trial = screen.trial
    assert screen.rater.stage == "done" and screen.rater.completion_code is not None
    # the study ran out of pairs before the quota: the vote left the rater in "trials", finding no trial ended it
    assert screen.receipt.rater.stage == "trials"
    assert service.screen(lambda: service.rater(token)) == type(screen)(screen.rater)
    assert service.screen(lambda: None) == type(screen)(None)  # no rater yet: the id form


# ---------------------------------------------------------------- listening floor
def test_vote_sooner_than_the_audio_is_refused(service, clock):
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    total_audio = trial.left.duration_s + trial.right.duration_s
    assert trial.min_wait_s == pytest.approx(0.9 * total_audio)
    with pytest.raises(
        TooSoon, match=r"Please listen to both conversations to the end before you answer: they last 4 "
    ):
        service.submit(token, trial.token, Answer(preference=1))
    clock.advance(trial.min_wait_s - 0.2)
    with pytest.raises(TooSoon, match=r"try again in 1 s"):
        service.submit(token, trial.token, Answer(preference=1))
    assert service.store.count("votes") == 1  # the practice vote only
    clock.advance(0.2)
    assert service.submit(token, trial.token, Answer(preference=1)).duplicate is False


# ---------------------------------------------------------------- answers
def _trial(service, clock):
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s)
    return token, trial


@pytest.mark.parametrize(
    "rating,answer,message",
    [
        ({}, Answer(), "Please choose which conversation you prefer."),
        (
            {},
            Answer(preference=2),
            "The preference 2 is not on this study's 3-point scale; choose a value from -1 to 1.",
        ),
        (
            {"preference_points": 5},
            Answer(preference=-3),
            "not on this study's 5-point scale; choose a value from -2 to 2",
        ),
        ({}, Answer(preference=True), "The preference True is not on this study's 3-point scale"),
        ({}, Answer(preference=1.0), "The preference 1.0 is not on this study's 3-point scale"),
        ({"allow_both_bad": False}, Answer(both_bad=True), "This study has no 'both bad' answer"),
        ({}, Answer(preference=1, both_bad=True), "Choose either 'both bad' or a preference, not both."),
        ({}, Answer(preference=1, likert_left=3), "This study asks for no rating of the left conversation"),
        (
            {"scheme": "pairwise+likert"},
            Answer(preference=1, likert_left=3),
            "Please rate the right conversation (1 to 5).",
        ),
        (
            {"scheme": "pairwise+likert"},
            Answer(preference=1, likert_left=0, likert_right=3),
            "The rating 0 of the left conversation is outside 1 to 5",
        ),
        ({"scheme": "pairwise+likert", "likert_points": 7}, Answer(preference=1, likert_left=7, likert_right=1), None),
        ({"reason": "required"}, Answer(preference=1, reason="   "), "Please write a short reason for your choice."),
        (
            {},
            Answer(preference=1, reason="x" * (MAX_REASON_CHARS + 1)),
            f"please shorten it to at most {MAX_REASON_CHARS}",
        ),
        ({}, Answer(preference=1, client_tz_offset_min=5000), "The time zone offset 5000 is not a number of minutes"),
    ],
)
def test_answers_are_checked_against_the_rating_scheme(tmp_path, study_factory, clock, rating, answer, message):
    service = make_service(tmp_path, study_factory(rating=rating), clock)
    token, trial = _trial(service, clock)
    if message is None:
        assert service.submit(token, trial.token, answer).duplicate is False
        return
    with pytest.raises(InvalidAnswer) as info:
        service.submit(token, trial.token, answer)
    assert message in str(info.value)
    assert service.store.count("votes") == 1  # practice only


def test_likert_only_study_shows_one_conversation(tmp_path, study_factory, clock):
    service = make_service(tmp_path, study_factory(rating={"scheme": "likert"}, quality={"practice_trials": 0}), clock)
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    assert trial.right is None
    assert trial.min_wait_s == pytest.approx(0.9 * trial.left.duration_s)
    clock.advance(trial.min_wait_s)
    with pytest.raises(InvalidAnswer, match="asks for a rating only"):
        service.submit(token, trial.token, Answer(preference=1, likert_left=2))
    service.submit(token, trial.token, Answer(likert_left=2))
    vote = service.store.votes()[0]
    assert vote["raw_choice"] is None and vote["winner_side"] is None and vote["right_conversation_id"] is None
    assert [(r["side"], r["value"], r["points"]) for r in service.store.likert_rows()] == [("left", 2, 5)]


# ---------------------------------------------------------------- idempotence and logging
def test_repeated_submit_returns_the_first_result(service, clock):
    token, trial = _trial(service, clock)
    first = service.submit(token, trial.token, Answer(preference=-1, reason="left was kinder"))
    counts = {t: service.store.count(t) for t in ("votes", "events", "likert", "attention", "assignments")}
    again = service.submit(token, trial.token, Answer(preference=1, reason="changed my mind"))
    assert first.duplicate is False and again.duplicate is True
    assert again.rater == first.rater
    assert {t: service.store.count(t) for t in counts} == counts
    assert service.store.votes()[-1]["reason"] == "left was kinder"
    # invalid answers to an answered trial are duplicates too, not errors
    assert service.submit(token, trial.token, Answer(preference=9)).duplicate is True


def test_another_raters_trial_is_refused(service, clock):
    _token, trial = _trial(service, clock)
    other = to_trials(service, clock, "rater-two")
    with pytest.raises(NotYourTrial, match="This trial is not one of yours"):
        service.submit(other, trial.token, Answer(preference=1))
    with pytest.raises(UnknownRater):
        service.submit("nobody", trial.token, Answer(preference=1))


def test_every_vote_field_is_stored(tmp_path, study_factory, clock):
    study = study_factory(rating={"scheme": "pairwise+likert", "preference_points": 5, "reason": "optional"})
    service = make_service(tmp_path, study, clock)
    token, trial = _trial(service, clock)
    before = service.store.count("events")
    kept = service.log_events(
        token,
        trial.token,
        (
            PlayEvent("left", 0, "play", 0.0, 1000),
            PlayEvent("left", 0, "pause", 0.2, 1200),
            PlayEvent("left", 7, "play", 0.0, 1300),  # no such turn: dropped
            PlayEvent("middle", 0, "play", 0.0, 1300),  # no such side: dropped
            PlayEvent("left", 0, "rewind", 0.0, 1300),  # no such kind: dropped
        ),
    )
    assert kept == 2
    events = tuple(
        PlayEvent(side, turn, kind, t, 2000 + i)
        for i, (side, turn, kind, t) in enumerate(
            [
                ("left", 0, "play", 0.2),
                ("left", 0, "ended", 0.5),
                ("left", 1, "play", 0.0),
                ("left", 1, "ended", 0.5),
                ("right", 0, "play", 0.0),
                ("right", 0, "seeked", 0.3),
                ("right", 0, "ended", 0.5),
            ]
        )
    )
    clock.advance(2.5)
    service.submit(
        token,
        trial.token,
        Answer(
            preference=2,
            likert_left=2,
            likert_right=5,
            reason="  right was clear  ",
            client_tz_offset_min=-120,
            events=events,
        ),
    )
    vote = service.store.votes()[-1]
    a = service.store.assignment_by_token(trial.token)
    assert vote["left_conversation_id"] == a["left_conversation_id"]
    assert vote["right_conversation_id"] == a["right_conversation_id"]
    assert (vote["raw_choice"], vote["winner_side"], vote["strength"], vote["both_bad"]) == (2, "right", 2, 0)
    assert vote["winner_conversation_id"] == a["right_conversation_id"]
    assert vote["preference_points"] == 5
    assert vote["reason"] == "right was clear"
    assert vote["client_tz_offset_min"] == -120
    assert vote["position"] == 1 and vote["kind"] in ("trial", "attention")
    assert vote["time_to_vote_s"] == pytest.approx(trial.min_wait_s + 2.5)
    assert (vote["plays_left"], vote["plays_right"]) == (3, 1)
    assert vote["listened_left_s"] == pytest.approx(1.0) and vote["listened_right_s"] == pytest.approx(0.5)
    assert service.store.count("events") == before + 2 + 7
    likert = [(r["side"], r["value"]) for r in service.store.likert_rows() if r["assignment_id"] == a["id"]]
    assert likert == [("left", 2), ("right", 5)]
    assert a["status"] == "done" and a["completed_at"] == vote["voted_at"]


def test_both_bad_and_tie_are_recorded(tmp_path, study, clock):
    service = make_service(tmp_path, study, clock)
    token, trial = _trial(service, clock)
    service.submit(token, trial.token, Answer(both_bad=True))
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s)
    service.submit(token, trial.token, Answer(preference=0))
    votes = service.store.votes()[-2:]
    assert [(v["winner_side"], v["raw_choice"], v["both_bad"], v["winner_conversation_id"]) for v in votes] == [
        ("both_bad", None, 1, None),
        ("tie", 0, 0, None),
    ]


# ---------------------------------------------------------------- practice and attention
def _answer_wrong(service, clock, token):
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s)
    return service.submit(token, trial.token, Answer(preference=-gold_preference(service, trial)))


def test_practice_can_be_retried_then_passes(service, clock):
    view = service.enter(typed_id="rater-one")
    service.accept_consent(view.rater_token)
    service.finish_instructions(view.rater_token)
    receipt = _answer_wrong(service, clock, view.rater_token)
    assert receipt.practice_passed is False and receipt.rater.stage == "practice"
    trial = service.current_trial(view.rater_token)
    assert trial.practice and trial.position == 2
    clock.advance(trial.min_wait_s)
    receipt = service.submit(view.rater_token, trial.token, Answer(preference=gold_preference(service, trial)))
    assert receipt.practice_passed is True and receipt.rater.stage == "trials"
    assert service.store.rater_by_token(view.rater_token)["flagged"] == 0


@pytest.mark.parametrize("rule,stage,flagged", [("flag", "trials", 1), ("screen", "screened_out", 0)])
def test_failing_the_practice_three_times(tmp_path, study_factory, clock, rule, stage, flagged):
    service = make_service(tmp_path, study_factory(quality={"on_attention_fail": rule}), clock)
    view = service.enter(typed_id="rater-one")
    service.accept_consent(view.rater_token)
    service.finish_instructions(view.rater_token)
    for _ in range(3):
        receipt = _answer_wrong(service, clock, view.rater_token)
    assert receipt.rater.stage == stage
    assert receipt.rater.completion_code is None
    assert service.store.rater_by_token(view.rater_token)["flagged"] == flagged


@pytest.mark.parametrize("rule", ["flag", "screen"])
def test_failed_attention_check(tmp_path, study_factory, clock, rule):
    study = study_factory(quality={"on_attention_fail": rule, "attention_checks": 2, "practice_trials": 0})
    service = make_service(tmp_path, study, clock)
    token = to_trials(service, clock)
    seen_attention = 0
    while (trial := service.current_trial(token)) is not None:
        clock.advance(trial.min_wait_s)
        if _gold(service, trial):
            seen_attention += 1
            receipt = service.submit(token, trial.token, Answer(preference=-gold_preference(service, trial)))
            assert receipt.attention_passed is False
            break
        receipt = service.submit(token, trial.token, Answer(preference=1))
        assert receipt.attention_passed is None
    assert seen_attention == 1
    row = service.store.rater_by_token(token)
    if rule == "screen":
        assert receipt.rater.stage == "screened_out" and service.current_trial(token) is None
    else:
        assert (
            receipt.rater.stage == "trials" and row["flagged"] == 1 and row["flag_reason"] == "attention check failed"
        )
    assert service.store.rater_summary()["attention_failed"] == 1


def test_attention_checks_sit_at_the_stored_random_positions(tmp_path, study_factory, clock):
    study = study_factory(quality={"attention_checks": 3, "practice_trials": 0}, targets={"trials_per_rater": 6})
    service = make_service(tmp_path, study, clock)
    positions = []
    for r in range(12):
        token = to_trials(service, clock, f"rater-{r}")
        while (trial := service.current_trial(token)) is not None:
            clock.advance(trial.min_wait_s)
            gold = _gold(service, trial)
            if gold:
                positions.append(trial.position)
            service.submit(token, trial.token, Answer(preference=gold_preference(service, trial) if gold else 1))
        row = service.store.rater_by_token(token)
        assert sorted(p for p in positions[-3:]) == sorted(__import__("json").loads(row["attention_positions"]))
    assert len(positions) == 36
    assert len(set(positions)) >= 6  # spread over the 9 positions, not fixed
    assert service.store.rater_summary()["attention_failed"] == 0
