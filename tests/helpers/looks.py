"""What a person sees on the rater page, checked in the browser: the helpers of the rater page's browser tests.

Each check reads the rendered page (layout boxes, computed styles, pixels), never Gradio's internal state, so it
fails when a rater would see a defect even though the DOM holds the right values.

- :func:`check_page`: no internal field visible or focusable, no horizontal scroll, audio players wide enough;
- :func:`notice_in_view`: the notice that answers a click is inside the viewport;
- :func:`looks_chosen`: a radio option looks different when chosen (pixel comparison of the same option);
- :class:`AriaSnapshots`: Playwright ARIA snapshots of each stage compared with the approved files in
  ``tests/annotation_app/ui/aria/``
  (``HUMANS_APPROVE_ARIA=1`` writes them instead);
- :class:`Shots`: screenshots of each stage in ``$HUMANS_UI_SHOTS`` (default a pytest tmp folder).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: The two screens of the issue: a laptop and a phone (iPhone 12-15 CSS pixels).
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
STAGE_WIDTH_JS = (
    "() => document.querySelector('.gradio-container .main, .gradio-container').getBoundingClientRect().width"
)


def play_side(page, side: str) -> None:
    """Click the first player of a side (the page plays the next turns); wait until the side is heard."""
    first = page.locator(f'#humans-trial audio[data-side="{side}"][data-turn="0"]')
    first.scroll_into_view_if_needed()
    first.click(position={"x": 18, "y": 20})  # the play button of the native controls
    page.wait_for_function(
        f"""() => document.querySelector('[data-status-for="{side}"]')?.classList.contains('humans-heard')""",
        timeout=15000,
    )


def wait_at_top(page) -> None:
    """Wait until the page has scrolled (smoothly) to the top, as it does when the next trial arrives.

    A rater starts reading a trial at its top; and a click while the page still scrolls can miss its target.
    """
    page.wait_for_function("() => window.scrollY === 0", timeout=5000)


def wait_new_trial(page, token: str) -> None:
    """Wait until the trial with ``token`` is replaced (by the next trial or the end) and the page is at the top."""
    page.wait_for_function(
        """(t) => !document.getElementById('humans-trial') ||
                  document.getElementById('humans-trial').dataset.token !== t""",
        arg=token,
        timeout=20000,
    )
    page.wait_for_selector("#humans-trial, #humans-done", timeout=20000)
    if page.locator("#humans-trial").count():
        wait_at_top(page)


#: The page's internal fields (Gradio components a rater must never see or reach with the keyboard).
INTERNAL_IDS = ("humans-query", "humans-trial-token", "humans-events", "humans-tz")
#: Narrowest audio player a rater can use (Chromium hides the seek bar of narrower ones).
MIN_PLAYER_PX = 200
#: The folder of the approved ARIA snapshots, and the variable that re-approves them.
ARIA_DIR = Path(__file__).resolve().parents[1] / "annotation_app" / "ui" / "aria"
APPROVE_ENV = "HUMANS_APPROVE_ARIA"
SHOTS_ENV = "HUMANS_UI_SHOTS"

_INTERNAL_JS = """(ids) => {
  const shown = (el) => {
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility === 'visible' && style.display !== 'none';
  };
  const out = [];
  for (const id of ids) {
    const root = document.getElementById(id);
    if (!root) continue;
    if (shown(root) && root.getBoundingClientRect().height > 0) out.push(`#${id} is visible`);
    for (const field of root.querySelectorAll('input, textarea, select, button, [tabindex]')) {
      if (shown(field) && !field.disabled && !field.closest('[inert]') && field.tabIndex >= 0) {
        out.push(`#${id} ${field.tagName.toLowerCase()} can take the keyboard focus`);
      }
    }
  }
  return out;
}"""

_LAYOUT_JS = """(minWidth) => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    out.push(`the page scrolls sideways: ${doc.scrollWidth} px of content in a ${window.innerWidth} px window`);
  }
  for (const audio of document.querySelectorAll('#humans-trial audio')) {
    const w = audio.getBoundingClientRect().width;
    if (audio.getClientRects().length && w < minWidth) {
      out.push(`player ${audio.dataset.side}:${audio.dataset.turn} is ${w.toFixed(0)} px wide (< ${minWidth})`);
    }
  }
  return out;
}"""

_IN_VIEW_JS = """() => {
  const el = document.getElementById('humans-notice');
  if (!el || !el.getClientRects().length || !el.textContent.trim()) return null;
  const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: window.innerHeight, text: el.textContent.trim()};
}"""


def check_page(page, when: str) -> None:
    """Fail when an internal field is visible or focusable, the page scrolls sideways, or a player is too narrow.

    ``when`` names the event just done (it goes into the failure message).
    """
    problems = page.evaluate(_INTERNAL_JS, list(INTERNAL_IDS)) + page.evaluate(_LAYOUT_JS, MIN_PLAYER_PX)
    assert not problems, f"after {when}: " + "; ".join(problems)


def notice_in_view(page, when: str, contains: str | None = None, timeout_ms: int = 8000) -> str:
    """Wait for the notice that answers a click and fail unless all of it is inside the viewport; returns its text."""
    page.wait_for_function(f"({_IN_VIEW_JS})() !== null", timeout=timeout_ms)
    if contains:
        page.wait_for_function(
            "(t) => document.getElementById('humans-notice').textContent.includes(t)", arg=contains, timeout=timeout_ms
        )
    with contextlib.suppress(PlaywrightTimeout):  # allow a smooth scroll to finish; the assertion says where it is
        page.wait_for_function(
            f"(() => {{ const b = ({_IN_VIEW_JS})(); return b && b.top >= 0 && b.bottom <= b.height; }})",
            timeout=2000,
        )
    box = page.evaluate(_IN_VIEW_JS)
    assert box is not None, f"after {when}: the notice disappeared"
    assert box["top"] >= 0 and box["bottom"] <= box["height"], (
        f"after {when}: the notice {box['text'][:60]!r} is outside the viewport "
        f"(top {box['top']:.0f} px, bottom {box['bottom']:.0f} px, viewport height {box['height']} px)"
    )
    return box["text"]


def pixels(locator) -> np.ndarray:
    """The element's screenshot as an RGB array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(locator.screenshot(animations="disabled"))).convert("RGB"), dtype=int)


