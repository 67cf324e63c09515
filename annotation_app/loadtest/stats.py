"""What a load test measured: latency per request kind, throughput, errors, and the votes the server acknowledged.

Latencies are wall-clock seconds from the first byte sent to the last byte received (for an event outside the
queue, of its ``run/predict`` request; for a queued event, from ``queue/join`` to ``process_completed``),
percentiles by linear interpolation (``numpy.percentile``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["EVENT_KINDS", "LoadReport", "Recorder"]

#: Request kinds that are Gradio events (the rest are page, asset, config and audio fetches).
EVENT_KINDS = frozenset({"enter", "start", "consent", "instructions", "submit", "noop"})


@dataclass
class Recorder:
    """Collects every request's kind, latency and HTTP status (0 = no answer) while a load test runs."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter = field(default_factory=Counter)
    acknowledged: list[dict] = field(default_factory=list)
    first_event_s: float | None = None
    last_event_s: float | None = None

    def request(self, kind: str, seconds: float, status: int, now: float) -> None:
        """Record one request that ended at ``now`` (monotonic seconds)."""
        self.statuses[kind][status] += 1
        if 200 <= status < 400:
            self.latencies[kind].append(seconds)
        if kind in EVENT_KINDS:
            start = now - seconds
            self.first_event_s = start if self.first_event_s is None else min(self.first_event_s, start)
            self.last_event_s = now if self.last_event_s is None else max(self.last_event_s, now)

    def error(self, kind: str, message: str) -> None:
        """Count an error of ``kind`` (similar messages are grouped by their first 120 characters)."""
        self.errors[f"{kind}: {message[:120]}"] += 1


@dataclass(frozen=True)
class LoadReport:
    """The summary of a load test (``to_dict()`` is what ``--json`` writes).

    Attributes
    ----------
    kinds : dict
        Per request kind: ``n`` (answered), ``p50_ms``, ``p90_ms``, ``p99_ms``, ``max_ms``, ``status`` counts.
    events_per_s : float
        Gradio events answered per second between the first event sent and the last one answered.
    errors : dict
        Error message -> count (refused votes, HTTP errors, the server being down).
    acknowledged : list of dict
        One ``{"rater", "trial"}`` per vote the server acknowledged (the trial token it answered).
    """

    settings: dict
    wall_s: float
    events: int
    events_per_s: float
    kinds: dict[str, dict]
    errors: dict[str, int]
    http_5xx: int
    raters_started: int
    raters_finished: int
    outages: int
    acknowledged: list[dict]

    @classmethod
    def from_recorder(cls, rec: Recorder, *, settings: dict, wall_s: float, started: int, finished: int, outages: int):
        """Summarise a :class:`Recorder`."""
        kinds = {}
        for kind in sorted(set(rec.latencies) | set(rec.statuses)):
            ms = np.asarray(rec.latencies.get(kind, []), dtype=float) * 1000
            q = np.percentile(ms, [50, 90, 99]) if ms.size else [float("nan")] * 3
            kinds[kind] = {
                "n": int(ms.size),
                "p50_ms": round(float(q[0]), 1),
                "p90_ms": round(float(q[1]), 1),
                "p99_ms": round(float(q[2]), 1),
                "max_ms": round(float(ms.max()), 1) if ms.size else float("nan"),
                "status": {str(k): v for k, v in sorted(rec.statuses[kind].items())},
            }
        events = sum(kinds[k]["n"] for k in kinds if k in EVENT_KINDS)
        span = (rec.last_event_s - rec.first_event_s) if rec.first_event_s is not None else 0.0
        fivexx = sum(v for c in rec.statuses.values() for k, v in c.items() if k >= 500)
        return cls(
            settings=settings,
            wall_s=round(wall_s, 2),
            events=events,
            events_per_s=round(events / span, 2) if span > 0 else 0.0,
            kinds=kinds,
            errors=dict(rec.errors.most_common()),
            http_5xx=fivexx,
            raters_started=started,
            raters_finished=finished,
            outages=outages,
            acknowledged=list(rec.acknowledged),
        )

    @property
    def votes(self) -> int:
        """Votes the server acknowledged."""
        return len(self.acknowledged)

    def to_dict(self) -> dict:
        """A JSON-ready dict of everything."""
        return {
            "settings": self.settings,
            "wall_s": self.wall_s,
            "events": self.events,
            "events_per_s": self.events_per_s,
            "votes_acknowledged": self.votes,
            "raters_started": self.raters_started,
            "raters_finished": self.raters_finished,
            "outages": self.outages,
            "http_5xx": self.http_5xx,
            "errors": self.errors,
            "kinds": self.kinds,
            "acknowledged": self.acknowledged,
        }

    def write_json(self, path: str | Path) -> None:
        """Write :meth:`to_dict` to ``path``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    def format(self) -> str:
        """A table for the terminal: one line per request kind, then throughput, votes and errors."""
        lines = [f"{'kind':<13}{'n':>8}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}  errors"]
        for kind, k in self.kinds.items():
            bad = sum(v for s, v in k["status"].items() if not 200 <= int(s) < 400)
            lines.append(
                f"{kind:<13}{k['n']:>8}{k['p50_ms']:>10.1f}{k['p90_ms']:>10.1f}{k['p99_ms']:>10.1f}"
                f"{k['max_ms']:>10.1f}  {bad}"
            )
        lines.append(
            f"{self.events} events in {self.wall_s:.1f} s: {self.events_per_s:.1f} events/s; "
            f"{self.votes} votes acknowledged; raters finished {self.raters_finished}/{self.raters_started}; "
            f"HTTP 5xx {self.http_5xx}; server outages seen {self.outages}"
        )
        if self.errors:
            lines.append("errors:")
            lines += [f"  {count:>6} x {message}" for message, count in list(self.errors.items())[:15]]
        else:
            lines.append("errors: none")
        return "\n".join(lines)
