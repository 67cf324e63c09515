"""Turn a :class:`~annotation_app.dashboard_data.DashboardSnapshot` into what the admin page displays.

Pure functions (no Gradio): Markdown texts, rounded tables and matplotlib figures, in the order of
:data:`VIEW_NAMES`, so the Gradio module only wires them to components.
"""

from __future__ import annotations

import html
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from annotation_app.dashboard_data import DashboardSnapshot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DOWNLOAD_ROUTE", "VIEW_NAMES", "download_links", "duration", "render"]

#: Path of the download route under the admin prefix (``/admin/<secret>/download/<run>/<file>``).
DOWNLOAD_ROUTE = "download"

#: What :func:`render` returns, in order.
VIEW_NAMES = (
    "summary",
    "leaderboard",
    "reproduce",
    "forest",
    "heatmap",
    "model_pairs",
    "pairs",
    "quality",
    "raters",
    "study_quality",
)


def duration(seconds: float | None) -> str:
    """Seconds as a short human duration.

    Examples
    --------
    >>> duration(42.0), duration(3720.0), duration(None)
    ('42 s', '1 h 2 min', 'unknown')
    """
    if seconds is None:
        return "unknown"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _summary(snap: DashboardSnapshot) -> str:
    s, r = snap.summary, snap.summary["raters"]
    unit = "conversation" if s["scheme"] == "likert" else "pair"
    share = s["votes"] / s["needed"] if s["needed"] else 0.0
    rate = f"{s['votes_per_hour']:.0f} votes/hour" if s["votes_per_hour"] is not None else "no rate yet"
    eta = "target reached" if s["remaining"] == 0 and s["needed"] else duration(s["eta_s"])
    lines = [
        f"**Trial votes** {s['votes']} of {s['needed']} ({share:.0%}; target {s['target']} per {unit}; every rater, "
        "attention checks and practice not counted) · "
        f"**Raters** {r['started']} started, {r['finished']} finished, {r['flagged']} flagged, "
        f"{r['screened_out']} screened out, {r['declined']} declined consent",
        f"**Median time per trial** {duration(s['median_trial_s'])} · **Pace** {rate} · **Time to target** {eta}",
    ]
    if snap.pending:
        lines[-1] = (
            "**Leaderboard, pace, raters table and quality are being computed** (the first time since the server "
            "started); the counts above are current. This page shows them when they are ready."
        )
    if snap.as_of_votes is not None:
        lines.append(
            f"**Leaderboard, pace, raters table and quality as of {snap.as_of_votes} trial votes**; counts and "
            "progress are current. Recomputing in the background: refresh again in a few seconds."
        )
    if snap.ranking_warnings:
        lines.append(
            "**No ranking yet: the votes cannot support one.** "
            + "; ".join(snap.ranking_warnings)
            + ". The leaderboard shows raw counts until they can."
        )
    lines += [f"_{note}_" for note in snap.notes]
    return "\n\n".join(lines)


def _rounded(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].astype(float).round(digits)
    return out


def _leaderboard(snap: DashboardSnapshot) -> pd.DataFrame:
    board = _rounded(snap.leaderboard)
    if "elo" in board.columns:
        board["elo"] = board["elo"].round(1)
    return board


def _reproduce(snap: DashboardSnapshot) -> str:
    if snap.bt is None:
        return ""
    s = snap.settings
    cluster = f", resampling whole {s.cluster}s" if s.cluster else ""
    command = shlex.join(["humans", "scores", "votes.csv", *s.cli_args()])
    return (
        f"Bradley–Terry (ties: {s.ties}), {s.level:.0%} intervals from {s.bootstrap} bootstrap rounds{cluster}; "
        f"trial votes of unflagged raters. Same numbers from an export: `{command}`"
    )


def _quality(snap: DashboardSnapshot) -> str:
    q = snap.quality

    def pct(x):
        return "n/a" if x is None else f"{x:.0%}"

    alpha = "n/a" if q["alpha"] is None else f"{q['alpha']:.3f} over {q['alpha_items']} repeated items"
    left = "n/a" if q["left_share"] is None else f"{q['left_share']:.1%} (binomial p = {q['left_p']:.3g})"
    checks = q.get("attention_checks", 0)
    attention = pct(q["attention_pass_rate"])
    if checks:
        attention += (
            f" ({checks - q['attention_failed']} of {checks} checks; all {q['raters']} raters, "
            f"{q['flagged']} flagged ones included)"
        )
    return (
        f"**Attention checks passed** {attention} · **Left side chosen** {left} · "
        f"**Agreement** (Krippendorff's α, ordinal) {alpha}\n\n"
        "_Left side and agreement: trial votes of unflagged raters (the leaderboard's votes, and what "
        "`humans report` reads from a default export)._"
    )


def _study_quality(snap: DashboardSnapshot) -> str:
    if snap.pending:
        return "<p>Being computed; shown here when ready.</p>"
    return snap.study_quality or "<p>This study uses no headphone check, aspects, re-shows or questionnaires.</p>"


def render(snap: DashboardSnapshot) -> tuple[str, pd.DataFrame, str, Figure | None, Figure | None, ...]:
    """The displayed values, in the order of :data:`VIEW_NAMES`."""
    from analysis.report.figures import forest_plot, win_rate_heatmap  # matplotlib: once the dashboard is opened

    board = snap.leaderboard
    interval = "bootstrap" if snap.settings.bootstrap else "Wald"
    forest = forest_plot(board, snap.settings.level, interval=interval) if snap.bt is not None else None
    heat = win_rate_heatmap(snap.win_rates) if snap.win_rates is not None and len(snap.win_rates) else None
    return (
        _summary(snap),
        _leaderboard(snap),
        _reproduce(snap),
        forest,
        heat,
        snap.model_pairs,
        snap.pairs,
        _quality(snap),
        _rounded(snap.raters, 2),
        _study_quality(snap),
    )


def download_links(paths: list[Path], root: Path) -> str:
    """HTML links (relative to the dashboard page) to exported files under ``root``."""
    items = []
    for path in paths:
        rel = Path(path).relative_to(root).as_posix()
        size = Path(path).stat().st_size
        items.append(
            f'<li><a href="{DOWNLOAD_ROUTE}/{html.escape(rel)}" download>{html.escape(Path(path).name)}</a> '
            f"({size / 1024:.1f} KiB)</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"
