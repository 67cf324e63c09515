"""The admin dashboard in headless Chromium: the leaderboard, plots and rater table render; no secret, no page.

Set ``HUMANS_ADMIN_SHOTS=/some/dir`` to keep the screenshots.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from helpers.ui_study import MODELS, write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.dashboard_data import LeaderboardSettings
from annotation_app.simulate import simulate
from annotation_app.ui.admin_app import AdminSettings
from annotation_app.ui.admin_server import install_admin
from annotation_app.ui.server import running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("admin-browser")
    root = write_study(tmp / "study", scenarios=3, quality={"attention_checks": 1, "practice_trials": 1})
    simulate(root, raters=12, careless=0.25, seed=2, db=tmp / "study.sqlite")
    secret = "browser-secret-0123456789"
    server = build_server(ServeConfig(root, tmp / "study.sqlite", port=0, seed=1, admin_secret=secret))
    install_admin(server)
    with contextlib.closing(server), running(server) as urls:
        yield urls


@pytest.fixture
def browser(chromium):
    """The session's headless Chromium (``tests/conftest.py``)."""
    return chromium


def test_dashboard_renders_leaderboard_plots_and_raters(served, browser, tmp_path):
    shots = Path(os.environ.get("HUMANS_ADMIN_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(served["admin"])
    page.wait_for_selector("text=Same numbers from an export", timeout=60_000)
    table = page.locator("#admin-leaderboard").inner_text()
    for model in MODELS:
        assert model in table
    assert page.locator("img").count() >= 2  # forest plot and heatmap
    page.screenshot(path=str(shots / "admin-leaderboard.png"), full_page=True)
    page.get_by_role("tab", name="Raters & quality").click()
    page.wait_for_selector("#admin-raters", timeout=30_000)
    assert "prolific:sim-2-0" in page.locator("#admin-raters").inner_text()
    page.screenshot(path=str(shots / "admin-raters.png"), full_page=True)
    page.close()


def test_without_the_secret_the_browser_gets_not_found(served, browser):
    page = browser.new_page()
    response = page.goto(served["rater"].rstrip("/") + "/admin/")
    assert response.status == 404 and page.inner_text("body").strip() == "not found"
    page.close()


def test_rater_id_box_starts_empty_and_auto_refresh_shows_new_votes(browser, tmp_path):
    root = write_study(tmp_path / "study", scenarios=3, quality={"attention_checks": 0, "practice_trials": 0})
    db = tmp_path / "study.sqlite"
    simulate(root, raters=2, seed=3, db=db)
    server = build_server(ServeConfig(root, db, port=0, seed=1, admin_secret="browser-secret-0123456789"))
    install_admin(server, AdminSettings(db_path=db, title="UI test study", refresh_s=1))
    with contextlib.closing(server), running(server) as urls:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(urls["admin"])
        summary = page.locator("#admin-summary")
        page.wait_for_function(
            "() => /Trial votes/.test(document.querySelector('#admin-summary')?.innerText || '') && "
            "!/being computed/.test(document.querySelector('#admin-summary').innerText)",
            timeout=60_000,
        )
        before = summary.inner_text()
        page.get_by_role("tab", name="Raters & quality").click()
        box = page.locator("#admin-rater-id input, #admin-rater-id textarea").first
        assert box.input_value() == ""  # no made-up rater 0
        page.get_by_role("tab", name="Leaderboard").click()
        page.get_by_label("Refresh every 1 s").check()
        simulate(db, raters=2, seed=4)  # new votes arrive while the researcher watches
        page.wait_for_function(
            "(old) => document.querySelector('#admin-summary').innerText !== old", arg=before, timeout=20_000
        )
        assert summary.inner_text() != before
        page.close()


def test_while_the_first_leaderboard_is_computed_the_page_shows_progress_then_the_leaderboard_by_itself(
    browser, tmp_path
):
    root = write_study(tmp_path / "study", scenarios=3, quality={"attention_checks": 0, "practice_trials": 0})
    db = tmp_path / "study.sqlite"
    simulate(root, raters=6, seed=5, db=db)
    server = build_server(ServeConfig(root, db, port=0, seed=1, admin_secret="browser-secret-0123456789"))
    # a million bootstrap rounds: the first leaderboard takes seconds, longer than the page takes to load
    slow = LeaderboardSettings(bootstrap=1_000_000)
    install_admin(server, AdminSettings(db_path=db, title="UI test study", leaderboard=slow, refresh_wait_s=0.0))
    with contextlib.closing(server), running(server) as urls:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(urls["admin"])
        summary = page.locator("#admin-summary")
        summary.get_by_text("being computed").wait_for(timeout=30_000)
        assert summary.is_visible() and "Trial votes" in summary.inner_text()
        assert not any(model in page.locator("#admin-leaderboard").inner_text() for model in MODELS)
        shots = Path(os.environ.get("HUMANS_ADMIN_SHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "admin-pending.png"))
        page.wait_for_selector("text=Same numbers from an export", timeout=120_000)  # no click, no auto-refresh
        assert "being computed" not in summary.inner_text()
        table = page.locator("#admin-leaderboard").inner_text()
        assert all(model in table for model in MODELS)
        page.close()
