"""Check a rater's questionnaire answers against the study's questions (pure: no store, no clock).

The rater UI sends one value per question name; :func:`clean_answers` returns the values as stored (JSON-ready)
or raises :class:`~annotation_app.rater_views.InvalidAnswer` with one sentence that quotes the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from annotation_app.rater_views import InvalidAnswer
from annotation_app.study.model import Question

__all__ = ["clean_answers", "missing_required"]

#: Control characters (except tab and newline) and bidi overrides, removed from free text as from reasons.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _clean_one(question: Question, value: object) -> object:
    quoted = f"“{question.text}”"
    if question.type == "choice":
        if not isinstance(value, str) or value not in question.options:
            raise InvalidAnswer(f"For {quoted} choose one of the options given.")
        return value
    if question.type == "multi":
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise InvalidAnswer(f"For {quoted} choose any of the options given.")
        unknown = [v for v in values if v not in question.options]
        if unknown:
            raise InvalidAnswer(f"For {quoted} choose among the options given ({unknown[0]!r} is not one).")
        return [o for o in question.options if o in values]
    if question.type == "likert":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= question.points:
            raise InvalidAnswer(f"For {quoted} choose a point from 1 to {question.points}.")
        return value
    if question.type == "number":
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                raise InvalidAnswer(f"For {quoted} enter a number.") from None
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise InvalidAnswer(f"For {quoted} enter a number.")
        low, high = question.min, question.max
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low:g} to {high:g}" if low is not None and high is not None else (
                f"of at least {low:g}" if low is not None else f"of at most {high:g}")  # fmt: skip
            raise InvalidAnswer(f"For {quoted} enter a number {bounds}.")
        return int(value) if float(value).is_integer() else float(value)
    text = _JUNK.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > question.max_chars:
        raise InvalidAnswer(
            f"Your answer to {quoted} is {len(text)} characters long; please shorten it to {question.max_chars}."
        )
    return text


def clean_answers(questions: Sequence[Question], answers: Mapping[str, object]) -> dict[str, object]:
    """The answers as stored: one entry per answered question (optional questions left empty are left out).

    Raises
    ------
    InvalidAnswer
        For an answer to a question the study does not ask, a value that does not fit its question, or a
        required question left empty (the first such question, quoted).

    Examples
    --------
    >>> q = (Question("age", "number", "How old are you?", min=18, max=99),
    ...      Question("os", "multi", "Which?", options=("a", "b"), required=False))
    >>> clean_answers(q, {"age": "42", "os": ["b", "a"]})
    {'age': 42, 'os': ['a', 'b']}
    """
    names = {q.name for q in questions}
    unknown = sorted(set(answers) - names)
    if unknown:
        raise InvalidAnswer("This questionnaire has no such question; please reload the page.")
    out: dict[str, object] = {}
    for question in questions:
        value = answers.get(question.name)
        if _empty(value) or (question.type == "text" and not str(value).strip()):
            if question.required:
                raise InvalidAnswer(f"Please answer “{question.text}”.")
            continue
        cleaned = _clean_one(question, value)
        if _empty(cleaned):
            if question.required:
                raise InvalidAnswer(f"Please answer “{question.text}”.")
            continue
        out[question.name] = cleaned
    return out


def missing_required(questions: Sequence[Question], answers: Mapping[str, object]) -> list[str]:
    """Names of required questions without an answer (for the UI to mark)."""
    return [q.name for q in questions if q.required and _empty(answers.get(q.name))]
