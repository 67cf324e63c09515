"""Fixtures of the rater UI tests: a study folder with short clips, and a real server on a free loopback port."""

from __future__ import annotations

import contextlib

import pytest
from helpers.ui_study import write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.ui.server import running


@pytest.fixture
def serve_study(tmp_path):
    """``serve_study(**study_options)`` writes a study, serves it on 127.0.0.1:<free port>; yields (server, urls).

    The server and its database are closed when the test ends.
    """
    stack = contextlib.ExitStack()

    def start(name: str = "study", **options):
        root = write_study(tmp_path / name, **options)
        server = build_server(ServeConfig(root, tmp_path / f"{name}.sqlite", port=0, seed=7))
        stack.callback(server.close)
        urls = stack.enter_context(running(server))
        return server, urls

    with stack:
        yield start
