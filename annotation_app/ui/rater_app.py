"""The crowdworker's Gradio app: consent → instructions → practice → trials → done.

This module only wires: it builds components from :class:`RaterAppSettings` and connects each event to one call of
:class:`~annotation_app.rater_service.RaterService`. Every rule (ids, stages, which trial, the listening floor,
idempotent votes, blinding) lives in the service; the page script ``rater.js`` keeps the answer controls locked
until both conversations were played to the end, sends the play log with the vote, and adds the keyboard keys.
Every word on the page comes from the study's :class:`~annotation_app.study.ui_text.UiText` table.

Every event answers with plain values only, never with property updates (``gr.update``): Gradio builds a new
component and its config for each property update of each session (2.9 ms for the 8 of a vote, against 0.14 ms as
plain values), and keeps it in the session's state. So which stage column shows is one value, the page mark
(``<div data-humans-page="consent">``): ``rater.js`` copies it to ``<body data-humans-page>`` and ``rater.css``
hides every column but that page's. The notice likewise shows when it has text.

The internal fields (URL query, trial token, play log, time zone) sit outside every stage column, so showing a
column never shows them. The one notice (answers to a click: refusals, practice feedback) sticks to the top of the
viewport (``rater.css``), so it is in view wherever the rater clicked.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from analysis.errors import HumansError
from annotation_app.page_mark import PAGES, TRIAL_STAGES, page_mark, page_of
from annotation_app.protocol import FINAL_STAGES
from annotation_app.rater_service import MAX_ID_CHARS, MAX_REASON_CHARS, RaterService
from annotation_app.rater_views import (
    InvalidAnswer,
    InvalidRaterId,
    NotYourTrial,
    RaterError,
    RaterView,
    Receipt,
    ServiceUnavailable,
    TooManyNewRaters,
    TooSoon,
    UnknownRater,
    WrongStage,
)
from annotation_app.study.model import RatingConfig, Study, StudyConfig
from annotation_app.study.ui_text import UiText, ui_text
from annotation_app.ui import quality_pages as quality
from annotation_app.ui.plain_events import RefusedValue, listen
from annotation_app.ui.rater_form import (
    answer_from_form,
    ids_from_query,
    likert_choices,
    preference_choices,
    shows_likert,
    shows_preference,
)
from annotation_app.ui.rater_html import done_html, trial_html

__all__ = ["RATER_CSS", "RATER_JS", "RaterAppSettings", "build_rater_app", "rater_head", "rater_theme"]

#: The stylesheet and the page script of the rater app.
RATER_CSS = Path(__file__).with_name("rater.css")
RATER_JS = Path(__file__).with_name("rater.js")

_log = logging.getLogger(__name__)

#: The ui_text entry of each refusal of the rater service (its English message is the entry's ``{message}``).
_ERROR_KEYS: dict[type, str] = {
    InvalidRaterId: "error_invalid_rater_id",
    UnknownRater: "error_unknown_rater",
    NotYourTrial: "error_not_your_trial",
    WrongStage: "error_wrong_stage",
    TooManyNewRaters: "error_too_many_new_raters",
    TooSoon: "error_too_soon",
    InvalidAnswer: "error_invalid_answer",
}


@dataclass(frozen=True)
class RaterAppSettings:
    """Everything the rater page shows or needs besides the service (built once, read-only).

    ``storage_key`` names the browser storage that keeps the rater token across reloads and tabs (one per study);
    ``audio_prefix`` is the URL prefix of the audio cache route; ``texts`` every word of the page.
    """

    title: str
    consent: str
    instructions: str
    rating: RatingConfig
    require_full_playback: bool
    min_played_fraction: float
    storage_key: str
    audio_prefix: str = "audio/"
    redirect_delay_s: int = 5
    texts: UiText = field(default_factory=UiText)
    #: The whole config, for the quality stages (headphones, questionnaires, aspects, codes).
    config: StudyConfig | None = None

    @classmethod
    def from_study(cls, study: Study, *, audio_prefix: str = "audio/") -> RaterAppSettings:
        """Settings of the rater page of ``study`` (texts, rating scheme, listening rules)."""
        cfg = study.config
        return cls(
            title=cfg.title,
            consent=cfg.consent,
            instructions=cfg.instructions,
            rating=cfg.rating,
            require_full_playback=cfg.quality.require_full_playback,
            min_played_fraction=cfg.quality.min_listen_fraction,
            storage_key=f"humans-rater-{study.content_hash[:16]}",
            audio_prefix=audio_prefix,
            texts=ui_text(cfg.ui_text),
            config=cfg,
        )


def rater_theme() -> gr.themes.Base:
    """Gradio's default theme with the device's own fonts (no web-font downloads for raters)."""
    return gr.themes.Default(
        font=["system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def rater_head() -> str:
    """The ``<head>`` HTML of the rater page: the listening-check script."""
    return f"<script>\n{RATER_JS.read_text(encoding='utf-8')}\n</script>"


def build_rater_app(service: RaterService, settings: RaterAppSettings) -> gr.Blocks:
    """The rater's Blocks app; mount it with ``css_paths=[RATER_CSS]`` and ``head=rater_head()``.

    Parameters
    ----------
    service : RaterService
        Every call of the page goes to it.
    settings : RaterAppSettings
        Texts, rating scheme and listening rules.

    Returns
    -------
    gradio.Blocks
        Named API endpoints ``/enter``, ``/start``, ``/consent``, ``/instructions`` and ``/submit`` (the
        integration tests drive a session through them). The rater token travels as the first input and output.
    """
    with gr.Blocks(title=settings.title, analytics_enabled=False) as app:
        page = _layout(settings)
        _wire(app, page, service, settings)
    return app


@dataclass(frozen=True)
class _Page:
    """The components of the rater page that events read or update."""

    token: gr.BrowserState
    query: gr.Textbox
    notice: gr.Markdown
    stage: gr.HTML
    typed_id: gr.Textbox
    start: gr.Button
    agree: gr.Button
    decline: gr.Button
    begin: gr.Button
    players: gr.HTML
    preference: gr.Radio
    likert_left: gr.Radio
    likert_right: gr.Radio
    reason: gr.Textbox
    submit: gr.Button
    trial_token: gr.Textbox
    events: gr.Textbox
    tz_offset: gr.Textbox
    done: gr.HTML
    quality: quality.QualityPage

    @property
    def outputs(self) -> list:
        """What every event may update, in this order (the columns are not among them: the page mark shows one)."""
        return [
            self.token,
            self.notice,
            self.stage,
            self.players,
            self.trial_token,
            self.preference,
            self.likert_left,
            self.likert_right,
            self.reason,
            self.done,
            *self.quality.outputs,
        ]


def _layout(settings: RaterAppSettings) -> _Page:
    """Build the components: one column per stage, all hidden (``rater.css``) until the first event's page mark
    names the rater's page."""
    rating, t = settings.rating, settings.texts
    config = settings.config or StudyConfig(title=settings.title)
    c: dict = {}
    c["token"] = gr.BrowserState(
        None, storage_key=settings.storage_key, secret=hashlib.sha256(settings.storage_key.encode()).hexdigest()
    )
    # internal fields: outside every stage column, so showing a column never shows them
    c["query"] = gr.Textbox(visible="hidden", elem_id="humans-query")
    c["trial_token"] = gr.Textbox(visible="hidden", elem_id="humans-trial-token")
    c["events"] = gr.Textbox(visible="hidden", elem_id="humans-events")
    c["tz_offset"] = gr.Textbox(visible="hidden", elem_id="humans-tz")
    gr.Markdown(f"## {settings.title}", elem_id="humans-title")
    c["notice"] = gr.Markdown("", elem_id="humans-notice", elem_classes="humans-notice")
    c["stage"] = gr.HTML(page_mark(""), elem_id="humans-stage")
    with gr.Column(elem_id=PAGES["id"], elem_classes="humans-stage"):
        gr.Markdown(t("id_prompt"))
        c["typed_id"] = gr.Textbox(label=t("id_label"), max_lines=1, max_length=MAX_ID_CHARS, elem_id="humans-typed-id")
        c["start"] = gr.Button(t("id_continue"), variant="primary", elem_id="humans-start")
    with gr.Column(elem_id=PAGES["consent"], elem_classes="humans-stage"):
        gr.Markdown(f"### {t('consent_heading')}")
        gr.Markdown(settings.consent, elem_id="humans-consent")
        with gr.Row(elem_id="humans-consent-buttons"):
            c["agree"] = gr.Button(t("consent_agree"), variant="primary", elem_id="humans-agree")
            c["decline"] = gr.Button(t("consent_decline"), variant="secondary", elem_id="humans-decline")
    with gr.Column(elem_id=PAGES["instructions"], elem_classes="humans-stage"):
        gr.Markdown(f"### {t('instructions_heading')}")
        gr.Markdown(settings.instructions, elem_id="humans-instructions")
        c["begin"] = gr.Button(t("instructions_begin"), variant="primary", elem_id="humans-begin")
    with gr.Column(elem_id=PAGES["trial"], elem_classes="humans-stage"):
        c["players"] = gr.HTML("", js_on_load=None, elem_id="humans-players")
        pairwise = shows_preference(rating)
        gr.Markdown(t("lock_note_pair" if pairwise else "lock_note_single"), elem_id="humans-lock-note")
        with gr.Column(elem_id="humans-vote"):
            choices = preference_choices(rating, t) if pairwise else likert_choices(rating, t)
            gr.Markdown(t("keys_hint", keys=f"1–{len(choices)}"), elem_id="humans-keys")
            c["preference"] = gr.Radio(
                preference_choices(rating, t),
                label=rating.preference_question,
                visible=pairwise,
                elem_id="humans-preference",
                elem_classes="humans-choices",
            )
            aspects = quality.aspect_radios(rating, t) if pairwise else ()
            with gr.Row():
                question = rating.likert_question
                c["likert_left"] = gr.Radio(
                    likert_choices(rating, t),
                    label=t("likert_side", side="A", question=question) if pairwise else question,
                    visible=shows_likert(rating),
                    elem_id="humans-likert-left",
                    elem_classes="humans-choices",
                )
                c["likert_right"] = gr.Radio(
                    likert_choices(rating, t),
                    label=t("likert_side", side="B", question=question),
                    visible="right" in rating.likert_sides,
                    elem_id="humans-likert-right",
                    elem_classes="humans-choices",
                )
            c["reason"] = gr.Textbox(
                label=_reason_label(rating, t),
                lines=2,
                max_length=MAX_REASON_CHARS,
                visible=rating.reason != "off",
                elem_id="humans-reason",
            )
            c["submit"] = gr.Button(t("submit"), variant="primary", elem_id="humans-submit")
    with gr.Column(elem_id=PAGES["done"], elem_classes="humans-stage"):
        c["done"] = gr.HTML("", js_on_load=None, elem_id="humans-done-page")
    with gr.Column():
        c["quality"] = quality.build_quality_pages(config, aspects, t)
    return _Page(**c)


