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
from annotation_app.rater_service import RaterService
from annotation_app.rater_views import RaterView, Receipt, UnknownRater
from annotation_app.store import StoreUnavailable
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
    rating = settings.rating
    with gr.Blocks(title=settings.title, analytics_enabled=False) as app:
        token = gr.BrowserState(
            None, storage_key=settings.storage_key, secret=hashlib.sha256(settings.storage_key.encode()).hexdigest()
        )
        query = gr.Textbox(visible="hidden", elem_id="humans-query")
        gr.Markdown(f"## {settings.title}", elem_id="humans-title")
        notice = gr.Markdown("", visible=False, elem_id="humans-notice")
        with gr.Column(visible=False) as id_page:
            gr.Markdown("Please enter the participant id you were given (letters, digits and - _ . @).")
            typed_id = gr.Textbox(label="Participant id", max_lines=1, max_length=64, elem_id="humans-typed-id")
            start = gr.Button("Continue", variant="primary", elem_id="humans-start")
        with gr.Column(visible=False) as consent_page:
            gr.Markdown("### Before you start")
            gr.Markdown(settings.consent, elem_id="humans-consent")
            agree = gr.Button("I agree and want to take part", variant="primary", elem_id="humans-agree")
        with gr.Column(visible=False) as instructions_page:
            gr.Markdown("### How it works")
            gr.Markdown(settings.instructions, elem_id="humans-instructions")
            begin = gr.Button("Begin", variant="primary", elem_id="humans-begin")
        with gr.Column(visible=False) as trial_page:
            players = gr.HTML("", js_on_load=None, elem_id="humans-players")
            gr.Markdown(_LOCK_NOTE, elem_id="humans-lock-note")
            with gr.Column(elem_id="humans-vote"):
                preference = gr.Radio(
                    preference_choices(rating),
                    label=rating.preference_question,
                    visible=shows_preference(rating),
                    elem_id="humans-preference",
                )
                with gr.Row():
                    likert_left = gr.Radio(
                        likert_choices(rating),
                        label=(f"A: {rating.likert_question}" if shows_preference(rating) else rating.likert_question),
                        visible=shows_likert(rating),
                        elem_id="humans-likert-left",
                    )
                    likert_right = gr.Radio(
                        likert_choices(rating),
                        label=f"B: {rating.likert_question}",
                        visible=rating.scheme == "pairwise+likert",
                        elem_id="humans-likert-right",
                    )
                reason = gr.Textbox(
                    label=_reason_label(rating),
                    lines=2,
                    max_length=2000,
                    visible=rating.reason != "off",
                    elem_id="humans-reason",
                )
                submit = gr.Button("Submit answer", variant="primary", elem_id="humans-submit")
            trial_token = gr.Textbox(visible="hidden", elem_id="humans-trial-token")
            events = gr.Textbox(visible="hidden", elem_id="humans-events")
            tz_offset = gr.Textbox(visible="hidden", elem_id="humans-tz")
        with gr.Column(visible=False) as done_page:
            done = gr.HTML("", js_on_load=None, elem_id="humans-done-page")

        outputs = [
            token,
            notice,
            id_page,
            consent_page,
            instructions_page,
            trial_page,
            done_page,
            players,
            trial_token,
            preference,
            likert_left,
            likert_right,
            reason,
            done,
        ]

        def show(rater: RaterView | None, message: str = "") -> dict:
            """Updates of every output for the rater's stage (the id form when ``rater`` is None)."""
            stage = rater.stage if rater else "id"
            trial = service.current_trial(rater.rater_token) if stage in _TRIAL_STAGES else None
            if stage in _TRIAL_STAGES and trial is None:
                message = message or "There is no trial for you right now; please reload the page in a minute."
            return {
                token: rater.rater_token if rater else None,
                notice: gr.Markdown(message, visible=bool(message)),
                id_page: gr.Column(visible=stage == "id"),
                consent_page: gr.Column(visible=stage == "consent"),
                instructions_page: gr.Column(visible=stage == "instructions"),
                trial_page: gr.Column(visible=trial is not None),
                done_page: gr.Column(visible=stage in _DONE_STAGES),
                players: _players(trial, settings),
                trial_token: trial.token if trial else "",
                preference: None,
                likert_left: None,
                likert_right: None,
                reason: "",
                done: done_html(rater, redirect_delay_s=settings.redirect_delay_s) if stage in _DONE_STAGES else "",
            }

        def polite(fn: Callable[..., dict]) -> Callable[..., dict]:
            """Show a rater's mistake (or a server refusal) as a notice instead of an error pop-up."""

            @functools.wraps(fn)
            def wrapper(*args):
                try:
                    return fn(*args)
                except StoreUnavailable as exc:  # the researcher's message goes to the server's log
                    _log.error("%s", exc)
                    return {notice: gr.Markdown(exc.rater_message, visible=True)}
                except HumansError as exc:
                    return {notice: gr.Markdown(str(exc), visible=True)}

            return wrapper

        @polite
        def on_enter(stored: str | None, url_query: str, request: gr.Request) -> dict:
            ids = ids_from_query(url_query)
            if not stored and not ids:
                return show(None)
            client = _client(request)
            try:
                return show(service.enter(rater_token=stored or None, client=client, **ids))
            except UnknownRater:
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
                rating,
                preference=pref,
                likert_left=like_l,
                likert_right=like_r,
                reason=why,
                events_json=events_json,
                tz_offset=tz,
            )
            receipt = service.submit(tok, trial_tok, answer)
            return show(receipt.rater, _receipt_message(receipt))

        shared = {"outputs": outputs, "concurrency_id": "rater", "concurrency_limit": 1}
        app.load(on_enter, [token, query], js="(t, q) => [t, window.location.search]", api_name="enter", **shared)
        start.click(on_start, [query, typed_id], js="(q, i) => [window.location.search, i]", api_name="start", **shared)
        agree.click(on_consent, [token], api_name="consent", **shared)
        begin.click(on_instructions, [token], api_name="instructions", **shared)
        submit.click(
            on_submit,
            [token, trial_token, preference, likert_left, likert_right, reason, events, tz_offset],
            js="(...args) => window.humans ? window.humans.collect(...args) : args",
            api_name="submit",
            **shared,
        )
    return app


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
