"""The rater's answer form: the choices each rating scheme offers, and the submitted form turned into an Answer.

No Gradio here: the rater app builds its radio buttons from :func:`preference_choices` / :func:`likert_choices`
and hands the submitted values to :func:`answer_from_form`. The client is not trusted: every value is checked and
a bad one raises :class:`~annotation_app.rater_views.InvalidAnswer` whose message is the English text of a
:data:`~annotation_app.study.ui_text.UI_TEXT` entry and whose ``params["ui_key"]`` names the entry, so the page
shows it in the study's language (the rater service checks the answer against the scheme again).
"""

from __future__ import annotations

import json
import math
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from annotation_app.rater_views import Answer, InvalidAnswer, PlayEvent
from annotation_app.study.model import RatingConfig
from annotation_app.study.ui_text import UI_TEXT, UiText

__all__ = [
    "BOTH_BAD",
    "MAX_EVENTS",
    "MAX_TZ_OFFSET_MIN",
    "URL_IDS",
    "answer_from_form",
    "ids_from_query",
    "likert_choices",
    "parse_events",
    "preference_choices",
    "shows_likert",
    "shows_preference",
]

#: The radio value of the "both are bad" answer (the other values are the signed preference as a string).
BOTH_BAD = "both_bad"

#: At most this many audio events are accepted with one vote (a real session has a few dozen).
MAX_EVENTS = 2000

#: URL parameters that identify a rater (Prolific's names) and the :meth:`RaterService.enter` keyword of each.
URL_IDS = MappingProxyType({"PROLIFIC_PID": "prolific_pid", "STUDY_ID": "study_id", "SESSION_ID": "session_id"})

#: Client UTC offsets outside ±this many minutes are dropped (real ones lie within -12:00..+14:00).
MAX_TZ_OFFSET_MIN = 900

_ENGLISH = UiText()
_EVENT_KINDS = frozenset({"play", "pause", "ended", "seeked"})
_SIDES = frozenset({"left", "right"})


def shows_preference(rating: RatingConfig) -> bool:
    """Whether the scheme asks which of two conversations is better."""
    return rating.asks_preference


def shows_likert(rating: RatingConfig) -> bool:
    """Whether the scheme asks for a satisfaction rating of each conversation."""
    return rating.asks_likert


def _invalid(key: str) -> InvalidAnswer:
    """The error of a form mistake: the English text of ``key``, which the page shows in the study's language."""
    return InvalidAnswer(UI_TEXT[key], ui_key=key)


def preference_choices(rating: RatingConfig, texts: UiText = _ENGLISH) -> list[tuple[str, str]]:
    """(label, value) pairs of the preference radio; negative values mean the left conversation (A) is better.

    Parameters
    ----------
    rating : RatingConfig
        ``preference_points`` is 3 (A / tie / B) or 5 (A≫ / A> / = / B> / B≫); ``allow_both_bad`` adds
        :data:`BOTH_BAD`.
    texts : UiText, default English
        The study's texts (labels only; the values never change).

    Returns
    -------
    list of (str, str)
        Labels name the sides "A" (left) and "B" (right) only, never anything about the models.

    Examples
    --------
    >>> [value for _, value in preference_choices(RatingConfig(preference_points=3, allow_both_bad=False))]
    ['-1', '0', '1']
    """
    if rating.preference_points == 5:
        keys = [
            ("choice_a_much", "-2"),
            ("choice_a_slightly", "-1"),
            ("choice_same", "0"),
            ("choice_b_slightly", "1"),
            ("choice_b_much", "2"),
        ]
    else:
        keys = [("choice_a_better", "-1"), ("choice_same", "0"), ("choice_b_better", "1")]
    if rating.allow_both_bad:
        keys.append(("choice_both_bad", BOTH_BAD))
    return [(texts(key), value) for key, value in keys]


def likert_choices(rating: RatingConfig, texts: UiText = _ENGLISH) -> list[tuple[str, int]]:
    """(label, value) pairs of a satisfaction radio, 1..``likert_points``; the ends are labelled in words.

    Examples
    --------
    >>> likert_choices(RatingConfig(likert_points=3))
    [('1 · not at all', 1), ('2', 2), ('3 · completely', 3)]
    """
    points = rating.likert_points
    labels = {1: texts("likert_lowest", value=1), points: texts("likert_highest", value=points)}
    return [(labels.get(i, str(i)), i) for i in range(1, points + 1)]


