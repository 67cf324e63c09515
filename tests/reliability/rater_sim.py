"""Simulated raters, one process each, that take part in a study over HTTP like a browser tab does.

A rater opens the page (HTML + config), enters with a Prolific id in the URL, consents, reads the instructions and
answers trials until the done page, waiting the listening floor before each vote (the durations are in the trial
HTML). When the server is down (killed), the rater waits for it, opens a new tab and re-enters with the token its
browser kept, and goes on from where the server says it is. Every acknowledged vote is appended to the rater's
result file at once (``ack`` lines), so nothing is lost if the parent stops reading early.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gradio_http import CallFailed, GradioSession, ServerDown

from annotation_app.page_mark import read_page_mark

__all__ = ["OUT", "RaterSpec", "percentiles", "run_crowd", "run_noop_rater", "run_rater", "trial_floor_s"]

#: Output positions of the rater app's events (the layout columns are outputs too).
OUT = {"token": 0, "notice": 1, "stage": 2, "players": 3, "trial_token": 4, "done": 9}
_DURATION = re.compile(r'data-duration="([0-9.]+)"')
_POSITION = re.compile(r"Trial (\d+) of (\d+)")
_DUPLICATE = "already been recorded"


@dataclass
class RaterSpec:
    """What one simulated rater does."""

    url: str
    pid: str
    out_path: str
    min_listen_fraction: float
    max_votes: int = 100
    seed: int = 0
    down_wait_s: float = 180.0
    reason: str = ""
    think_s: float = 0.0


@dataclass
class RaterResult:
    """What one simulated rater saw."""

    pid: str
    token: str | None = None
    acked: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    outages: int = 0
    #: (position shown after a resume, position of the last acknowledged vote; 0 before any) per resume. Not the
    #: number of acknowledged votes: a vote stored but not acknowledged in an earlier outage is in no count.
    resumes: list[tuple[int, int]] = field(default_factory=list)
    last_acked_position: int = 0
    done: bool = False
    completion_seen: bool = False
    error: str | None = None


def _value(update):
    return update.get("value") if isinstance(update, dict) else update


def trial_floor_s(players_html: str, fraction: float) -> float:
    """The listening floor of a trial: ``fraction`` of the durations in its HTML (seconds)."""
    return fraction * sum(float(d) for d in _DURATION.findall(players_html))


def _events(players_html: str) -> str:
    ms = int(time.time() * 1000)
    out = []
    for side in ("left", "right"):
        for turn, duration in enumerate(
            re.findall(rf'data-side="{side}" data-turn="\d+" data-duration="([0-9.]+)"', players_html)
        ):
            out.append({"side": side, "turn": turn, "kind": "play", "t": 0.0, "ms": ms})
            out.append({"side": side, "turn": turn, "kind": "ended", "t": float(duration), "ms": ms + 200})
    return json.dumps(out)


class _Rater:
    def __init__(self, spec: RaterSpec) -> None:
        self.spec = spec
        self.result = RaterResult(spec.pid)
        self.session = GradioSession(spec.url)
        self.out = Path(spec.out_path).open("a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.choices = ["-1", "0", "1"]

    def write(self, record: dict) -> None:
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()

    def call(self, api: str, data: list) -> list:
        return self.session.call(api, data)

    def wait_up(self) -> None:
        """Wait for the server to answer again, then open a new tab (page + config)."""
        self.result.outages += 1
        deadline = time.monotonic() + self.spec.down_wait_s
        while time.monotonic() < deadline:
            try:
                self.session.new_tab()
                self.session.open_page()
                return
            except (ServerDown, CallFailed):
                time.sleep(0.25)
        raise RuntimeError(f"the server stayed down for {self.spec.down_wait_s} s")

    def enter(self) -> list:
        query = f"?PROLIFIC_PID={self.spec.pid}&STUDY_ID=reliab&SESSION_ID=s{self.spec.seed}"
        out = self.call("enter", [self.result.token, query])
        self.result.token = _value(out[OUT["token"]]) or self.result.token
        return out

    def run(self) -> RaterResult:
        spec = self.spec
        out = None
        step = "page"
        votes = 0
        attempts = 0
        while attempts < 10 * spec.max_votes + 50:
            attempts += 1
            try:
                if step == "page":
                    self.session.open_page()
                    out = self.enter()
                    step = "stage"
                    continue
                if step == "resume":
                    out = self.enter()
                    players = _value(out[OUT["players"]]) or ""
                    shown = _POSITION.search(players)
                    position = int(shown.group(1)) if shown else -1
                    self.result.resumes.append((position, self.result.last_acked_position))
                    step = "stage"
                    continue
                notice = _value(out[OUT["notice"]]) or ""
                if _value(out[OUT["done"]]):
                    self.result.done = True
                    self.result.completion_seen = "RELIABILITY-DONE" in _value(out[OUT["done"]])
                    break
                trial_token = _value(out[OUT["trial_token"]])
                if not trial_token:
                    page = read_page_mark(_value(out[OUT["stage"]]))
                    if page == "consent":
                        out = self.call("consent", [self.result.token])
                    elif page == "instructions":
                        out = self.call("instructions", [self.result.token])
                    else:
                        self.result.notices.append(notice)
                        raise RuntimeError(f"stuck without a trial: {notice!r}")
                    continue
                if votes >= spec.max_votes:
                    break
                players = _value(out[OUT["players"]])
                time.sleep(trial_floor_s(players, spec.min_listen_fraction) + 0.01 + spec.think_s)
                choice = self.choices[(votes + spec.seed) % 3]
                data = [self.result.token, trial_token, choice, None, None, spec.reason, _events(players), "60"]
                start = time.perf_counter()
                new = self.call("submit", data)
                self.result.latencies_s.append(time.perf_counter() - start)
                new_notice = _value(new[OUT["notice"]]) or ""
                if new_notice and _DUPLICATE not in new_notice:
                    self.result.notices.append(new_notice)
                    raise RuntimeError(f"vote refused: {new_notice!r}")
                self.result.acked.append(trial_token)
                voted = _POSITION.search(players)
                self.result.last_acked_position = int(voted.group(1)) if voted else self.result.last_acked_position
                self.write({"ack": trial_token, "choice": choice, "duplicate": bool(new_notice)})
                votes += 1
                out = new
            except ServerDown:
                self.wait_up()
                step = "resume" if self.result.token else "page"
        return self.result

    def close(self) -> None:
        for status in self.session.statuses:
            key = str(status)
            self.result.statuses[key] = self.result.statuses.get(key, 0) + 1
        self.session.close()
        self.out.close()


def run_rater(spec: RaterSpec) -> dict:
    """Run one rater to the end (or ``max_votes``); returns its :class:`RaterResult` as a dict."""
    rater = _Rater(spec)
    try:
        rater.run()
    except Exception as exc:  # reported to the parent, which fails the test with it
        rater.result.error = f"{type(exc).__name__}: {exc}"
    finally:
        rater.close()
    return asdict(rater.result)


def run_noop_rater(spec: RaterSpec) -> dict:
    """The floor: open the page, then call the app's ``noop`` event ``max_votes`` times with the same pauses a
    rater makes (``spec.min_listen_fraction`` seconds), timing each call like a vote."""
    result = RaterResult(spec.pid)
    session = GradioSession(spec.url)
    try:
        session.open_page()
        for i in range(spec.max_votes):
            time.sleep(spec.min_listen_fraction + 0.01 + spec.think_s)
            start = time.perf_counter()
            session.call("noop", [f"{spec.pid}-{i}"])
            result.latencies_s.append(time.perf_counter() - start)
            result.acked.append(f"{spec.pid}-{i}")
        result.done = True
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        for status in session.statuses:
            result.statuses[str(status)] = result.statuses.get(str(status), 0) + 1
        session.close()
    return asdict(result)


def _child(spec: RaterSpec, result_path: str, worker=run_rater) -> None:
    Path(result_path).write_text(json.dumps(worker(spec)), encoding="utf-8")


def run_crowd(
    specs: list[RaterSpec], folder: Path, *, timeout_s: float = 600.0, on_tick=None, worker=run_rater
) -> list[dict]:
    """Run every spec in its own process at once (``worker(spec)``, default :func:`run_rater`); returns their
    results (``on_tick()`` is called ~10x a second while they run).

    Processes still running after ``timeout_s`` are terminated and reported as errors.
    """
    ctx = multiprocessing.get_context("fork")
    folder.mkdir(parents=True, exist_ok=True)
    procs = []
    for i, spec in enumerate(specs):
        p = ctx.Process(target=_child, args=(spec, str(folder / f"result-{i}.json"), worker), daemon=True)
        p.start()
        procs.append(p)
    deadline = time.monotonic() + timeout_s
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        if on_tick is not None:
            on_tick()
        time.sleep(0.1)
    results = []
    for i, (p, spec) in enumerate(zip(procs, specs, strict=True)):
        if p.is_alive():
            p.terminate()
            p.join(5)
        path = folder / f"result-{i}.json"
        if path.exists():
            results.append(json.loads(path.read_text(encoding="utf-8")))
        else:
            results.append({"pid": spec.pid, "error": f"process ended without a result (exit {p.exitcode})"})
    return results


def percentiles(values: list[float], qs=(50, 90, 99)) -> dict[int, float]:
    """Percentiles (nearest rank) of ``values`` in milliseconds."""
    if not values:
        return {q: float("nan") for q in qs}
    ordered = sorted(values)
    return {q: 1000 * ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] for q in qs}
