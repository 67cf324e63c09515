"""Fixtures of the reliability suite: a study folder with very short clips, and ``humans serve`` subprocesses."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from helpers.reliability_study import write_study
from server_process import ServerProcess


@pytest.fixture
def served(tmp_path):
    """``served(name="study", extra=(), **study_options)`` writes a study and starts ``humans serve`` on it.

    Returns the :class:`ServerProcess` (started); every server is killed when the test ends.
    """
    stack = contextlib.ExitStack()

    def start(name: str = "study", extra: tuple[str, ...] = (), db_path: Path | None = None, **options):
        root = write_study(tmp_path / name, **options)
        server = ServerProcess(root, db_path or tmp_path / f"{name}.sqlite", tmp_path / f"{name}.log", extra=extra)
        stack.callback(server.kill)
        server.start()
        return server

    with stack:
        yield start
