"""The rater page's quality stages in Gradio: headphone check, questionnaires, aspect questions, declining consent.

Wiring only, like :mod:`annotation_app.ui.rater_app`: components are built from the study config, and each event
is one call of the rater service (:class:`~annotation_app.rater_quality.QualitySteps`); every rule (which clips,
the score, the answers' checks, the codes) lives in the service. Texts come from
:data:`annotation_app.study.ui_text.UI_TEXT` (the study's ``ui_text`` table).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from annotation_app.page_mark import PAGES
from annotation_app.quality_views import HeadphoneView
from annotation_app.rater_views import Answer, InvalidAnswer
from annotation_app.study.model import Question, RatingConfig, StudyConfig
from annotation_app.study.ui_text import UiText
from annotation_app.ui.plain_events import listen
from annotation_app.ui.quality_html import headphone_html

__all__ = [
    "QUALITY_CSS",
    "QualityPage",
    "aspect_radios",
    "build_quality_pages",
    "quality_updates",
    "wire_quality",
    "with_aspects",
]

#: The stylesheet of the quality stages (mounted beside ``rater.css``).
QUALITY_CSS = Path(__file__).with_name("quality.css")

_PHASES = ("before", "after")


@dataclass(frozen=True)
class QualityPage:
    """The components of the quality stages that events read or update.

    A stage the study does not have has no components (None, or empty tuples), so a study without any quality
    feature has exactly the rater page it had before they existed (same API outputs).
    """

    headphone_players: gr.HTML | None
    headphone_choices: tuple[gr.Radio, ...]
    headphone_submit: gr.Button | None
    before: tuple[tuple[Question, gr.components.Component], ...]
    after: tuple[tuple[Question, gr.components.Component], ...]
    before_submit: gr.Button | None
    after_submit: gr.Button | None
    aspects: tuple[gr.Radio, ...]

    @property
    def outputs(self) -> list:
        """What the page's events update (appended to the rater page's outputs; the columns are shown by the
        rater page's page mark, not updated)."""
        questions = [c for _, c in self.before + self.after]
        parts = [self.headphone_players, *self.headphone_choices, *questions, *self.aspects]
        return [p for p in parts if p is not None]


def aspect_radios(rating: RatingConfig, t: UiText) -> tuple[gr.Radio, ...]:
    """One A / B / same radio per aspect (the preference's words), to be placed with the preference question."""
    choices = [(t("choice_a_better"), "-1"), (t("choice_same"), "0"), (t("choice_b_better"), "1")]
    return tuple(
        gr.Radio(choices, label=aspect.question, elem_id=f"humans-aspect-{aspect.name}", elem_classes="humans-aspect")
        for aspect in rating.aspects
    )


def _question(q: Question, t: UiText) -> gr.components.Component:
    label = q.text if q.required else t("questionnaire_optional", question=q.text)
    elem = f"humans-q-{q.name}"
    if q.type == "choice":
        return gr.Radio(list(q.options), label=label, elem_id=elem)
    if q.type == "multi":
        return gr.CheckboxGroup(list(q.options), label=label, elem_id=elem)
    if q.type == "likert":
        choices = []
        for k in range(1, q.points + 1):
            tag = q.low_label if k == 1 else q.high_label if k == q.points else ""
            choices.append((f"{k} – {tag}" if tag else str(k), str(k)))
        return gr.Radio(choices, label=label, elem_id=elem)
    if q.type == "number":  # a text box: an empty gr.Number sends 0, and the service parses and checks the number
        bounds = [f"≥ {q.min:g}" if q.min is not None else "", f"≤ {q.max:g}" if q.max is not None else ""]
        hint = ", ".join(b for b in bounds if b)
        return gr.Textbox(label=label, max_lines=1, max_length=32, placeholder=hint, elem_id=elem)
    return gr.Textbox(label=label, lines=2, max_length=q.max_chars, elem_id=elem)


