"""Fixtures of the study platform's tests: small real studies (WAV files in tmp_path) and a fake clock."""

from __future__ import annotations

import pytest
from helpers.studies import FakeClock, make_study


@pytest.fixture
def study_factory(tmp_path):
    """``study_factory(name="study", **options)`` builds a study under ``tmp_path/name`` (see ``make_study``)."""

    def build(name: str = "study", **options):
        return make_study(tmp_path / name, **options)

    return build


@pytest.fixture
def study(study_factory):
    """A 3-model, 4-scenario pairwise study with real WAV files."""
    return study_factory()


@pytest.fixture
def clock():
    """A clock moved by hand."""
    return FakeClock()
