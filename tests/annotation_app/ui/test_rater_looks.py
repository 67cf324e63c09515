"""The rater page as a person sees it: a whole session in headless Chromium at desktop and phone size, with the
page checked after every event (see ``looks.py``), ARIA snapshots of every stage and screenshots of each.

Screenshots go to ``$HUMANS_UI_SHOTS`` (default: the test's tmp folder); ``HUMANS_APPROVE_ARIA=1`` re-approves the
ARIA snapshots in ``aria/``.
"""

from __future__ import annotations

import json

import pytest
import sqlite_utils

pytest.importorskip("playwright.sync_api")
from helpers.looks import (
    STAGE_WIDTH_JS,
    VIEWPORTS,
    AriaSnapshots,
    Shots,
    check_page,
    looks_chosen,
    notice_in_view,
    pixels,
    play_side,
    wait_new_trial,
)
from helpers.ui_study import BAD_TEXT

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_whole_session_looks_right_after_every_event(chromium, serve_study, tmp_path, viewport):
    server, urls = serve_study(
        seconds=0.4,
        targets={"trials_per_rater": 2},
        quality={"min_listen_fraction": 0.5, "attention_checks": 0, "practice_trials": 1},
    )
    aria, shot = AriaSnapshots(), Shots(tmp_path / "shots", viewport)
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(urls["rater"])

    page.locator("#humans-typed-id").wait_for(state="visible", timeout=20000)
    check_page(page, "opening the link without ids")
    widths = {"id": page.evaluate(STAGE_WIDTH_JS)}
    aria.check(page, "id")
    shot(page, "id")
    page.locator("#humans-typed-id input, #humans-typed-id textarea").first.fill("x")
    page.click("#humans-start")
    notice_in_view(page, "continuing with a too short id", contains="too short")
    check_page(page, "a refused id")
    page.locator("#humans-typed-id input, #humans-typed-id textarea").first.fill("looker-1")
    page.click("#humans-start")

    page.locator("#humans-agree").wait_for(state="visible", timeout=20000)
    check_page(page, "entering an id")
    widths["consent"] = page.evaluate(STAGE_WIDTH_JS)
    aria.check(page, "consent")
    shot(page, "consent")
    page.click("#humans-agree")
    page.locator("#humans-begin").wait_for(state="visible")
    check_page(page, "agreeing")
    widths["instructions"] = page.evaluate(STAGE_WIDTH_JS)
    aria.check(page, "instructions")
    shot(page, "instructions")
    page.click("#humans-begin")

    submitted, first = 0, True
    while True:
        page.wait_for_selector("#humans-trial, #humans-done", timeout=20000)
        if page.locator("#humans-done").count():
            break
        token = page.get_attribute("#humans-trial", "data-token")
        page.wait_for_function("() => document.body.dataset.humansLocked === '1'")
        check_page(page, f"trial {submitted + 1} shown")
        widths.setdefault("trial", page.evaluate(STAGE_WIDTH_JS))
        if first:
            aria.check(page, "trial-locked")
            shot(page, "trial-locked")
        play_side(page, "left")
        check_page(page, f"playing A of trial {submitted + 1}")
        play_side(page, "right")
        page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
        check_page(page, f"playing B of trial {submitted + 1}")
        if first:
            page.click("#humans-submit")  # nothing chosen yet: the refusal must show where the rater looks
            notice_in_view(page, "submitting without an answer", contains="choose")
            check_page(page, "submitting without an answer")

        right_is_bad = BAD_TEXT in page.locator('#humans-trial section[data-side="right"]').inner_text()
        option = page.locator("#humans-preference label").filter(has_text="A is better" if right_is_bad else "B is")
        option = option.first
        option.scroll_into_view_if_needed()
        page.mouse.move(0, 0)
        before = pixels(option)
        option.click()
        reason = page.locator("#humans-reason textarea")
        reason.click()
        reason.type(f"answer {submitted}", delay=10)
        page.mouse.move(0, 0)
        page.wait_for_timeout(150)
        assert option.locator("input").is_checked()
        assert looks_chosen(before, pixels(option)), (
            f"after typing a reason in trial {submitted + 1}: the chosen option looks (almost) like an unchosen one"
        )
        check_page(page, f"typing a reason in trial {submitted + 1}")
        if first:
            aria.check(page, "trial-answered")
            shot(page, "trial-answered")
            first = False
        page.click("#humans-submit")
        wait_new_trial(page, token)
        submitted += 1
        check_page(page, f"submitting trial {submitted}")
        if submitted == 1:
            notice_in_view(page, "submitting the practice trial", contains="Practice")
        assert submitted <= 6, "the study never ends"

    assert submitted == 3
    check_page(page, "the last submit")
    aria.check(page, "done")
    shot(page, "done")
    title, heading = page.locator("#humans-title").bounding_box(), page.locator("#humans-done h2").bounding_box()
    gap = heading["y"] - (title["y"] + title["height"])
    assert 0 <= gap <= (40 if VIEWPORTS[viewport]["width"] <= 720 else 90), f"{gap:.0f} px between title and card"
    assert page.locator("#humans-code").inner_text() == "UI-TEST-CODE"
    page.get_by_role("button", name="Copy code").click()
    assert page.evaluate("navigator.clipboard.readText()") == "UI-TEST-CODE"
    assert len(set(widths.values())) == 1, f"the page width jumps between stages: {widths}"
    rater = next(sqlite_utils.Database(server.config.db_path)["raters"].rows)
    assert rater["stage"] == "done"
    context.close()