def build_quality_pages(config: StudyConfig, aspects: tuple[gr.Radio, ...], t: UiText) -> QualityPage:
    """Build the headphone and questionnaire columns (hidden by ``quality.css`` unless the page mark names them)."""
    quality = config.quality
    kind = quality.headphone_check
    players = headphone_submit = None
    choices: tuple[gr.Radio, ...] = ()
    if kind != "off":
        with gr.Column(elem_id=PAGES["headphones"], elem_classes="humans-stage"):
            gr.Markdown(f"### {t('headphones_heading')}")
            gr.Markdown(t("headphones_calibrate"), elem_id="humans-calibrate-note")
            players = gr.HTML("", elem_id="humans-headphone-players")
            gr.Markdown(t(f"headphones_task_{kind}"), elem_id="humans-headphone-task")
            choices = tuple(
                gr.Radio(
                    ["1", "2", "3"],
                    label=t(f"headphones_choice_{kind}", k=k),
                    elem_id=f"humans-hp-choice-{k}",
                    elem_classes="humans-hp-choice",
                )
                for k in range(1, quality.headphone_trials + 1)
            )
            headphone_submit = gr.Button(t("headphones_submit"), variant="primary", elem_id="humans-hp-submit")
    submits: dict = dict.fromkeys(_PHASES)
    questions: dict = {phase: () for phase in _PHASES}
    for phase in _PHASES:
        if not getattr(config.questionnaire, phase):
            continue
        with gr.Column(elem_id=PAGES[f"questionnaire_{phase}"], elem_classes="humans-stage"):
            gr.Markdown(f"### {t(f'questionnaire_{phase}_heading')}")
            questions[phase] = tuple((q, _question(q, t)) for q in getattr(config.questionnaire, phase))
            submits[phase] = gr.Button(
                t("questionnaire_submit"), variant="primary", elem_id=f"humans-questionnaire-{phase}-submit"
            )
    return QualityPage(
        players,
        choices,
        headphone_submit,
        questions["before"],
        questions["after"],
        submits["before"],
        submits["after"],
        aspects,
    )


def quality_updates(page: QualityPage, headphones: HeadphoneView | None, audio_prefix: str, t: UiText) -> dict:
    """Values of the quality components (cleared answers; the headphone clips while the rater is in that test)."""
    updates: dict = {}
    if page.headphone_players is not None:
        players = headphone_html(headphones, t, audio_prefix=audio_prefix) if headphones is not None else ""
        updates[page.headphone_players] = players
    for radio in (*page.headphone_choices, *page.aspects):
        updates[radio] = None
    return updates


def with_aspects(answer: Answer, rating: RatingConfig, values) -> Answer:
    """The answer with the aspect radios' values (-1 / 0 / 1 as text; the service checks them again)."""
    out = []
    for aspect, value in zip(rating.aspects, values, strict=True):
        if value in (None, ""):
            continue
        try:
            out.append((aspect.name, int(value)))
        except (TypeError, ValueError):
            raise InvalidAnswer(f"For “{aspect.question}” choose A, B or the same.") from None
    return dataclasses.replace(answer, aspects=tuple(out))


def _answers(questions, values) -> dict:
    out = {}
    for (q, _), value in zip(questions, values, strict=True):
        if q.type == "likert" and isinstance(value, str) and value.isdigit():
            value = int(value)
        out[q.name] = value
    return out


def wire_quality(page: QualityPage, service, token, show: Callable, shared: dict) -> None:
    """Connect the quality events: each is one service call, answered with the page for the rater's new stage."""

    def on_headphones(tok, *choices):
        answers = []
        for value in choices:
            answers.append(int(value) if value in ("1", "2", "3") else None)
        return show(lambda: service.submit_headphone_test(tok, answers))

    if page.headphone_submit is not None:
        listen(
            page.headphone_submit.click,
            on_headphones,
            [token, *page.headphone_choices],
            api_name="headphones",
            **shared,
        )
    for phase in _PHASES:
        questions = getattr(page, phase)
        if not questions:
            continue

        def on_questionnaire(tok, *values, _questions=questions):
            answers = _answers(_questions, values)
            return show(lambda: service.submit_questionnaire(tok, answers))

        listen(
            getattr(page, f"{phase}_submit").click,
            on_questionnaire,
            [token, *(c for _, c in questions)],
            api_name=f"questionnaire_{phase}",
            **shared,
        )
