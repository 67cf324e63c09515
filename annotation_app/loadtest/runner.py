"""Run many simulated raters against a deployed study from one process (asyncio), and summarise what they saw.

Design: every rater is a coroutine with its own browser tab (session hash, page query, token); all share one
connection pool, so one process holds thousands of raters while spending little CPU (the point: a generator that
needs one process per rater takes the CPU the server needs, and measures itself). Arrivals are spread uniformly
at random over ``arrival_minutes`` (a launch burst); think times are drawn uniformly from half to one and a half
times ``think`` (seeded), and a vote never comes before the study's listening floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import numpy as np

from analysis.errors import HumansError
from annotation_app.loadtest.gradio_tab import CallFailed, GradioTab, ServerDown
from annotation_app.loadtest.rater_flow import RaterPlan, run_noop_visitor, run_rater
from annotation_app.loadtest.stats import EVENT_KINDS, LoadReport, Recorder

__all__ = ["loadtest"]


@dataclass(frozen=True)
class _Settings:
    url: str
    raters: int
    arrival_minutes: float
    think: float
    trials: int
    seed: int
    assets: bool
    forwarded_for: bool
    down_wait_s: float
    timeout_s: float
    run_id: str


def loadtest(
    url: str,
    *,
    raters: int = 100,
    arrival_minutes: float = 5.0,
    think: float = 20.0,
    trials: int = 10,
    seed: int = 0,
    assets: bool = True,
    forwarded_for: bool = True,
    down_wait_s: float = 120.0,
    timeout_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Simulate ``raters`` crowdworkers taking part in the study served at ``url``.

    Parameters
    ----------
    url : str
        The rater URL of a running ``humans serve`` (or of a Gradio app with a ``noop`` event: the floor).
    raters : int, default 100
        Simulated raters; each arrives once, at a uniformly random time within ``arrival_minutes``.
    arrival_minutes : float, default 5
        Length of the arrival window (0: everyone at once).
    think : float, default 20
        Mean seconds from a trial appearing to its vote (and before each consent/instructions click); each pause
        is drawn from U(0.5, 1.5) x ``think``; a vote waits at least the study's listening floor.
    trials : int, default 10
        Votes per rater at most (fewer when the study gives a rater fewer trials).
    seed : int, default 0
        Seed of arrivals, pauses and answers.
    assets : bool, default True
        Fetch the page's scripts, styles and theme on a rater's first page load, as a fresh browser does.
    forwarded_for : bool, default True
        Send each rater's own made-up address (10.x.y.z) in ``X-Forwarded-For``; a server that trusts the sender
        as a proxy (``humans serve`` trusts loopback) counts new raters per address with it.
    down_wait_s, timeout_s : float
        How long a rater waits for a server that stopped answering, and for one request.
    progress : callable, optional
        Called with a one-line status every 10 s.

    Returns
    -------
    LoadReport
        Latency percentiles per request kind, events/s, errors and the acknowledged votes.

    Raises
    ------
    HumansError
        Bad parameters, or ``url`` does not answer with a Gradio page that has the rater events.
    """
    if raters < 1 or trials < 1:
        raise HumansError(f"--raters ({raters}) and --trials ({trials}) must be at least 1")
    if arrival_minutes < 0 or think < 0:
        raise HumansError(f"--arrival-minutes ({arrival_minutes}) and --think ({think}) cannot be negative")
    if not url.startswith(("http://", "https://")):
        raise HumansError(f"the URL {url!r} does not start with http:// or https://; give the study's rater URL")
    base = url.split("?", 1)[0]
    base = base if base.endswith("/") else base + "/"
    settings = _Settings(
        base,
        raters,
        arrival_minutes,
        think,
        trials,
        seed,
        assets,
        forwarded_for,
        down_wait_s,
        timeout_s,
        secrets.token_hex(3),
    )
    return asyncio.run(_run(settings, progress))


def _plans(s: _Settings) -> list[RaterPlan]:
    rng = np.random.default_rng(s.seed)
    starts = np.sort(rng.uniform(0, s.arrival_minutes * 60, s.raters)) if s.arrival_minutes > 0 else np.zeros(s.raters)
    plans = []
    for i, start in enumerate(starts):
        pid = f"loadtest{s.run_id}r{i:05d}"
        query = f"PROLIFIC_PID={pid}&STUDY_ID=loadtest{s.run_id}&SESSION_ID=s{i}"
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" if s.forwarded_for else None
        plans.append(RaterPlan(pid, query, float(start), s.think, s.trials, address))
    return plans


async def _run(s: _Settings, progress: Callable[[str], None] | None) -> LoadReport:
    rec = Recorder()
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=s.timeout_s)
    cpu0, wall0 = time.process_time(), time.monotonic()
    finished = 0
    outages = 0
    active = 0
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers={"User-Agent": _AGENT}) as http:

        def record(kind: str, seconds: float, status: int) -> None:
            rec.request(kind, seconds, status, time.monotonic())

        probe = GradioTab(http, s.url, record=lambda *a: None, timeout_s=s.timeout_s)
        try:
            await probe.open_page(assets=False)
        except (ServerDown, CallFailed) as exc:
            raise HumansError(f"{s.url} does not answer like a Gradio page ({exc}); is the server running?") from exc
        events = probe.config.events
        if {"enter", "submit"} <= set(events):
            flow = "rater"
        elif "noop" in events:
            flow = "noop"
        else:
            raise HumansError(
                f"{s.url} serves a Gradio app without the rater page's events (enter, submit); give the rater URL "
                "that `humans serve` prints"
            )

        async def one(plan: RaterPlan, index: int) -> None:
            nonlocal finished, outages, active
            await asyncio.sleep(max(0.0, plan.start_s - (time.monotonic() - wall0)))
            headers = {"X-Forwarded-For": plan.address} if plan.address else {}
            tab = GradioTab(http, s.url, plan.query, record=record, headers=headers, timeout_s=s.timeout_s)
            rng = np.random.default_rng([s.seed, index])
            active += 1
            try:
                if flow == "rater":
                    done, seen = await run_rater(tab, plan, rec, rng, assets=s.assets, down_wait_s=s.down_wait_s)
                else:
                    done, seen = await run_noop_visitor(tab, plan, rec, rng, assets=s.assets)
                finished += done
                outages += seen
            except (ServerDown, CallFailed) as exc:
                rec.error("rater", str(exc))
            finally:
                active -= 1

        plans = _plans(s)
        tasks = [asyncio.create_task(one(plan, i)) for i, plan in enumerate(plans)]
        ticker = asyncio.create_task(_tick(progress, rec, lambda: active, wall0)) if progress else None
        await asyncio.gather(*tasks)
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
    settings = {k: v for k, v in s.__dict__.items()}
    settings |= {"flow": flow, "client_cpu_s": round(time.process_time() - cpu0, 2), "python": sys.version.split()[0]}
    return LoadReport.from_recorder(
        rec, settings=settings, wall_s=time.monotonic() - wall0, started=len(plans), finished=finished, outages=outages
    )


_AGENT = "humans-loadtest (Gradio page protocol; see annotation_app/loadtest)"


async def _tick(progress: Callable[[str], None], rec: Recorder, active: Callable[[], int], wall0: float) -> None:
    while True:
        await asyncio.sleep(10)
        events = sum(len(v) for k, v in rec.latencies.items() if k in EVENT_KINDS)
        errors = sum(rec.errors.values())
        progress(
            f"{time.monotonic() - wall0:6.0f} s: {active()} raters active, {events} events, "
            f"{len(rec.acknowledged)} votes, {errors} errors"
        )
