"""Gradio settings of a serving process: the queue's idle polling is slowed on the installed Gradio version."""

from __future__ import annotations

import types

import gradio as gr

from annotation_app.ui.gradio_settings import QUEUE_POLL_S, poll_queue_less
from annotation_app.ui.server import http_app


def test_the_installed_gradio_has_the_queue_setting_and_it_is_slowed():
    with gr.Blocks() as blocks:
        gr.Button("x")
    assert isinstance(blocks._queue.sleep_when_free, float) and blocks._queue.sleep_when_free < QUEUE_POLL_S
    assert poll_queue_less(blocks) is True
    assert blocks._queue.sleep_when_free == QUEUE_POLL_S
    assert poll_queue_less(blocks, 0.0001) is True and blocks._queue.sleep_when_free == QUEUE_POLL_S  # never faster


def test_something_without_the_setting_is_left_alone():
    assert poll_queue_less(types.SimpleNamespace()) is False
    odd = types.SimpleNamespace(_queue=types.SimpleNamespace(sleep_when_free="soon"))
    assert poll_queue_less(odd) is False and odd._queue.sleep_when_free == "soon"


def test_the_rater_app_is_served_with_the_slower_polling(tmp_path, study_factory):
    from annotation_app.rater_service import RaterService
    from annotation_app.store import Store
    from annotation_app.ui.rater_app import RaterAppSettings, build_rater_app

    study = study_factory()
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(study, store, tmp_path / "cache")
        blocks = build_rater_app(service, RaterAppSettings.from_study(study))
        http_app(service, blocks)
        assert blocks._queue.sleep_when_free == QUEUE_POLL_S
