"""The rater page in any language: every visible word comes from the ui_text table (a test marks every entry and
looks for unmarked words), the bundled German translation, and right-to-left text.

Screenshots of the German page go to ``$HUMANS_UI_SHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from helpers.looks import VIEWPORTS, Shots, check_page, play_side, wait_new_trial

from annotation_app.study.ui_text import UI_TEXT, allowed_placeholders

pytestmark = pytest.mark.browser

#: The study's own texts in the marked study: they come from study.yaml, not from the table.
STUDY_TEXTS = {
    "title": "«study title»",
    "consent": "«study consent»",
    "instructions": "«study instructions»",
}
MARKED_RATING = {
    "preference_question": "«study preference question»",
    "likert_question": "«study likert question»",
    "reason_prompt": "«study reason prompt»",
}
GERMAN = {
    "title": "Welchen Sprachassistenten hören Sie lieber?",
    "consent": "Ich bin einverstanden, an diesem Test teilzunehmen.",
    "instructions": "Hören Sie **beide** Gespräche an und antworten Sie dann.",
}
GERMAN_RATING = {
    "preference_question": "Mit welchem Assistenten würden Sie lieber sprechen?",
    "reason_prompt": "Warum? (ein paar Worte)",
}

#: The visible text of the page (text nodes of rendered elements, placeholders), without transcripts and the code.
_TEXT_JS = """() => {
  const shown = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('.humans-transcript, #humans-code, script, style')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility !== 'visible') continue;
    if (node.textContent.trim()) shown.push(node.textContent.trim());
  }
  for (const field of document.querySelectorAll('input, textarea')) {
    if (field.getClientRects().length && field.placeholder) shown.push(field.placeholder);
  }
  for (const el of document.querySelectorAll('[aria-label]')) {
    if (el.getClientRects().length) shown.push(el.getAttribute('aria-label'));
  }
  return shown.join(' ');
}"""


def marked_table() -> dict[str, str]:
    """Every entry replaced by «key» and its placeholders, so an unmarked word on the page has no entry.

    ``{message}`` (the server's English detail of an error) is left out, as a translation leaves it out.
    """
    return {
        key: f"«{key}»" + "".join(f" {{{p}}}" for p in sorted(allowed_placeholders(key) - {"message"}))
        for key in UI_TEXT
    }


def unmarked_words(page) -> list[str]:
    text = page.evaluate(_TEXT_JS)
    text = re.sub(r"«[^»]*»", " ", text)
    return re.findall(r"[^\W\d_]{2,}", text)


def test_every_visible_word_comes_from_the_table(chromium, serve_study):
    _server, urls = serve_study(
        seconds=0.4,
        rating={"reason": "required"} | MARKED_RATING,
        targets={"trials_per_rater": 1},
        quality={"min_listen_fraction": 0.5, "attention_checks": 0, "practice_trials": 0},
        extra=STUDY_TEXTS | {"ui_text": marked_table()},
    )
    page = chromium.new_page(viewport=VIEWPORTS["phone"])
    seen: dict[str, list[str]] = {}

    def look(stage: str) -> None:
        page.wait_for_timeout(300)
        seen[stage] = unmarked_words(page)

    page.goto(urls["rater"])
    page.locator("#humans-typed-id").wait_for(state="visible", timeout=20000)
    look("id page")
    page.locator("#humans-typed-id input, #humans-typed-id textarea").first.fill("x")
    page.click("#humans-start")
    page.wait_for_function("() => document.getElementById('humans-notice')?.textContent.includes('«error_')")
    look("refused id")
    page.locator("#humans-typed-id input, #humans-typed-id textarea").first.fill("marked-1")
    page.click("#humans-start")
    page.locator("#humans-agree").wait_for(state="visible", timeout=20000)
    look("consent")
    page.click("#humans-agree")
    page.locator("#humans-begin").wait_for(state="visible")
    look("instructions")
    page.click("#humans-begin")
    page.wait_for_selector("#humans-trial", timeout=20000)
    look("trial, locked")
    play_side(page, "left")
    play_side(page, "right")
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
    look("trial, heard")
    token = page.get_attribute("#humans-trial", "data-token")
    page.click("#humans-submit")
    page.wait_for_function("() => document.getElementById('humans-notice')?.textContent.includes('«error_')")
    look("refused submit")
    page.locator("#humans-preference label").first.click()
    page.locator("#humans-reason textarea").fill("because")
    page.click("#humans-submit")
    wait_new_trial(page, token)
    page.wait_for_selector("#humans-done", timeout=20000)
    look("done")
    page.close()
    page = chromium.new_page(viewport=VIEWPORTS["desktop"])
    page.goto(urls["rater"] + "?PROLIFIC_PID=marked-decliner")
    page.click("#humans-decline", timeout=20000)
    page.wait_for_selector("#humans-done", timeout=20000)
    look("declined")
    page.close()
    leftovers = {stage: words for stage, words in seen.items() if words}
    assert not leftovers, f"rater-visible words that are not in the ui_text table: {leftovers}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_german_study_speaks_german(chromium, serve_study, tmp_path, viewport):
    _server, urls = serve_study(
        seconds=0.4,
        rating=GERMAN_RATING,
        targets={"trials_per_rater": 1},
        quality={"min_listen_fraction": 0.5, "attention_checks": 0, "practice_trials": 1},
        extra=GERMAN | {"ui_text": {"language": "de"}},
    )
    shot = Shots(tmp_path / "shots", f"{viewport}-de")
    page = chromium.new_page(viewport=VIEWPORTS[viewport])
    page.goto(urls["rater"] + "?PROLIFIC_PID=deutsch")
    page.get_by_role("button", name="Ich stimme nicht zu").wait_for(timeout=20000)
    assert page.get_by_role("button", name="Ich stimme zu und möchte teilnehmen").is_visible()
    shot(page, "consent")
    page.click("#humans-agree")
    page.get_by_role("button", name="Los geht's").click()
    page.wait_for_selector("#humans-trial", timeout=20000)
    assert "Übung 1 von 1" in page.locator("#humans-trial").inner_text()
    assert page.get_by_role("button", name="Gespräch A abspielen").is_visible()
    page.get_by_role("button", name="Antwort senden").wait_for()
    check_page(page, "the German trial")
    shot(page, "trial")
    play_side(page, "left")
    play_side(page, "right")
    assert "Bis zum Ende angehört" in page.locator('[data-status-for="left"]').inner_text()
    page.get_by_label("A ist besser", exact=True).check()
    token = page.get_attribute("#humans-trial", "data-token")
    page.click("#humans-submit")
    wait_new_trial(page, token)
    # practice answered at random may pass or fail: either way the notice is German
    assert page.locator("#humans-notice").inner_text().startswith("Übung")
    shot(page, "notice")


def test_right_to_left_text_reads_right_to_left(chromium, serve_study):
    _server, urls = serve_study(
        quality={"attention_checks": 0, "practice_trials": 0},
        extra={"ui_text": {"consent_agree": "אני מסכים ורוצה להשתתף", "consent_heading": "לפני שמתחילים"}},
    )
    page = chromium.new_page(viewport=VIEWPORTS["desktop"])
    page.goto(urls["rater"] + "?PROLIFIC_PID=rtl")
    agree = page.get_by_role("button", name="אני מסכים ורוצה להשתתף")
    agree.wait_for(timeout=20000)
    page.wait_for_function("() => document.getElementById('humans-agree').getAttribute('dir') === 'auto'")
    assert page.evaluate("document.getElementById('humans-agree').matches(':dir(rtl)')")
    assert not page.evaluate("document.getElementById('humans-decline').matches(':dir(rtl)')")  # English stays ltr
    heading = page.get_by_text("לפני שמתחילים")
    assert heading.evaluate("el => el.closest('[dir=auto]') !== null && el.matches(':dir(rtl)')")
    page.close()
