"""What one simulated rater does on the rater page, and what one visitor of the no-op floor app does.

A rater opens the study link (``?PROLIFIC_PID=…``) in a new browser (page, scripts and styles), the page's load
event enters them, they accept the consent and finish the instructions after a pause, and then, trial after
trial, fetch the four players' audio, wait at least the study's listening floor (``data-min-played`` times the
sum of the clips' ``data-duration``, read from the trial's HTML) and longer if their think time says so, and
send the vote with the play log the page's script would have collected. When the server stops answering (a
restart), they wait for it, reload the page (a new tab: the browser kept their token) and carry on from where
the server says they are, as a real tab does.
"""

from __future__ import annotations

import asyncio
import html as html_lib
import json
import re
import time
from dataclasses import dataclass

import numpy as np

from annotation_app.loadtest.gradio_tab import AppConfig, CallFailed, GradioTab, ServerDown
from annotation_app.loadtest.stats import Recorder
from annotation_app.page_mark import read_page_mark

__all__ = ["RaterPage", "RaterPlan", "run_noop_visitor", "run_rater"]

_DUPLICATE = "already been recorded"
_AUDIO = re.compile(r"<audio\b([^>]*)>(.*?)</audio>", re.S)
_SOURCE_SRC = re.compile(r'<source\b[^>]*\bsrc="([^"]*)"')
_ATTR = re.compile(r'\b(src|data-side|data-turn|data-duration)="([^"]*)"')
_MIN_PLAYED = re.compile(r'\bdata-min-played="([0-9.]+)"')
#: Seconds added to the listening floor so a vote never lands on the boundary.
FLOOR_SLACK_S = 0.05


@dataclass(frozen=True)
class RaterPlan:
    """One simulated rater: id, arrival time (seconds after the start), mean think time, votes, address."""

    pid: str
    query: str
    start_s: float
    think_s: float
    trials: int
    address: str | None = None


@dataclass(frozen=True)
class RaterPage:
    """Where the rater page's events put each thing among their outputs, read from the app's config."""

    token: int
    notice: int
    stage: int
    players: int
    trial_token: int
    done: int
    submit_inputs: tuple[str, ...]
    preference_values: tuple[str, ...]
    likert_left: tuple
    likert_right: tuple
    reason_required: bool

    @classmethod
    def from_config(cls, config: AppConfig) -> RaterPage:
        """Locate the outputs by ``elem_id``, so layout changes do not matter."""
        out = lambda elem_id: config.output_index("enter", elem_id)  # noqa: E731
        enter_outputs = config.events["enter"]["outputs"]
        token = next(i for i, cid in enumerate(enter_outputs) if config.components[cid]["type"] == "browserstate")
        by_id = {cid: c.get("props", {}).get("elem_id") or c["type"] for cid, c in config.components.items()}
        inputs = tuple(by_id[cid] for cid in config.events["submit"]["inputs"])

        def values(elem_id: str) -> tuple:
            props = config.props(elem_id)
            if not props or props.get("visible") is False:
                return ()
            return tuple(v for _, v in props.get("choices") or [] if v != "both_bad")

        reason = config.props("humans-reason")
        return cls(
            token=token,
            notice=out("humans-notice"),
            stage=out("humans-stage"),
            players=out("humans-players"),
            trial_token=out("humans-trial-token"),
            done=out("humans-done-page"),
            submit_inputs=inputs,
            preference_values=values("humans-preference"),
            likert_left=values("humans-likert-left"),
            likert_right=values("humans-likert-right"),
            reason_required=reason.get("visible") is not False and "required" in str(reason.get("label", "")).lower(),
        )


def _value(update):
    return update.get("value") if isinstance(update, dict) else update


def _page(mark) -> str:
    """The page the server's page mark output names: ``consent``, ``trial``, ``done``…"""
    return read_page_mark(str(_value(mark) or ""))


def _play_log(players: list[tuple[str, str, int, float]], listened_s: float) -> str:
    """The play log the page's script sends: play, pause and ended of every turn, spread over the listening."""
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - int(listened_s * 1000)
    log = []
    for _, side, turn, duration in players:
        log.append({"side": side, "turn": turn, "kind": "play", "t": 0, "ms": start_ms})
        start_ms += int(duration * 1000)
        log.append({"side": side, "turn": turn, "kind": "pause", "t": duration, "ms": start_ms})
        log.append({"side": side, "turn": turn, "kind": "ended", "t": duration, "ms": start_ms})
    return json.dumps(log, separators=(",", ":"))


def _players(players_html: str) -> tuple[list[tuple[str, str, int, float]], float]:
    """(src, side, turn, duration) of every player of a trial, and its listening floor in seconds.

    ``src`` is the ``<audio>`` element's own, else its first ``<source>`` (the rendition a browser that plays it
    fetches: Ogg/Opus comes first).
    """
    out = []
    for tag, inner in _AUDIO.findall(players_html):
        attrs = dict(_ATTR.findall(tag))
        first_source = _SOURCE_SRC.search(inner)
        if "src" not in attrs and first_source is not None:
            attrs["src"] = first_source.group(1)
        if "src" in attrs and attrs.get("data-side") in ("left", "right"):
            src = html_lib.unescape(attrs["src"])
            out.append((src, attrs["data-side"], int(attrs.get("data-turn", 0)), float(attrs.get("data-duration", 0))))
    fraction = _MIN_PLAYED.search(players_html)
    floor = float(fraction.group(1)) * sum(p[3] for p in out) if fraction else sum(p[3] for p in out)
    return out, floor