def looks_chosen(unchosen: np.ndarray, now: np.ndarray, min_share: float = 0.10) -> bool:
    """Whether ``now`` differs at a glance from the same option's ``unchosen`` image: at least ``min_share`` of its
    pixels differ by more than 40 in some channel (a filled background or a thick border does; a radio dot of a
    few pixels alone does not)."""
    if unchosen.shape != now.shape:
        return True
    changed = np.abs(unchosen - now).max(axis=2) > 40
    return float(changed.mean()) >= min_share


class AriaSnapshots:
    """Compare the ARIA snapshot of the page with ``aria/<name>.yaml``; write it instead when re-approving."""

    def __init__(self) -> None:
        self.approve = os.environ.get(APPROVE_ENV) == "1"

    @staticmethod
    def normalise(text: str) -> str:
        """Drop what changes between runs of the same session: which scenario was drawn, and the transient text
        of Gradio's own loading status ("Loading" while an event runs)."""
        text = re.sub(r"scenario \d+", "scenario N", text)
        return re.sub(r"(?m)^- status:.*$", "- status", text)

    def check(self, page, name: str) -> None:
        snapshot = self.normalise(page.locator("body").aria_snapshot()) + "\n"
        path = ARIA_DIR / f"{name}.yaml"
        if self.approve:
            ARIA_DIR.mkdir(exist_ok=True)
            path.write_text(snapshot, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"no approved ARIA snapshot {path}; look at the page, then run with {APPROVE_ENV}=1")
        approved = path.read_text(encoding="utf-8")
        assert snapshot == approved, (
            f"what a rater's screen reader meets on the {name} page changed (approved: {path}; "
            f"re-approve with {APPROVE_ENV}=1 if intended):\n{snapshot}"
        )


class Shots:
    """Full-page screenshots of every stage, named ``<viewport>-<nn>-<stage>.png``."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = Path(os.environ.get(SHOTS_ENV) or folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.count = 0

    def __call__(self, page, stage: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{stage}.png"
        page.wait_for_timeout(400)  # Gradio fades fresh outputs in
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path
