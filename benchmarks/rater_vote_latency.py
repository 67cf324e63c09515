"""How long a vote takes to go round trip: the rater service alone (the anchor) versus the Gradio API over loopback
versus a click in headless Chromium until the next trial is on screen.

One study (3 models × 20 scenarios, 0.25 s clips, listening floor and playback lock off so nothing waits), one
rater per path, ``TRIALS`` votes each. Prints the median and the 90th percentile per path and the ratio to the
anchor. Run::

    .venv/bin/python benchmarks/rater_vote_latency.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from gradio_client import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package before tests/
from conftest import CHROMIUM_ARGS, chromium_executable
from helpers.ui_study import write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.rater_views import Answer
from annotation_app.ui.server import running

TRIALS = 15


def summary(name: str, seconds: list[float], anchor: float | None) -> str:
    ms = sorted(s * 1000 for s in seconds)
    median = statistics.median(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    ratio = f"{median / anchor:8.1f}x" if anchor else "  anchor"
    return f"{name:<34} n={len(ms):3d}  median {median:8.1f} ms  p90 {p90:8.1f} ms  {ratio}"


def service_path(server) -> list[float]:
    """What one submit callback asks of the service: submit, then the next trial."""
    service = server.service
    token = service.enter(typed_id="anchor-rater").rater_token
    service.accept_consent(token)
    service.finish_instructions(token)
    out = []
    trial = service.current_trial(token)
    while trial is not None and len(out) < TRIALS:
        start = time.perf_counter()
        service.submit(token, trial.token, Answer(preference=-1, client_tz_offset_min=0))
        trial = service.current_trial(token)
        out.append(time.perf_counter() - start)
    return out


def api_path(url: str) -> list[float]:
    client = Client(url, verbose=False)
    token = client.predict(None, "?PROLIFIC_PID=apirater", api_name="/enter")[0]
    client.predict(token, api_name="/consent")
    trial_token = client.predict(token, api_name="/instructions")[3]
    out = []
    while trial_token and len(out) < TRIALS:
        start = time.perf_counter()
        reply = client.predict(token, trial_token, "-1", None, None, "", "[]", "0", api_name="/submit")
        out.append(time.perf_counter() - start)
        trial_token = reply[3]
    return out


def browser_path(url: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        executable = chromium_executable()
        if executable is None:
            raise SystemExit("no Chromium: install the Debian package chromium or set HUMANS_CHROMIUM")
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        page = browser.new_page()
        page.goto(url + "?PROLIFIC_PID=browserrater")
        page.locator("#humans-agree").click(timeout=30000)
        page.locator("#humans-begin").click()
        while len(out) < TRIALS:
            page.wait_for_selector("#humans-trial, #humans-done", timeout=30000)
            if page.locator("#humans-done").count():
                break
            token = page.get_attribute("#humans-trial", "data-token")
            page.get_by_label("A is better", exact=True).check()
            start = time.perf_counter()
            page.click("#humans-submit")
            page.wait_for_function(
                f"() => !document.getElementById('humans-trial') || "
                f"document.getElementById('humans-trial').dataset.token !== {token!r}",
                polling=5,
                timeout=30000,
            )
            out.append(time.perf_counter() - start)
        browser.close()
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_study(
            Path(tmp) / "study",
            scenarios=20,
            targets={"trials_per_rater": TRIALS + 1, "raters_per_pair": 3},
            quality={"min_listen_fraction": 0.0, "require_full_playback": False, "attention_checks": 0},
        )
        server = build_server(ServeConfig(root, Path(tmp) / "bench.sqlite", port=0, seed=1))
        try:
            anchor = service_path(server)
            with running(server) as urls:
                api = api_path(urls["rater"])
                browser = browser_path(urls["rater"])
        finally:
            server.close()
    base = statistics.median(anchor) * 1000
    print(summary("RaterService submit + next trial", anchor, None))
    print(summary("Gradio API over loopback", api, base))
    print(summary("Chromium click -> next trial shown", browser, base))


if __name__ == "__main__":
    main()