class _Gone(Exception):
    """The rater gives up (the server stayed down, or kept refusing)."""


async def run_rater(
    tab: GradioTab,
    plan: RaterPlan,
    rec: Recorder,
    rng: np.random.Generator,
    *,
    assets: bool = True,
    down_wait_s: float = 120.0,
) -> tuple[bool, int]:
    """Take part in the study as ``plan`` says; returns (reached the done page or cast all votes, outages seen).

    Every vote the server acknowledges is appended to ``rec.acknowledged``.
    """
    token: str | None = None
    page: RaterPage | None = None
    outages = 0
    votes = 0
    out: list | None = None

    def pause() -> float:
        return plan.think_s * float(rng.uniform(0.5, 1.5))

    async def reopen(first: bool) -> list:
        nonlocal page
        await tab.open_page(assets=assets and first)
        page = page or RaterPage.from_config(tab.config)
        return await tab.event("enter", [token, "?" + plan.query], load=True)

    async def recover() -> list:
        nonlocal outages
        outages += 1
        deadline = time.monotonic() + down_wait_s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5 + float(rng.uniform(0, 0.5)))
            try:
                return await reopen(first=False)
            except (ServerDown, CallFailed):
                continue
        raise _Gone(f"the server stayed down for {down_wait_s:.0f} s")

    failures = 0
    steps = 0
    try:
        while steps < 6 * plan.trials + 20:
            steps += 1
            try:
                if out is None:
                    out = await reopen(first=True)
                token = _value(out[page.token]) or token
                if _value(out[page.done]):
                    return True, outages
                trial_token = _value(out[page.trial_token])
                if trial_token:
                    if votes >= plan.trials:
                        return True, outages
                    new, acked = await _vote(tab, page, out, token, trial_token, pause(), rec)
                    if acked:
                        votes += 1
                        rec.acknowledged.append({"rater": plan.pid, "trial": trial_token})
                    else:
                        failures += 1
                    out = new
                elif _page(out[page.stage]) == "consent":
                    await asyncio.sleep(pause())
                    out = await tab.event("consent", [token])
                elif _page(out[page.stage]) == "instructions":
                    await asyncio.sleep(pause())
                    out = await tab.event("instructions", [token])
                else:
                    notice = _value(out[page.notice]) or "no trial, no done page"
                    rec.error("stuck", notice)
                    return False, outages
                if failures > 3:
                    raise _Gone("the server refused this rater's votes 4 times")
            except ServerDown:
                out = await recover()
            except CallFailed as exc:
                rec.error("call", str(exc))
                failures += 1
                if failures > 3:
                    raise _Gone("4 failed calls") from exc
                await asyncio.sleep(1.0)
                out = await recover()
                outages -= 1  # a failed call is not an outage
        rec.error("rater", "too many steps without finishing")
        return False, outages
    except _Gone as exc:
        rec.error("rater", str(exc))
        return False, outages


async def _vote(
    tab: GradioTab, page: RaterPage, out: list, token: str, trial_token: str, think_s: float, rec: Recorder
) -> tuple[list, bool]:
    """Fetch the trial's audio, wait, vote; returns (the outputs, whether the vote was acknowledged)."""
    players, floor = _players(_value(out[page.players]) or "")
    shown = time.monotonic()
    await tab.audio([p[0] for p in players])
    waited = time.monotonic() - shown
    await asyncio.sleep(max(think_s, floor + FLOOR_SLACK_S) - waited)
    rng = np.random.default_rng(abs(hash(trial_token)) % (2**32))
    form = {
        "browserstate": token,
        "humans-trial-token": trial_token,
        "humans-preference": str(rng.choice(page.preference_values)) if page.preference_values else None,
        "humans-likert-left": int(rng.choice(page.likert_left)) if page.likert_left else None,
        "humans-likert-right": int(rng.choice(page.likert_right)) if page.likert_right else None,
        "humans-reason": "load test" if page.reason_required else "",
        "humans-events": _play_log(players, time.monotonic() - shown),
        "humans-tz": "0",
    }
    new = await tab.event("submit", [form.get(name) for name in page.submit_inputs])
    notice = _value(new[page.notice]) or ""
    if notice and _DUPLICATE not in notice:
        rec.error("vote refused", notice)
        return new, False
    return new, True


async def run_noop_visitor(
    tab: GradioTab, plan: RaterPlan, rec: Recorder, rng: np.random.Generator, *, assets: bool = True
) -> tuple[bool, int]:
    """The floor: open the page, then send the app's ``noop`` event ``plan.trials`` times with a rater's pauses."""
    await tab.open_page(assets=assets)
    for i in range(plan.trials):
        await asyncio.sleep(plan.think_s * float(rng.uniform(0.5, 1.5)))
        await tab.event("noop", [f"{plan.pid}-{i}"])
        rec.acknowledged.append({"rater": plan.pid, "trial": f"{plan.pid}-{i}"})
    return True, 0
