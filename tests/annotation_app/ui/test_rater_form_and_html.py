"""The pure pieces of the rater page: answer form parsing, URL ids, and the HTML of trials and the done page."""

from __future__ import annotations

import json

import pytest

from annotation_app.rater_views import ConversationView, InvalidAnswer, RaterView, TrialView, TurnView
from annotation_app.study.model import RatingConfig
from annotation_app.ui.rater_form import (
    BOTH_BAD,
    answer_from_form,
    ids_from_query,
    likert_choices,
    parse_events,
    preference_choices,
)
from annotation_app.ui.rater_html import done_html, safe_redirect, trial_html

EVENTS = json.dumps([{"side": "right", "turn": 1, "kind": "ended", "t": 2.5, "ms": 1_700_000_000_000}])


def form(rating, **values):
    base = {"preference": None, "likert_left": None, "likert_right": None, "reason": "", "events_json": "[]"}
    return answer_from_form(rating, **(base | {"tz_offset": "0"} | values))


@pytest.mark.parametrize(
    "points,both_bad,values",
    [
        (3, False, ["-1", "0", "1"]),
        (3, True, ["-1", "0", "1", BOTH_BAD]),
        (5, True, ["-2", "-1", "0", "1", "2", BOTH_BAD]),
    ],
)
def test_preference_choices_follow_the_scheme(points, both_bad, values):
    choices = preference_choices(RatingConfig(preference_points=points, allow_both_bad=both_bad))
    assert [v for _, v in choices] == values
    assert all("A" in label or "B" in label or "same" in label or "bad" in label for label, _ in choices)


def test_likert_choices_cover_the_scale():
    assert [v for _, v in likert_choices(RatingConfig(likert_points=7))] == list(range(1, 8))


def test_pairwise_answer():
    answer = form(RatingConfig(), preference="-1", reason="  clearer  ", events_json=EVENTS, tz_offset="-300")
    assert (answer.preference, answer.both_bad, answer.reason, answer.client_tz_offset_min) == (
        -1,
        False,
        "clearer",
        -300,
    )
    assert answer.events[0].side == "right" and answer.events[0].media_time_s == 2.5


def test_both_bad_has_no_preference():
    answer = form(RatingConfig(allow_both_bad=True), preference=BOTH_BAD)
    assert answer.both_bad and answer.preference is None


def test_pairwise_likert_needs_both_ratings():
    rating = RatingConfig(scheme="pairwise+likert", likert_points=5)
    with pytest.raises(InvalidAnswer, match="rate B"):
        form(rating, preference="1", likert_left=3)
    answer = form(rating, preference="1", likert_left=3, likert_right="5")
    assert (answer.likert_left, answer.likert_right) == (3, 5)


def test_likert_only_reads_one_rating_and_no_preference():
    answer = form(RatingConfig(scheme="likert", likert_points=5), preference="1", likert_left=2, likert_right=4)
    assert (answer.preference, answer.likert_left, answer.likert_right) == (None, 2, None)


@pytest.mark.parametrize(
    "values,message",
    [
        ({"preference": None}, "Please choose which conversation"),
        ({"preference": "3"}, "not one of the choices"),
        ({"preference": BOTH_BAD}, "not one of the choices"),
        ({"preference": "0", "events_json": "{"}, "garbled listening log"),
        (
            {"preference": "0", "events_json": '[{"side": "middle", "turn": 0, "kind": "play", "t": 0, "ms": 1}]'},
            "garbled",
        ),
        (
            {"preference": "0", "events_json": '[{"side": "left", "turn": 0, "kind": "play", "t": "NaN", "ms": 1}]'},
            "garbled",
        ),
        ({"preference": "0", "events_json": '[{"side": "left"}]'}, "garbled"),
    ],
)
def test_bad_forms_are_refused_with_a_reason(values, message):
    with pytest.raises(InvalidAnswer, match=message):
        form(RatingConfig(allow_both_bad=False), **values)


def test_likert_out_of_range_is_refused():
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        form(RatingConfig(scheme="likert", likert_points=5), likert_left=6)


@pytest.mark.parametrize("tz,expected", [("60", 60), ("-330", -330), ("9999", None), ("x", None), (None, None)])
def test_time_zone_offset(tz, expected):
    assert form(RatingConfig(), preference="0", tz_offset=tz).client_tz_offset_min == expected


def test_too_many_events_are_refused():
    one = {"side": "left", "turn": 0, "kind": "play", "t": 0, "ms": 1}
    with pytest.raises(InvalidAnswer):
        parse_events(json.dumps([one] * 5000))


def test_ids_from_query_keeps_only_prolific_ids():
    assert ids_from_query("?PROLIFIC_PID=p&STUDY_ID=s&SESSION_ID=x&other=1&PROLIFIC_PID=") == {
        "prolific_pid": "p",
        "study_id": "s",
        "session_id": "x",
    }
    assert ids_from_query(None) == {}


def view(*, right=True, practice=False, text="said <b>bold</b>"):
    turn = TurnView("assistant", "ab" * 32 + ".wav", text, 1.25)
    conv = ConversationView("pub", (turn, turn))
    return TrialView("tok&en", 3, 8, practice, conv, conv if right else None, 2.0)


def test_trial_html_has_players_in_order_and_escapes_text():
    html = trial_html(view(), audio_prefix="audio/", min_played_fraction=0.8)
    assert html.count("<audio") == 4
    assert html.index('data-side="left" data-turn="0"') < html.index('data-side="left" data-turn="1"')
    assert html.index('data-side="left"') < html.index('data-side="right"')
    assert 'src="audio/' + "ab" * 32 + '.wav"' in html
    assert "said &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert 'data-token="tok&amp;en"' in html and 'data-min-played="0.8"' in html
    assert "Trial 3 of 8" in html and "Conversation A" in html and "Conversation B" in html


def test_trial_html_single_conversation_and_practice_and_no_transcripts():
    html = trial_html(view(right=False, practice=True), show_transcripts=False, require_full_playback=False)
    assert html.count("<audio") == 2 and 'data-side="right"' not in html
    assert "humans-single" in html and "Practice 3 of 8" in html and "practice trial" in html
    assert "humans-transcript" not in html and 'data-require-full="0"' in html


def test_done_page_code_and_redirect():
    rater = RaterView("t", "done", "CODE<1>", "https://app.prolific.com/submissions/complete?cc=X&y=1")
    html = done_html(rater, redirect_delay_s=3)
    assert "CODE&lt;1&gt;" in html
    assert 'data-redirect="https://app.prolific.com/submissions/complete?cc=X&amp;y=1"' in html
    assert 'data-delay="3"' in html
    assert "data-redirect" not in done_html(RaterView("t", "done", "C", "javascript:alert(1)"))
    assert "no further trials" in done_html(RaterView("t", "screened_out", None, None))


@pytest.mark.parametrize("url", ["", None, "/relative", "ftp://x.org/a", "https://"])
def test_safe_redirect_refuses_non_http(url):
    assert safe_redirect(url) is None
