"""The crowdworker's Gradio app: consent → instructions → practice → trials → done.

This module only wires: it builds components from :class:`RaterAppSettings` and connects each event to one call of
:class:`~annotation_app.rater_service.RaterService`. Every rule (ids, stages, which trial, the listening floor,
idempotent votes, blinding) lives in the service; the page script ``rater.js`` keeps the answer controls locked
until both conversations were played to the end and sends the play log with the vote.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from analysis.errors import HumansError
from annotation_app.rater_service import MAX_ID_CHARS, MAX_REASON_CHARS, RaterService
from annotation_app.rater_views import RaterView, Receipt, ServiceUnavailable, UnknownRater
from annotation_app.study.model import RatingConfig, Study
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

_TRIAL_STAGES = ("practice", "trials")
_DONE_STAGES = ("done", "screened_out")
_LOCK_NOTE = "Listen to both conversations to the end; then the answer buttons unlock."
_LOCK_NOTE_ONE = "Listen to the conversation to the end; then the answer buttons unlock."


@dataclass(frozen=True)
class RaterAppSettings:
    """Everything the rater page shows or needs besides the service (built once, read-only).

    ``storage_key`` names the browser storage that keeps the rater token across reloads and tabs (one per study);
    ``audio_prefix`` is the URL prefix of the audio cache route.
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
    id_page: gr.Column
    typed_id: gr.Textbox
    start: gr.Button
    consent_page: gr.Column
    agree: gr.Button
    instructions_page: gr.Column
    begin: gr.Button
    trial_page: gr.Column
    players: gr.HTML
    preference: gr.Radio
    likert_left: gr.Radio
    likert_right: gr.Radio
    reason: gr.Textbox
    submit: gr.Button
    trial_token: gr.Textbox
    events: gr.Textbox
    tz_offset: gr.Textbox
    done_page: gr.Column
    done: gr.HTML

    @property
    def outputs(self) -> list:
        """What every event may update (the API returns the non-layout ones, in this order)."""
        return [
            self.token,
            self.notice,
            self.id_page,
            self.consent_page,
            self.instructions_page,
            self.trial_page,
            self.done_page,
            self.players,
            self.trial_token,
            self.preference,
            self.likert_left,
            self.likert_right,
            self.reason,
            self.done,
        ]


def _layout(settings: RaterAppSettings) -> _Page:
    """Build the components: one column per stage, all hidden until the first event shows the rater's stage."""
    rating = settings.rating
    c: dict = {}
    c["token"] = gr.BrowserState(
        None, storage_key=settings.storage_key, secret=hashlib.sha256(settings.storage_key.encode()).hexdigest()
    )
    c["query"] = gr.Textbox(visible="hidden", elem_id="humans-query")
    gr.Markdown(f"## {settings.title}", elem_id="humans-title")
    c["notice"] = gr.Markdown("", visible=False, elem_id="humans-notice")
    with gr.Column(visible=False) as c["id_page"]:
        gr.Markdown("Please enter the participant id you were given (letters, digits and - _ . @).")
        c["typed_id"] = gr.Textbox(
            label="Participant id", max_lines=1, max_length=MAX_ID_CHARS, elem_id="humans-typed-id"
        )
        c["start"] = gr.Button("Continue", variant="primary", elem_id="humans-start")
    with gr.Column(visible=False) as c["consent_page"]:
        gr.Markdown("### Before you start")
        gr.Markdown(settings.consent, elem_id="humans-consent")
        c["agree"] = gr.Button("I agree and want to take part", variant="primary", elem_id="humans-agree")
    with gr.Column(visible=False) as c["instructions_page"]:
        gr.Markdown("### How it works")
        gr.Markdown(settings.instructions, elem_id="humans-instructions")
        c["begin"] = gr.Button("Begin", variant="primary", elem_id="humans-begin")
    with gr.Column(visible=False) as c["trial_page"]:
        c["players"] = gr.HTML("", js_on_load=None, elem_id="humans-players")
        gr.Markdown(_LOCK_NOTE if shows_preference(rating) else _LOCK_NOTE_ONE, elem_id="humans-lock-note")
        with gr.Column(elem_id="humans-vote"):
            pairwise = shows_preference(rating)
            c["preference"] = gr.Radio(
                preference_choices(rating),
                label=rating.preference_question,
                visible=pairwise,
                elem_id="humans-preference",
            )
            with gr.Row():
                c["likert_left"] = gr.Radio(
                    likert_choices(rating),
                    label=f"A: {rating.likert_question}" if pairwise else rating.likert_question,
                    visible=shows_likert(rating),
                    elem_id="humans-likert-left",
                )
                c["likert_right"] = gr.Radio(
                    likert_choices(rating),
                    label=f"B: {rating.likert_question}",
                    visible="right" in rating.likert_sides,
                    elem_id="humans-likert-right",
                )
            c["reason"] = gr.Textbox(
                label=_reason_label(rating),
                lines=2,
                max_length=MAX_REASON_CHARS,
                visible=rating.reason != "off",
                elem_id="humans-reason",
            )
            c["submit"] = gr.Button("Submit answer", variant="primary", elem_id="humans-submit")
        c["trial_token"] = gr.Textbox(visible="hidden", elem_id="humans-trial-token")
        c["events"] = gr.Textbox(visible="hidden", elem_id="humans-events")
        c["tz_offset"] = gr.Textbox(visible="hidden", elem_id="humans-tz")
    with gr.Column(visible=False) as c["done_page"]:
        c["done"] = gr.HTML("", js_on_load=None, elem_id="humans-done-page")
    return _Page(**c)


