"""Fixtures shared by all tests: paths to the reference data in ../shared and a seeded random generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data; skips the calling test with a reason when it is absent (a fresh clone)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (it ships beside the repository in CI, not in a clone)")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every random test is reproducible."""
    return np.random.default_rng(20261127)


@pytest.fixture(scope="session")
def nlu_best():
    """The 18 ``_best`` models of ../shared/data/nlu-test-sets (82,756 items, 29 tasks), parsed once per session."""
    from analysis.benchmark_data import load_benchmark

    return load_benchmark(shared_path("nlu-test-sets"), models="_best$")