#: A study whose first screen after the instructions is a trial that unlocks without listening to the end.
_ONE_TRIAL_AWAY = {"attention_checks": 0, "practice_trials": 0, "require_full_playback": False}


def _submit_the_first_answer(page, url: str, pid: str) -> None:
    """Open the link as ``pid``, consent, start, pick the first answer of the first trial and submit it."""
    page.goto(url + f"?PROLIFIC_PID={pid}")
    page.locator("#humans-agree").click(timeout=20000)
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
    page.locator("#humans-preference label").first.click()
    page.click("#humans-submit")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_vote_before_the_listening_floor_is_refused_where_the_rater_looks(chromium, serve_study, viewport):
    _server, urls = serve_study(
        seconds=2.0,
        quality=_ONE_TRIAL_AWAY | {"min_listen_fraction": 0.9},
    )
    page = chromium.new_page(viewport=VIEWPORTS[viewport])
    _submit_the_first_answer(page, urls["rater"], "hasty")
    text = notice_in_view(page, "an early submit", contains="listen")
    assert "try again in" in text
    check_page(page, "an early submit")
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_forged_answer_is_refused_in_the_studys_words_where_the_rater_looks(
    chromium, serve_study, tmp_path, viewport
):
    """The page's own submit, rewritten on its way to the server to carry an answer the page never offers: the
    server answers 200 with the study's notice (not Gradio's error toast with the Radio's internal values), shown
    in view, and no vote is stored."""
    server, urls = serve_study(quality=_ONE_TRIAL_AWAY | {"min_listen_fraction": 0.0})
    page = chromium.new_page(viewport=VIEWPORTS[viewport])
    statuses = []

    def forge(route):
        body = route.request.post_data_json
        if len(body["data"]) == 8:  # the submit (token, trial token, preference, ..., play log, time zone)
            body["data"][2] = "7"
            return route.continue_(post_data=json.dumps(body))
        return route.continue_()

    page.on("response", lambda r: statuses.append(r.status) if "/run/predict" in r.url else None)
    page.route("**/gradio_api/run/predict*", forge)
    _submit_the_first_answer(page, urls["rater"], "forger")
    text = notice_in_view(page, "a forged answer", contains="not in the list of choices")
    assert text.strip() == "That answer is not in the list of choices; please choose one of the answers shown."
    assert not page.locator(".toast-body").count()  # no Gradio error pop-up
    check_page(page, "a forged answer")
    Shots(tmp_path / "shots", viewport)(page, "forged-answer")
    assert statuses and all(s == 200 for s in statuses), statuses
    assert sqlite_utils.Database(server.config.db_path)["votes"].count == 0
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_keys_and_play_whole_conversation(chromium, serve_study, viewport):
    server, urls = serve_study(seconds=0.4, quality={"min_listen_fraction": 0.5, "attention_checks": 0})
    page = chromium.new_page(viewport=VIEWPORTS[viewport])
    page.goto(urls["rater"] + "?PROLIFIC_PID=keyboarder")
    page.locator("#humans-agree").click(timeout=20000)
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    # each player says how long its clip is (sub-second clips show "0:00 / 0:00" in Chromium's own controls)
    assert page.locator(".humans-duration").first.inner_text() == "0.4 s"
    for side, label in (("left", "A"), ("right", "B")):
        page.get_by_role("button", name=f"Play conversation {label}").click()
        page.wait_for_function(
            f"""() => document.querySelector('[data-status-for="{side}"]')?.classList.contains('humans-heard')""",
            timeout=15000,
        )
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
    assert "Keys:" in page.locator("#humans-keys").inner_text()
    token = page.get_attribute("#humans-trial", "data-token")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("3")
    assert page.get_by_label("B is better", exact=True).is_checked()
    page.keyboard.press("1")
    assert page.get_by_label("A is better", exact=True).is_checked()
    page.keyboard.press("Control+Enter")
    wait_new_trial(page, token)
    vote = next(sqlite_utils.Database(server.config.db_path)["votes"].rows)
    assert vote["winner_side"] == "left"
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_declining_consent_ends_politely(chromium, serve_study, tmp_path, viewport):
    server, urls = serve_study()
    aria, shot = AriaSnapshots(), Shots(tmp_path / "shots", f"{viewport}-decline")
    page = chromium.new_page(viewport=VIEWPORTS[viewport])
    page.goto(urls["rater"] + "?PROLIFIC_PID=decliner&STUDY_ID=st&SESSION_ID=se")
    page.get_by_role("button", name="I do not agree").click(timeout=20000)
    page.wait_for_selector("#humans-done", timeout=20000)
    check_page(page, "declining consent")
    assert "not to take part" in page.locator("#humans-done").inner_text()
    aria.check(page, "declined")
    shot(page, "declined")
    page.reload()
    page.wait_for_selector("#humans-done", timeout=20000)
    assert page.locator("#humans-agree").count() == 0 or not page.locator("#humans-agree").is_visible()
    rater = next(sqlite_utils.Database(server.config.db_path)["raters"].rows)
    assert rater["stage"] == "declined"
    page.close()