def _wire(app: gr.Blocks, page: _Page, service: RaterService, settings: RaterAppSettings) -> None:
    """Connect each event to one service call; every event answers with the page for the rater's new stage."""

    def show(rater: RaterView | None, message: str = "") -> dict:
        """Updates of every output for the rater's stage (the id form when ``rater`` is None)."""
        stage = rater.stage if rater else "id"
        trial = service.current_trial(rater.rater_token) if stage in _TRIAL_STAGES else None
        if stage in _TRIAL_STAGES and trial is None:
            message = message or "There is no trial for you right now; please reload the page in a minute."
        return {
            page.token: rater.rater_token if rater else None,
            page.notice: gr.Markdown(message, visible=bool(message)),
            page.id_page: gr.Column(visible=stage == "id"),
            page.consent_page: gr.Column(visible=stage == "consent"),
            page.instructions_page: gr.Column(visible=stage == "instructions"),
            page.trial_page: gr.Column(visible=trial is not None),
            page.done_page: gr.Column(visible=stage in _DONE_STAGES),
            page.players: _players(trial, settings),
            page.trial_token: trial.token if trial else "",
            page.preference: None,
            page.likert_left: None,
            page.likert_right: None,
            page.reason: "",
            page.done: done_html(rater, redirect_delay_s=settings.redirect_delay_s) if stage in _DONE_STAGES else "",
        }

    def polite(fn: Callable[..., dict]) -> Callable[..., dict]:
        """Show a rater's mistake (or a server refusal) as a notice instead of an error pop-up."""

        @functools.wraps(fn)
        def wrapper(*args):
            try:
                return fn(*args)
            except ServiceUnavailable as exc:  # the researcher's message goes to the server's log
                _log.error("%s", exc)
                return {page.notice: gr.Markdown(exc.rater_message, visible=True)}
            except HumansError as exc:
                return {page.notice: gr.Markdown(str(exc), visible=True)}

        return wrapper

    @polite
    def on_enter(stored: str | None, url_query: str, request: gr.Request) -> dict:
        ids = ids_from_query(url_query)
        if not stored and not ids:
            return show(None)
        client = _client(request)
        try:
            return show(service.enter(rater_token=stored or None, client=client, **ids))
        except UnknownRater:  # a stale browser token (e.g. a new database): the link's ids still identify the rater
            return show(service.enter(client=client, **ids) if ids else None)

    @polite
    def on_start(url_query: str, typed: str, request: gr.Request) -> dict:
        return show(service.enter(typed_id=typed, client=_client(request), **ids_from_query(url_query)))

    @polite
    def on_consent(tok: str) -> dict:
        return show(service.accept_consent(tok))

    @polite
    def on_instructions(tok: str) -> dict:
        return show(service.finish_instructions(tok))

    @polite
    def on_submit(tok, trial_tok, pref, like_l, like_r, why, events_json, tz) -> dict:
        answer = answer_from_form(
            settings.rating,
            preference=pref,
            likert_left=like_l,
            likert_right=like_r,
            reason=why,
            events_json=events_json,
            tz_offset=tz,
        )
        receipt = service.submit(tok, trial_tok, answer)
        return show(receipt.rater, _receipt_message(receipt))

    # Rater events run concurrently: each service step is one database transaction (RaterService, Store.atomic).
    shared = {"outputs": page.outputs, "concurrency_id": "rater", "concurrency_limit": None}
    app.load(on_enter, [page.token, page.query], js="(t, q) => [t, window.location.search]", api_name="enter", **shared)
    page.start.click(
        on_start, [page.query, page.typed_id], js="(q, i) => [window.location.search, i]", api_name="start", **shared
    )
    page.agree.click(on_consent, [page.token], api_name="consent", **shared)
    page.begin.click(on_instructions, [page.token], api_name="instructions", **shared)
    page.submit.click(
        on_submit,
        [
            page.token,
            page.trial_token,
            page.preference,
            page.likert_left,
            page.likert_right,
            page.reason,
            page.events,
            page.tz_offset,
        ],
        js="(...args) => window.humans ? window.humans.collect(...args) : args",
        api_name="submit",
        **shared,
    )


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
    )


def _reason_label(rating: RatingConfig) -> str:
    prompt = rating.reason_prompt
    return f"{prompt} (required)" if rating.reason == "required" and "required" not in prompt.lower() else prompt


def _receipt_message(receipt: Receipt) -> str:
    if receipt.duplicate:
        return "That answer had already been recorded; here is where you are."
    if receipt.practice_passed is True:
        return "Practice done: thank you, that is the idea. The real trials follow."
    if receipt.practice_passed is False:
        again = "here is another example" if receipt.rater.stage == "practice" else "the real trials follow"
        return (
            "Practice: one of the two assistants gave a deliberately bad answer, and your choice did not pick the "
            f"other one. Please listen to both conversations carefully; {again}."
        )
    return ""
