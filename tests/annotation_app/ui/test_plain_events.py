"""Rater events preprocess their inputs in the event's own thread, with each component's own ``preprocess``, send
their outputs as they are, and run outside Gradio's queue."""

from __future__ import annotations

import inspect

import gradio as gr
import pytest

from annotation_app.ui.plain_events import REFUSED_MESSAGE, RefusedValue, listen, preprocessed_inline


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
    with pytest.raises(RefusedValue, match="not in the list of choices") as refused:
        wrapped("3")
    assert isinstance(refused.value, gr.Error)  # uncaught, Gradio shows it as it showed the Radio's own error
    assert "'3'" in str(refused.value.__cause__)  # the Radio's message (with the choices) stays the cause


def test_around_wraps_the_preprocessing_too():
    def answer_refusals(fn):
        def wrapper(*args):
            try:
                return fn(*args)
            except RefusedValue as exc:
                return f"notice: {exc.message}"

        return wrapper

    with gr.Blocks() as blocks:
        radio = gr.Radio(["1", "2"])
        out = gr.Textbox()
        listen(gr.Button().click, lambda r: f"chose {r}", [radio], around=answer_refusals, outputs=out, queue=False)
    handler = next(iter(blocks.fns.values())).fn
    assert handler("2") == "chose 2"
    assert handler("3") == f"notice: {REFUSED_MESSAGE}"


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
        assert all(fn.queue is False for fn in events)  # one request each (run/predict), no event stream
