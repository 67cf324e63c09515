"""A rater goes through the quality stages in headless Chromium: passes the headphone check by listening (the test
fetches each served clip and analyses it as a listener with headphones would: the quietest tone per ear), fills
both questionnaires and answers the aspects of every trial; another rater answers like a loudspeaker listener and
sees the screen-out code; a third declines consent and sees the no-consent code.

Screenshots of every new stage go to ``$HUMANS_UI_SHOTS`` when set (else to tmp_path), desktop and phone.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils
import yaml
from helpers.looks import VIEWPORTS, play_side, wait_at_top
from helpers.ui_study import BAD_TEXT, write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.headphone.listeners import listen_with_headphones, listen_with_speakers, read_wav
from annotation_app.ui.server import running

pytestmark = pytest.mark.browser

QUESTIONNAIRE = {
    "before": [
        {"name": "device", "type": "choice", "text": "What are you listening with?",
         "options": ["over-ear headphones", "earbuds", "speakers"]},
        {"name": "assistants", "type": "multi", "text": "Which voice assistants have you used?",
         "options": ["Alexa", "Siri", "none"], "required": False},
        {"name": "age", "type": "number", "text": "How old are you?", "min": 18, "max": 99},
    ],
    "after": [
        {"name": "effort", "type": "likert", "text": "How hard was it to choose?", "points": 5,
         "low_label": "very easy", "high_label": "very hard"},
        {"name": "comments", "type": "text", "text": "Anything else?", "required": False},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def browser(chromium):
    """The session's shared headless Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality-ui")
    root = write_study(
        tmp / "study",
        seconds=0.4,
        rating={"aspects": [{"name": "content", "question": "Which assistant was more helpful?"},
                            {"name": "voice", "question": "Whose voice sounds more natural?"}]},
        targets={"trials_per_rater": 2},
        quality={"min_listen_fraction": 0.25, "attention_checks": 0, "practice_trials": 0,
                 "headphone_check": "antiphase", "headphone_trials": 3, "headphone_pass": 3, "consistency_repeats": 1},
        completion={"screen_out_code": "UI-SCREENED", "no_consent_code": "UI-NOCONSENT"},
    )  # fmt: skip
    config = yaml.safe_load((root / "study.yaml").read_text())
    config["questionnaire"] = QUESTIONNAIRE
    (root / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    srv = build_server(ServeConfig(root, tmp / "study.sqlite", port=0, seed=3))
    with running(srv) as urls:
        yield srv, urls, tmp / "study.sqlite"
    srv.close()


def shot(page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let Gradio's fade-in finish (screenshots only)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_page(browser, urls, viewport: str, pid: str):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(urls["rater"] + f"?PROLIFIC_PID={pid}&STUDY_ID=st&SESSION_ID=se")
    page.locator("#humans-agree").wait_for(state="visible", timeout=20000)
    return page


def headphone_answers(page, listener) -> list[int]:
    """Fetch each served clip (as the page's audio element would) and answer it like ``listener``."""
    page.locator("#humans-headphones").wait_for(state="visible", timeout=20000)
    answers = []
    for k in range(1, 4):
        src = page.get_attribute(f'#humans-headphones audio[data-headphone="{k}"]', "src")
        body = page.request.get(page.url.split("?")[0].rstrip("/") + "/" + src.lstrip("/")).body()
        answers.append(listener(read_wav(body)[0]))
    return answers


def do_headphones(page, answers, shots, name):
    calibration = page.locator('#humans-headphones audio[data-headphone="calibration"]')
    calibration.click(position={"x": 18, "y": 20})  # play the calibration tone
    page.wait_for_function("() => !document.querySelector('audio[data-headphone=\"calibration\"]').paused")
    if shots:
        shot(page, shots, name)
    for k, answer in enumerate(answers, start=1):
        page.locator(f"#humans-hp-choice-{k}").get_by_label(str(answer), exact=True).check()
    page.wait_for_timeout(3200)  # the server's floor: 0.25 × 3 clips × 4 s
    page.click("#humans-hp-submit")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_rater_passes_headphones_fills_questionnaires_and_answers_aspects(browser, server, tmp_path, viewport):
    _, urls, db = server
    shots = Path(os.environ.get("HUMANS_UI_SHOTS") or tmp_path / "shots")
    page = open_page(browser, urls, viewport, f"quality0{viewport}")
    assert page.locator("#humans-decline").is_visible()
    agree, decline = page.locator("#humans-agree").bounding_box(), page.locator("#humans-decline").bounding_box()
    if decline["y"] < agree["y"] + agree["height"]:  # side by side (desktop): one line, not one button lower
        assert abs(decline["y"] - agree["y"]) <= 1 and abs(decline["height"] - agree["height"]) <= 1
    else:  # stacked (phone): the same width
        assert abs(decline["width"] - agree["width"]) <= 1
    shot(page, shots, f"{viewport}-q1-consent")
    page.click("#humans-agree")
    page.locator("#humans-begin").click()

    answers = headphone_answers(page, lambda x: listen_with_headphones(x, "antiphase"))
    do_headphones(page, answers, shots, f"{viewport}-q2-headphones")

    page.locator("#humans-questionnaire-before").wait_for(state="visible", timeout=20000)
    shot(page, shots, f"{viewport}-q3-questionnaire-before")
    page.locator("#humans-q-device").get_by_label("earbuds", exact=True).check()
    page.click("#humans-questionnaire-before-submit")  # the age is missing: refused, stays here
    page.locator("#humans-notice").wait_for(state="visible")
    assert "How old are you?" in page.locator("#humans-notice").inner_text()
    page.locator("#humans-q-assistants").get_by_label("Siri", exact=True).check()
    page.locator("#humans-q-age input").fill("34")
    page.click("#humans-questionnaire-before-submit")

    trials = 0
    while True:
        try:
            page.wait_for_function(
                "() => document.getElementById('humans-trial') || "
                "document.getElementById('humans-questionnaire-after')?.offsetParent",
                timeout=20000,
            )
        except Exception:
            shot(page, shots, f"{viewport}-debug")
            raise
        if page.locator("#humans-questionnaire-after").is_visible():
            break
        token = page.get_attribute("#humans-trial", "data-token")
        if trials:
            wait_at_top(page)
        play_side(page, "left")
        play_side(page, "right")
        page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
        right_is_bad = BAD_TEXT in page.locator('#humans-trial section[data-side="right"]').inner_text()
        choice = "A is better" if right_is_bad else "B is better"
        page.locator("#humans-preference").get_by_label(choice, exact=True).check()
        page.locator("#humans-aspect-content").get_by_label("A is better", exact=True).check()
        page.locator("#humans-aspect-voice").get_by_label("About the same", exact=True).check()
        if trials == 0:
            shot(page, shots, f"{viewport}-q4-trial-aspects")
        page.click("#humans-submit")
        page.wait_for_function(
            f"""() => !document.getElementById('humans-trial') ||
                      document.getElementById('humans-trial').dataset.token !== {token!r}""",
            timeout=20000,
        )
        trials += 1
        assert trials <= 5, "the study never ends"
    assert trials == 3  # two trials and one re-show

    shot(page, shots, f"{viewport}-q5-questionnaire-after")
    page.locator("#humans-q-effort").get_by_label("2", exact=True).check()
    page.locator("#humans-q-comments textarea").fill("Fine.")
    page.click("#humans-questionnaire-after-submit")
    page.locator("#humans-code").wait_for(state="visible", timeout=20000)
    assert page.locator("#humans-code").inner_text() == "UI-TEST-CODE"
    shot(page, shots, f"{viewport}-q6-done")

    data = sqlite_utils.Database(db)
    rater = next(data.query("SELECT * FROM raters WHERE prolific_pid = ?", [f"quality0{viewport}"]))
    assert (rater["stage"], rater["headphone_right"], rater["headphone_passed"]) == ("done", 3, 1)
    answers = {r["question"]: r["value_json"] for r in data.query(
        "SELECT question, value_json FROM questionnaire_answers WHERE rater_id = ?", [rater["id"]])}  # fmt: skip
    assert answers == {"device": '"earbuds"', "assistants": '["Siri"]', "age": "34", "effort": "2",
                       "comments": '"Fine."'}  # fmt: skip
    aspects = list(data.query("SELECT aspect, winner_side FROM aspect_answers WHERE rater_id = ?", [rater["id"]]))
    assert sorted({(a["aspect"], a["winner_side"]) for a in aspects}) == [("content", "left"), ("voice", "tie")]
    assert len(aspects) == 4
    assert data.execute("SELECT COUNT(*) FROM reshows WHERE rater_id = ?", [rater["id"]]).fetchone()[0] == 1


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_loudspeaker_rater_is_screened_out_and_a_decliner_gets_the_no_consent_code(browser, server, tmp_path, viewport):
    _, urls, _ = server
    shots = Path(os.environ.get("HUMANS_UI_SHOTS") or tmp_path / "shots")
    page = open_page(browser, urls, viewport, f"speakers0{viewport}")
    page.click("#humans-agree")
    page.locator("#humans-begin").click()
    rng = np.random.default_rng(0)
    do_headphones(page, headphone_answers(page, lambda x: listen_with_speakers(x, "antiphase", rng)), None, "")
    page.locator("#humans-code").wait_for(state="visible", timeout=20000)
    assert page.locator("#humans-code").inner_text() == "UI-SCREENED"
    assert "no further trials for you" in page.locator("#humans-done").inner_text()
    shot(page, shots, f"{viewport}-q7-screened-out")

    page = open_page(browser, urls, viewport, f"decliner0{viewport}")
    page.click("#humans-decline")
    page.locator("#humans-code").wait_for(state="visible", timeout=20000)
    assert page.locator("#humans-code").inner_text() == "UI-NOCONSENT"
    shot(page, shots, f"{viewport}-q8-declined")