def _wire(app: gr.Blocks, page: _Page, service: RaterService, settings: RaterAppSettings) -> None:
    """Connect each event to one service call; every event answers with the page for the rater's new stage."""
    texts = settings.texts

    def show(event: Callable[[], RaterView | Receipt | None]) -> dict:
        """Run the event's service step and answer with every output's value for the rater's new stage.

        The step and what the page shows next (the open trial, the headphone test) are one transaction
        (:meth:`RaterService.screen`); the HTML is built after it commits. No rater: the id form.
        """
        screen = service.screen(event)
        rater, trial = screen.rater, screen.trial
        stage = rater.stage if rater else "id"
        message = _receipt_message(screen.receipt, texts) if screen.receipt is not None else ""
        if stage in TRIAL_STAGES and trial is None:
            message = message or texts("notice_no_trial")
        done = stage in FINAL_STAGES
        return {
            page.token: rater.rater_token if rater else None,
            page.notice: _notice(message),
            page.stage: page_mark(page_of(stage, has_trial=trial is not None)),
            page.players: _players(trial, settings),
            page.trial_token: trial.token if trial else "",
            page.preference: None,
            page.likert_left: None,
            page.likert_right: None,
            page.reason: "",
            page.done: done_html(rater, redirect_delay_s=settings.redirect_delay_s, texts=texts) if done else "",
            **quality.quality_updates(page.quality, screen.headphones, settings.audio_prefix, texts),
        }

    def polite(fn: Callable[..., dict]) -> Callable[..., dict]:
        """Show a rater's mistake (or a server refusal) as a notice in the study's words, not as a pop-up."""

        @functools.wraps(fn)
        def wrapper(*args):
            try:
                return fn(*args)
            except ServiceUnavailable as exc:  # the researcher's message goes to the server's log
                _log.error("%s", exc)
                text = texts.error("error_store_unavailable", exc.rater_message)
            except RaterError as exc:
                key = exc.params.get("ui_key") or _ERROR_KEYS.get(type(exc), "error_invalid_answer")
                text = texts.error(key, str(exc), exc.params)
            except HumansError as exc:
                text = str(exc)
            except RefusedValue as exc:  # a forged answer (the page offers only valid ones)
                text = texts.error("error_invalid_answer", exc.message)
            return {page.notice: _notice(text)}

        return wrapper

    def on_enter(stored: str | None, url_query: str, request: gr.Request) -> dict:
        ids = ids_from_query(url_query)
        if not stored and not ids:
            return show(lambda: None)
        client = _client(request)
        try:
            return show(lambda: service.enter(rater_token=stored or None, client=client, **ids))
        except UnknownRater:  # a stale browser token (e.g. a new database): the link's ids still identify the rater
            return show(lambda: service.enter(client=client, **ids) if ids else None)

    def on_start(url_query: str, typed: str, request: gr.Request) -> dict:
        return show(lambda: service.enter(typed_id=typed, client=_client(request), **ids_from_query(url_query)))

    def on_consent(tok: str) -> dict:
        return show(lambda: service.accept_consent(tok))

    def on_decline(tok: str) -> dict:
        return show(lambda: service.decline_consent(tok))

    def on_instructions(tok: str) -> dict:
        return show(lambda: service.finish_instructions(tok))

    def on_submit(tok, trial_tok, pref, like_l, like_r, why, *rest) -> dict:
        *aspects, events_json, tz = rest
        answer = answer_from_form(
            settings.rating,
            preference=pref,
            likert_left=like_l,
            likert_right=like_r,
            reason=why,
            events_json=events_json,
            tz_offset=tz,
        )
        answer = quality.with_aspects(answer, settings.rating, aspects)
        return show(lambda: service.submit(tok, trial_tok, answer))

    # Rater events run concurrently: each service step is one database transaction (RaterService, Store.atomic).
    # So they need nothing of Gradio's queue and run outside it (queue=False): one POST gradio_api/run/predict per
    # event instead of queue/join plus an event stream, ≈ 1.5 ms less server CPU per event (docs/deployment.md).
    # Gradio's own progress text ("processing | 0.1s") is English and not ours: hidden.
    # ``polite`` wraps the preprocessing too, so a value a Radio refuses becomes the study's notice.
    # ``listen``: every output is already what the page shows and inputs are preprocessed in the event's thread, so
    # Gradio hands no input or output to a worker thread of its own (see annotation_app/ui/plain_events.py).
    shared = {
        "outputs": page.outputs,
        "queue": False,
        "show_progress": "hidden",
        "around": polite,
    }
    listen(
        app.load,
        on_enter,
        [page.token, page.query],
        js="(t, q) => [t, window.location.search]",
        api_name="enter",
        **shared,
    )
    listen(
        page.start.click,
        on_start,
        [page.query, page.typed_id],
        js="(q, i) => [window.location.search, i]",
        api_name="start",
        **shared,
    )
    listen(page.agree.click, on_consent, [page.token], api_name="consent", **shared)
    listen(page.decline.click, on_decline, [page.token], api_name="decline", **shared)
    listen(page.begin.click, on_instructions, [page.token], api_name="instructions", **shared)
    listen(
        page.submit.click,
        on_submit,
        [
            page.token,
            page.trial_token,
            page.preference,
            page.likert_left,
            page.likert_right,
            page.reason,
            *page.quality.aspects,
            page.events,
            page.tz_offset,
        ],
        js="(...args) => window.humans ? window.humans.collect(...args) : args",
        api_name="submit",
        **shared,
    )
    quality.wire_quality(page.quality, service, page.token, show, shared)


def _notice(message: str) -> str:
    """The notice's text, unindented as ``gr.Markdown`` would postprocess it (the page shows it when not empty)."""
    return inspect.cleandoc(message)


def _client(request: gr.Request | None) -> str | None:
    """The caller's IP address (what the new-rater limit counts), or None when unknown."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None)


def _players(trial, settings: RaterAppSettings) -> str:
    if trial is None:
        return ""
    return trial_html(
        trial,
        audio_prefix=settings.audio_prefix,
        show_transcripts=settings.rating.show_transcripts,
        require_full_playback=settings.require_full_playback,
        min_played_fraction=settings.min_played_fraction,
        texts=settings.texts,
    )


def _reason_label(rating: RatingConfig, texts: UiText) -> str:
    prompt = rating.reason_prompt
    return texts("reason_required", prompt=prompt) if rating.reason == "required" else prompt


def _receipt_message(receipt: Receipt, texts: UiText) -> str:
    if receipt.duplicate:
        return texts("notice_duplicate")
    if receipt.practice_passed is True:
        return texts("notice_practice_passed")
    if receipt.practice_passed is False:
        again = receipt.rater.stage == "practice"
        return texts("notice_practice_failed_again" if again else "notice_practice_failed_continue")
    return ""
