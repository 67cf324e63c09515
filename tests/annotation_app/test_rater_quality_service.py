"""The quality stages through the real RaterService on SQLite: headphone test answered by listening, both
questionnaires, aspects per trial, consistency re-shows with the sides swapped, screen-out and no-consent codes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers.studies import make_study

from annotation_app.audio_cache import AUDIO_NAME
from annotation_app.headphone.listeners import listen_with_headphones, listen_with_speakers, read_wav
from annotation_app.rater_service import Answer, InvalidAnswer, RaterService, TooSoon, WrongStage
from annotation_app.store import Store
from annotation_app.study.model import Aspect, Question, QuestionnaireConfig

BEFORE = (
    Question("device", "choice", "What are you listening with?", options=("headphones", "speakers")),
    Question("age", "number", "How old are you?", min=18, max=99, required=False),
)
AFTER = (Question("effort", "likert", "How hard was it?", points=5),)


@pytest.fixture
def full_study(tmp_path):
    study = make_study(
        tmp_path / "study",
        rating={"aspects": (Aspect("content", "Which said more useful things?"), Aspect("voice", "Which voice?"))},
        targets={"trials_per_rater": 4, "raters_per_pair": 3},
        quality={
            "practice_trials": 0,
            "attention_checks": 0,
            "headphone_check": "antiphase",
            "headphone_trials": 4,
            "headphone_pass": 3,
            "consistency_repeats": 2,
            "min_consistency": 0.75,
        },
        completion={
            "code": "DONE1",
            "screen_out_code": "SCREENED1",
            "screen_out_redirect_url": "https://example.org/screened",
            "no_consent_code": "NOCONSENT1",
        },
    )
    config = dataclasses.replace(study.config, questionnaire=QuestionnaireConfig(before=BEFORE, after=AFTER))
    return dataclasses.replace(study, config=config)


@pytest.fixture
def service(tmp_path, full_study, clock):
    s = RaterService(full_study, Store(tmp_path / "db.sqlite"), tmp_path / "cache", clock=clock,
                     rng=np.random.default_rng(0))  # fmt: skip
    yield s
    s.store.close()


def _to_headphones(service, who="rater-one"):
    token = service.enter(typed_id=who).rater_token
    service.accept_consent(token)
    assert service.finish_instructions(token).stage == "headphones"
    return token


def _listen(service, view, listener):
    return [listener(read_wav(service.audio_file(name).read_bytes())[0]) for name in view.trials]


def _answer(trial, preference, aspects=(-1, 1)):
    return Answer(preference=preference, aspects=tuple(zip(("content", "voice"), aspects, strict=True)))


def test_a_rater_with_headphones_goes_through_every_stage(service, clock):
    token = _to_headphones(service)
    view = service.headphone_test(token)
    assert view.kind == "antiphase" and len(view.trials) == 4 and view.needed == 3
    assert all(AUDIO_NAME.match(n) for n in (*view.trials, view.calibration_audio))
    assert service.headphone_test(token) == view  # the same clips on a reload
    answers = _listen(service, view, lambda x: listen_with_headphones(x, "antiphase"))
    with pytest.raises(TooSoon, match="play each sound check"):
        service.submit_headphone_test(token, answers)
    clock.advance(view.min_wait_s)
    with pytest.raises(InvalidAnswer, match="answer all 4 sound checks"):
        service.submit_headphone_test(token, answers[:3])
    assert service.submit_headphone_test(token, answers).stage == "questionnaire_before"
    assert service.store.rater_quality_rows()[0]["headphone_right"] == 4

    questionnaire = service.questionnaire(token)
    assert questionnaire.phase == "before" and questionnaire.questions == BEFORE
    with pytest.raises(InvalidAnswer, match="Please answer “What are you listening with\\?”"):
        service.submit_questionnaire(token, {"age": 30})
    with pytest.raises(InvalidAnswer, match="enter a number from 18 to 99"):
        service.submit_questionnaire(token, {"device": "headphones", "age": 7})
    assert service.submit_questionnaire(token, {"device": "headphones", "age": "31"}).stage == "trials"

    originals = {}
    for _ in range(4):
        trial = service.current_trial(token)
        assert trial.aspects == (("content", "Which said more useful things?"), ("voice", "Which voice?"))
        assert trial.total == 6  # 4 trials and 2 re-shows, shown as one sequence
        clock.advance(trial.min_wait_s)
        with pytest.raises(InvalidAnswer, match="Please answer “Which said more useful things\\?”"):
            service.submit(token, trial.token, Answer(preference=-1))
        with pytest.raises(InvalidAnswer, match="choose A, B or the same"):
            service.submit(token, trial.token, _answer(trial, -1, (-1, 2)))
        service.submit(token, trial.token, _answer(trial, -1))
        originals[(trial.left.public_id, trial.right.public_id)] = "left"
    assert len(service.store.aspect_rows()) == 8

    for k in range(2):
        trial = service.current_trial(token)
        assert trial.position == 5 + k and trial.total == 6
        # the same pair as before, sides swapped
        assert originals[(trial.right.public_id, trial.left.public_id)] == "left"
        clock.advance(trial.min_wait_s)
        # consistent on the first (prefers the same conversation, now on the right), not on the second
        service.submit(token, trial.token, _answer(trial, 1 if k == 0 else -1))
    reshows = service.store.reshow_rows()
    assert [r["consistent"] for r in reshows] == [1, 0]
    assert service.store.count("votes") == 4  # re-shows are not votes
    rater = service.rater(token)
    assert rater.stage == "questionnaire_after"
    flagged = service.store.rater_by_token(token)
    assert flagged["flagged"] == 1 and flagged["flag_reason"] == "consistency below 0.75"

    assert service.questionnaire(token).questions == AFTER
    done = service.submit_questionnaire(token, {"effort": 2})
    assert (done.stage, done.completion_code) == ("done", "DONE1")
    answers = {(r["phase"], r["question"]): r["value"] for r in service.store.questionnaire_rows()}
    assert answers == {("before", "device"): "headphones", ("before", "age"): 31, ("after", "effort"): 2}


def test_a_rater_on_loudspeakers_is_screened_out_with_the_code(service, clock):
    token = _to_headphones(service, "speaker-person")
    view = service.headphone_test(token)
    rng = np.random.default_rng(1)
    answers = _listen(service, view, lambda x: listen_with_speakers(x, "antiphase", rng))
    clock.advance(view.min_wait_s)
    rater = service.submit_headphone_test(token, answers)
    assert (rater.stage, rater.completion_code, rater.redirect_url) == (
        "screened_out", "SCREENED1", "https://example.org/screened",
    )  # fmt: skip
    assert service.current_trial(token) is None
    assert service.submit_headphone_test(token, answers) == rater  # a repeated submit changes nothing
    row = service.store.rater_quality_rows()[0]
    assert (row["headphone_passed"], row["screen_reason"]) == (0, "headphones")
    with pytest.raises(WrongStage):
        service.headphone_test(token)


def test_declining_consent_shows_the_no_consent_code(service):
    token = service.enter(typed_id="no-thanks").rater_token
    rater = service.decline_consent(token)
    assert (rater.stage, rater.completion_code, rater.redirect_url) == ("declined", "NOCONSENT1", None)
    assert service.store.rater_quality_rows()[0]["declined_at"] is not None
    assert service.accept_consent(token).stage == "declined"  # final: accepting later changes nothing
    other = service.enter(typed_id="yes-please").rater_token
    service.accept_consent(other)
    summary = service.store.rater_summary()  # a decliner is counted as declined, not as a rater who started
    assert (summary["started"], summary["declined"], summary["finished"]) == (1, 1, 0)


def test_a_failed_attention_check_screens_out_with_the_screen_out_code(tmp_path, clock):
    from helpers.studies import gold_preference

    study = make_study(
        tmp_path / "attention",
        gold_bad=True,
        targets={"trials_per_rater": 2},
        quality={"practice_trials": 1, "attention_checks": 0, "on_attention_fail": "screen"},
        completion={"code": "DONE1", "screen_out_code": "SCREENED1"},
    )
    service = RaterService(study, Store(tmp_path / "a.sqlite"), tmp_path / "cache-a", clock=clock,
                           rng=np.random.default_rng(0))  # fmt: skip
    token = service.enter(typed_id="careless-one").rater_token
    service.accept_consent(token)
    service.finish_instructions(token)
    rater = service.rater(token)
    while rater.stage == "practice":  # always pick the bad side: practice failed after the extra attempts
        trial = service.current_trial(token)
        clock.advance(trial.min_wait_s)
        rater = service.submit(token, trial.token, Answer(preference=-gold_preference(service, trial))).rater
    assert (rater.stage, rater.completion_code) == ("screened_out", "SCREENED1")
    assert service.store.rater_quality_rows()[0]["screen_reason"] == "practice"
    service.store.close()