def ids_from_query(query: str | None) -> dict[str, str]:
    """The rater ids in a URL query string (``?PROLIFIC_PID=…&STUDY_ID=…&SESSION_ID=…``), as ``enter`` keywords.

    Unknown parameters are ignored; the rater service validates the values.

    Examples
    --------
    >>> ids_from_query("?PROLIFIC_PID=abc&STUDY_ID=s1&utm=x")
    {'prolific_pid': 'abc', 'study_id': 's1'}
    >>> ids_from_query("")
    {}
    """
    ids: dict[str, str] = {}
    for key, value in parse_qsl((query or "").lstrip("?"), keep_blank_values=False):
        if key in URL_IDS and value.strip():
            ids[URL_IDS[key]] = value.strip()
    return ids


def answer_from_form(
    rating: RatingConfig,
    *,
    preference: str | None,
    likert_left: Any,
    likert_right: Any,
    reason: str | None,
    events_json: str | None,
    tz_offset: Any,
) -> Answer:
    """Turn the values of the submitted form into an :class:`~annotation_app.rater_views.Answer`.

    Parameters
    ----------
    rating : RatingConfig
        The study's rating scheme: decides which fields are read.
    preference : str or None
        A value of :func:`preference_choices` (``None`` when nothing was chosen).
    likert_left, likert_right : int, str or None
        Values of :func:`likert_choices`; ``likert_right`` is ignored in Likert-only studies.
    reason : str or None
        Free text; blank becomes ``None``.
    events_json : str or None
        JSON list of audio events recorded by the page, each ``{"side", "turn", "kind", "t", "ms"}``
        (media time ``t`` in seconds, client time ``ms`` in milliseconds since the epoch).
    tz_offset : int, str or None
        The client's offset from UTC in minutes, east positive (UTC+2 is ``120``).

    Returns
    -------
    Answer

    Raises
    ------
    InvalidAnswer
        When a required choice is missing or a value is not one the form offers.
    """
    pref_value: int | None = None
    both_bad = False
    if shows_preference(rating):
        allowed = {value for _, value in preference_choices(rating)}
        if preference in (None, ""):
            raise _invalid("error_choose_preference")
        if preference not in allowed:
            raise _invalid("error_not_a_choice")
        if preference == BOTH_BAD:
            both_bad = True
        else:
            pref_value = int(preference)
    left = right = None
    if shows_likert(rating):
        left = _likert(rating, likert_left, "error_rate_a" if shows_preference(rating) else "error_rate_single")
        if "right" in rating.likert_sides:
            right = _likert(rating, likert_right, "error_rate_b")
    text = (reason or "").strip() or None
    return Answer(
        preference=pref_value,
        both_bad=both_bad,
        likert_left=left,
        likert_right=right,
        reason=text,
        client_tz_offset_min=_tz_offset(tz_offset),
        events=parse_events(events_json),
    )


def parse_events(events_json: str | None) -> tuple[PlayEvent, ...]:
    """Read the page's JSON list of audio events; malformed entries make the whole list invalid.

    Examples
    --------
    >>> parse_events('[{"side": "left", "turn": 0, "kind": "ended", "t": 1.5, "ms": 1700000000000}]')
    (PlayEvent(side='left', turn=0, kind='ended', media_time_s=1.5, client_ms=1700000000000),)
    >>> parse_events("")
    ()
    """
    if not events_json:
        return ()
    try:
        raw = json.loads(events_json)
    except json.JSONDecodeError as exc:
        raise _invalid("error_garbled_log") from exc
    if not isinstance(raw, list) or len(raw) > MAX_EVENTS:
        raise _invalid("error_garbled_log")
    events = []
    for item in raw:
        try:
            event = PlayEvent(
                side=str(item["side"]),
                turn=int(item["turn"]),
                kind=str(item["kind"]),
                media_time_s=float(item["t"]),
                client_ms=int(item["ms"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid("error_garbled_log") from exc
        if event.side not in _SIDES or event.kind not in _EVENT_KINDS or event.turn < 0:
            raise _invalid("error_garbled_log")
        if not math.isfinite(event.media_time_s) or event.media_time_s < 0:
            raise _invalid("error_garbled_log")
        events.append(event)
    return tuple(events)


def _likert(rating: RatingConfig, value: Any, missing_key: str) -> int:
    if value in (None, ""):
        raise _invalid(missing_key)
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _invalid("error_not_a_choice") from exc
    if not 1 <= number <= rating.likert_points:
        raise _invalid("error_not_a_choice")
    return number


def _tz_offset(value: Any) -> int | None:
    try:
        minutes = int(float(value))
    except (TypeError, ValueError):
        return None
    return minutes if -MAX_TZ_OFFSET_MIN <= minutes <= MAX_TZ_OFFSET_MIN else None
