"""How simulated raters meet the quality stages: the headphone test answered by listening to the served clips,
questionnaires filled with valid random answers, and aspect answers.

A careful simulated rater wears headphones (:func:`~annotation_app.headphone.listeners.listen_with_headphones`);
a careless one listens on loudspeakers (:func:`~annotation_app.headphone.listeners.listen_with_speakers`), so it
fails the antiphase test and, on the Huggins test, passes only by luck (5 of 6 guessed right: p = 0.018). Both
read only the audio the service serves, like a browser.
"""

from __future__ import annotations

import numpy as np

from annotation_app.headphone.listeners import listen_with_headphones, listen_with_speakers, read_wav
from annotation_app.study.model import Question

__all__ = ["aspect_answers", "questionnaire_answers", "take_headphone_test"]

#: Probability that a careful rater's aspect answer follows their overall preference.
ASPECT_AGREEMENT = 0.8


def take_headphone_test(service, token: str, clock, *, careful: bool, rng: np.random.Generator):
    """Listen to the rater's clips, wait past the floor and submit; returns the rater's new view."""
    view = service.headphone_test(token)
    answers = []
    for name in view.trials:
        signal, _ = read_wav(service.audio_file(name).read_bytes())
        if careful:
            answers.append(listen_with_headphones(signal, view.kind))
        else:
            answers.append(listen_with_speakers(signal, view.kind, rng))
    clock.advance(view.min_wait_s + float(rng.uniform(2.0, 10.0)))
    return service.submit_headphone_test(token, answers)


def _value(question: Question, rng: np.random.Generator):
    if question.type == "choice":
        return question.options[int(rng.integers(len(question.options)))]
    if question.type == "multi":
        picked = [o for o in question.options if rng.random() < 0.4]
        return picked or [question.options[0]]
    if question.type == "likert":
        return int(rng.integers(1, question.points + 1))
    if question.type == "number":
        low = question.min if question.min is not None else 0.0
        high = question.max if question.max is not None else low + 100.0
        return int(rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1))
    return "simulated comment" if rng.random() < 0.5 else ""


def questionnaire_answers(questions, rng: np.random.Generator) -> dict:
    """A valid answer to every question (optional ones sometimes left empty)."""
    out = {}
    for q in questions:
        if not q.required and rng.random() < 0.3:
            continue
        out[q.name] = _value(q, rng)
    return out


def aspect_answers(aspects, preference: int | None, careless: bool, rng: np.random.Generator):
    """One answer per aspect (-1 left, 0 same, +1 right): careful raters mostly follow their preference."""
    out = []
    sign = int(np.sign(preference or 0))
    for name, _question in aspects:
        if careless or rng.random() >= ASPECT_AGREEMENT:
            out.append((name, int(rng.integers(-1, 2))))
        else:
            out.append((name, sign))
    return tuple(out)
