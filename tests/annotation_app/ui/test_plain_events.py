"""Rater events preprocess their inputs in the event's own thread, with each component's own ``preprocess``, and
send their outputs as they are."""

from __future__ import annotations

import inspect

import gradio as gr
import pytest

from annotation_app.ui.plain_events import preprocessed_inline


def test_inputs_get_their_components_preprocess_and_extra_arguments_pass_unchanged():
    with gr.Blocks():
        text = gr.Textbox()
        radio = gr.Radio(["1", "2"])
        stored = gr.BrowserState("fallback")
    seen = []

    def fn(t, r, s, request: gr.Request):
        seen.append((t, r, s, request))
        return "ok"

    wrapped = preprocessed_inline(fn, [text, radio, stored])
    marker = object()
    assert wrapped(5, "2", None, marker) == "ok"
    assert seen == [("5", "2", "fallback", marker)]  # Textbox: str(); BrowserState: its default for None
    assert list(inspect.signature(wrapped).parameters) == ["t", "r", "s", "request"]  # Gradio still adds the request


def test_a_value_the_radio_does_not_offer_is_refused_as_gradio_would():
    with gr.Blocks():
        radio = gr.Radio(["1", "2"])
    wrapped = preprocessed_inline(lambda r: r, [radio])
    with pytest.raises(gr.Error, match="not in the list of choices"):
        wrapped("3")


def test_every_rater_event_preprocesses_inline_and_skips_postprocess(tmp_path, study_factory):
    from annotation_app.rater_service import RaterService
    from annotation_app.store import Store
    from annotation_app.ui.rater_app import RaterAppSettings, build_rater_app

    study = study_factory()
    with Store(tmp_path / "db.sqlite") as store:
        blocks = build_rater_app(RaterService(study, store, tmp_path / "cache"), RaterAppSettings.from_study(study))
        events = [fn for fn in blocks.fns.values() if fn.api_name]
        assert {fn.api_name for fn in events} >= {"enter", "start", "consent", "decline", "instructions", "submit"}
        assert all(fn.preprocess is False and fn.postprocess is False for fn in events)
