"""A rater completes a study in headless Chromium: locked answers until both conversations have ended, votes in
SQLite, the completion code and the redirect back to the (intercepted) Prolific URL.

Screenshots of consent, a trial and the done page go to ``$HUMANS_UI_SHOTS`` when set (else to tmp_path).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlite_utils
from helpers.looks import play_side, wait_at_top
from helpers.ui_study import BAD_MODEL, BAD_TEXT, MODELS

pytestmark = pytest.mark.browser

REDIRECT = "https://app.prolific.test/submissions/complete?cc=UI-TEST-CODE"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}


@pytest.fixture
def browser(chromium):
    """The session's headless Chromium (``tests/conftest.py``)."""
    return chromium


def shot(page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let Gradio's fade-in of fresh outputs finish (screenshots only)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_rater_completes_study_in_chromium(browser, serve_study, tmp_path, viewport):
    server, urls = serve_study(
        seconds=0.4,
        targets={"trials_per_rater": 2},
        quality={"min_listen_fraction": 0.5, "attention_checks": 0, "practice_trials": 1},
        completion={"redirect_url": REDIRECT},
    )
    shots = Path(os.environ.get("HUMANS_UI_SHOTS") or tmp_path / "shots")
    context = browser.new_context(viewport=VIEWPORTS[viewport], timezone_id="Europe/Berlin")
    page = context.new_page()
    page.route("https://app.prolific.test/**", lambda route: route.fulfill(body="Back on Prolific", status=200))
    page.goto(urls["rater"] + "?PROLIFIC_PID=browser0rater&STUDY_ID=st&SESSION_ID=se")

    page.locator("#humans-agree").wait_for(state="visible", timeout=20000)
    assert "I agree to take part" in page.locator("#humans-consent").inner_text()
    shot(page, shots, f"{viewport}-1-consent")
    page.click("#humans-agree")
    page.locator("#humans-begin").click()

    submitted = 0
    first_trial = True
    while True:
        page.wait_for_selector("#humans-trial, #humans-done", timeout=20000)
        if page.locator("#humans-done").count():
            break
        token = page.get_attribute("#humans-trial", "data-token")
        if not first_trial:
            wait_at_top(page)
        page.wait_for_function("() => document.body.dataset.humansLocked === '1'")
        # Locked: the controls are inert, a click does not choose anything.
        assert page.evaluate("document.getElementById('humans-vote').inert") is True
        first_choice = page.locator("#humans-preference label").first
        first_choice.click(force=True, timeout=2000)
        assert not page.locator("#humans-preference input").first.is_checked()
        if first_trial:
            shot(page, shots, f"{viewport}-2-trial-locked")
        play_side(page, "left")
        assert page.evaluate("document.body.dataset.humansLocked") == "1", "unlocked after one conversation only"
        play_side(page, "right")
        page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
        assert page.evaluate("document.getElementById('humans-vote').inert") is False

        right_is_bad = BAD_TEXT in page.locator('#humans-trial section[data-side="right"]').inner_text()
        page.get_by_label("A is better" if right_is_bad else "B is better", exact=True).check()
        page.locator("#humans-reason textarea").fill(f"answer {submitted}")
        if first_trial:
            shot(page, shots, f"{viewport}-3-trial-unlocked")
            first_trial = False
        page.click("#humans-submit")
        page.wait_for_function(
            f"""() => !document.getElementById('humans-trial') ||
                      document.getElementById('humans-trial').dataset.token !== {token!r}""",
            timeout=20000,
        )
        submitted += 1
        assert submitted <= 6, "the study never ends"

    assert submitted == 3  # 1 practice (passed) + 2 trials
    assert page.locator("#humans-code").inner_text() == "UI-TEST-CODE"
    shot(page, shots, f"{viewport}-4-done")
    page.wait_for_url("https://app.prolific.test/**", timeout=15000)
    assert "Back on Prolific" in page.content()

    db = sqlite_utils.Database(server.config.db_path)
    rater = next(db["raters"].rows)
    assert (rater["prolific_pid"], rater["stage"], rater["practice_passed"]) == ("browser0rater", "done", 1)
    votes = list(db["votes"].rows)
    assert len(votes) == 3
    for vote in votes:
        assert vote["client_tz_offset_min"] == 60  # Europe/Berlin in winter: UTC+1
        assert vote["reason"].startswith("answer ")
        assert vote["plays_left"] >= 1 and vote["plays_right"] >= 1
        assert vote["listened_left_s"] == pytest.approx(0.8, abs=0.01)
        assert vote["listened_right_s"] == pytest.approx(0.8, abs=0.01)
    kinds = {row["kind"] for row in db.query("select distinct kind from events")}
    assert {"play", "ended"} <= kinds
    context.close()


def test_page_never_names_a_model(browser, serve_study):
    _server, urls = serve_study(quality={"attention_checks": 1, "practice_trials": 1})
    page = browser.new_page()
    page.goto(urls["rater"] + "?PROLIFIC_PID=blindcheck")
    page.locator("#humans-agree").click(timeout=20000)
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    html = page.content()
    sources = page.eval_on_selector_all("audio", "els => els.map(e => e.src)")
    assert len(sources) == 4
    for model in (*MODELS, BAD_MODEL):
        assert model not in html
        assert not any(model in src for src in sources)
    page.close()


def test_reload_and_second_tab_resume_the_same_trial(browser, serve_study):
    _server, urls = serve_study(seconds=0.3, quality={"attention_checks": 0, "practice_trials": 0})
    context = browser.new_context()
    page = context.new_page()
    page.goto(urls["rater"] + "?PROLIFIC_PID=resumer")
    page.locator("#humans-agree").click(timeout=20000)
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    token = page.get_attribute("#humans-trial", "data-token")
    play_side(page, "left")
    play_side(page, "right")
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")

    page.reload()  # same tab: same trial, still heard (the page remembers it for this tab)
    page.wait_for_selector("#humans-trial", timeout=20000)
    assert page.get_attribute("#humans-trial", "data-token") == token
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")

    second = context.new_page()  # a new tab without the link's ids: the stored rater token resumes the trial
    second.goto(urls["rater"])
    second.wait_for_selector("#humans-trial", timeout=20000)
    assert second.get_attribute("#humans-trial", "data-token") == token
    second.wait_for_function("() => document.body.dataset.humansLocked === '1'")  # listen again in a new tab
    assert second.locator("#humans-typed-id").count() == 0 or not second.locator("#humans-typed-id").is_visible()
    context.close()


def test_missing_clip_is_reported_and_keeps_the_lock(browser, serve_study):
    server, urls = serve_study(quality={"attention_checks": 0, "practice_trials": 0})
    page = browser.new_page()
    page.goto(urls["rater"] + "?PROLIFIC_PID=unlucky")
    page.locator("#humans-agree").click(timeout=20000)
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    name = page.get_attribute('#humans-trial audio[data-side="right"][data-turn="1"] source', "src").rsplit("/", 1)[1]
    for rendition in server.config.cache_dir.glob(name.split(".")[0] + ".*"):  # the Opus and the MP3 copy
        rendition.unlink()
    page.close()
    page = browser.new_page()  # a fresh browser cache (clips are served as immutable), same rater by the link's id
    page.goto(urls["rater"] + "?PROLIFIC_PID=unlucky")
    page.wait_for_function(
        """() => document.querySelector('[data-status-for="right"]')?.textContent.includes('could not be loaded')""",
        timeout=20000,
    )
    assert page.evaluate("document.body.dataset.humansLocked") == "1"
    page.close()
