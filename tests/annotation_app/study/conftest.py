"""A small valid study folder in tmp_path, to break on purpose in each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.study_files import write_valid_study


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    """A valid study: 2 scenarios × 2 models, one user and one assistant WAV turn each."""
    return write_valid_study(tmp_path / "study")
