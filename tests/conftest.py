"""Fixtures shared by all tests: paths to the reference data in ../shared and a seeded random generator."""

from __future__ import annotations

import os
import shutil
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


#: Environment variable naming the Chromium (or Chrome) executable the browser tests drive.
CHROMIUM_ENV = "HUMANS_CHROMIUM"
#: Flags of every headless Chromium the tests launch (no sandbox in containers, no network of its own).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def chromium_executable() -> str | None:
    """The Chromium to drive: ``$HUMANS_CHROMIUM`` when set, else ``chromium`` or ``chromium-browser`` on PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by Playwright, shared by every browser test of the session.

    Skips (with the reason) only when Playwright or a Chromium executable is missing: install the Debian package
    ``chromium`` (``.ci/run`` does) or point ``HUMANS_CHROMIUM`` at an executable.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_executable()
    if executable is None:
        named = os.environ.get(CHROMIUM_ENV)
        where = (
            f"{CHROMIUM_ENV}={named!r} is not an executable"
            if named
            else "neither chromium nor chromium-browser is on PATH"
        )
        pytest.skip(f"no Chromium for the browser tests: {where} (apt-get install chromium, or set {CHROMIUM_ENV})")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()
