"""What the admin dashboard shows, computed from the store and the ``analysis`` package (no Gradio here).

:func:`snapshot` reads the database once and returns a :class:`DashboardSnapshot`: progress against the targets,
the leaderboard (Bradley–Terry with bootstrap intervals from :func:`analysis.bradley_terry.bt_scores`, the human
score, Likert means), the win-rate matrix and rater quality. The leaderboard is fitted on exactly the rows that
``humans export DB --format csv`` writes (trial votes of unflagged raters), with the options in
:class:`LeaderboardSettings`, so ``humans scores`` on the exported CSV with :meth:`LeaderboardSettings.cli_args`
prints the same leaderboard.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.bradley_terry import BTScores, bt_scores
from analysis.diagnostics import agreement, position_bias, win_rate_matrix
from analysis.errors import HumansError
from analysis.likert import likert_scores
from analysis.ranking_support import ranking_support
from annotation_app.dashboard_quality import quality_sections
from annotation_app.export import export, read_export
from annotation_app.export.tables import pseudonym
from annotation_app.store import Store
from annotation_app.study.model import RatingConfig

__all__ = [
    "DashboardSnapshot",
    "LeaderboardSettings",
    "epoch_seconds",
    "export_download",
    "flag_rater",
    "pending_snapshot",
    "snapshot",
    "with_fresh_progress",
]


#: Columns of the dashboard's raters table (:attr:`DashboardSnapshot.raters`).
RATER_TABLE_COLUMNS = (
    "id",
    "external_id",
    "pseudonym",
    "stage",
    "votes",
    "attention",
    "left_share",
    "median_trial_s",
    "flagged",
    "flag_reason",
)


@dataclass(frozen=True)
class LeaderboardSettings:
    """Options of the live leaderboard (the same names as ``humans scores``)."""

    ties: str = "half"
    bootstrap: int = 200
    cluster: str | None = "rater"
    seed: int = 0
    level: float = 0.95

    def cli_args(self) -> list[str]:
        """The ``humans scores`` options that reproduce this leaderboard."""
        args = ["--ties", self.ties, "--bootstrap", str(self.bootstrap), "--seed", str(self.seed)]
        args += ["--level", str(self.level)] + (["--cluster", self.cluster] if self.cluster else [])
        return args


@dataclass(frozen=True)
class DashboardSnapshot:
    """One reading of the study for the dashboard (server side: carries model names and external ids).

    Attributes
    ----------
    summary : dict
        ``votes``, ``needed``, ``target``, ``raters`` (started/finished/flagged/screened_out), ``median_trial_s``,
        ``votes_per_hour``, ``eta_s`` (None when unknown) and ``scheme``.
    pairs, model_pairs : DataFrame
        Votes against the target per pair (per conversation for Likert-only) and per model pair (per model).
    leaderboard : DataFrame
        Best first: ``rank``, ``model``, ``elo``, ``human_score``, ``theta``, ``theta_low``, ``theta_high``,
        ``n_votes`` and, with Likert ratings, ``likert``, ``likert_low``, ``likert_high``.
    bt : BTScores or None
    win_rates : DataFrame or None
    raters : DataFrame
        One row per rater with ``id`` (for flagging), ``external_id``, ``pseudonym``, ``stage``, ``votes``,
        ``attention`` (passed/answered), ``left_share``, ``median_trial_s``, ``flagged``, ``flag_reason``.
    quality : dict
        ``attention_pass_rate``, ``left_share``, ``left_p``, ``alpha``, ``alpha_items`` (None when not computable).
    notes : list of str
        Why a part is missing (too few votes, disconnected comparisons, ...).
    ranking_warnings : list of str
        Why the votes cannot support a ranking yet (:func:`analysis.ranking_support.ranking_support`); when not
        empty the leaderboard holds raw counts (``votes``, ``wins``, ``ties``, ``losses``), not scores.
    """

    summary: dict
    pairs: pd.DataFrame
    model_pairs: pd.DataFrame
    leaderboard: pd.DataFrame
    bt: BTScores | None
    win_rates: pd.DataFrame | None
    raters: pd.DataFrame
    quality: dict
    settings: LeaderboardSettings
    notes: list[str] = field(default_factory=list)
    ranking_warnings: list[str] = field(default_factory=list)
    #: Study-quality sections (screening, length-controlled and aspect leaderboards, consistency, questionnaires)
    #: as HTML, from :func:`annotation_app.dashboard_quality.quality_sections`.
    study_quality: str = ""
    #: None when every part is up to date; else the trial-vote count the leaderboard, pace, agreement and quality
    #: parts were computed at (progress and rater counts are fresh: :func:`with_fresh_progress`).
    as_of_votes: int | None = None
    #: True for :func:`pending_snapshot`: progress and rater counts only, the rest not computed yet.
    pending: bool = False


def epoch_seconds(stamps: pd.Series) -> np.ndarray:
    """ISO 8601 time stamps as seconds since the Unix epoch (float), whatever unit pandas stores datetimes in.

    pandas 2 stores nanoseconds and pandas 3 infers microseconds (or milliseconds) from the strings, so
    ``astype("int64") / 1e9`` is off by 1000x under pandas 3; subtracting the epoch gives a Timedelta, whose
    ``total_seconds`` knows its unit.

    Examples
    --------
    >>> epoch_seconds(pd.Series(["1970-01-01T00:01:00.500Z", "2026-01-01T00:00:00.000Z"])).tolist()
    [60.5, 1767225600.0]
    """
    times = pd.to_datetime(stamps, utc=True)
    return (times - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(float)


def _eta(times: np.ndarray, remaining: int) -> tuple[float | None, float | None]:
    """Votes per hour over the last hour of voting (the whole span when shorter), and seconds to go."""
    if len(times) < 2:
        return None, None
    last = times.max()
    recent = times[times >= last - 3600.0]
    span = last - recent.min() if len(recent) >= 2 else 0.0
    if span <= 0:
        return None, None
    per_s = (len(recent) - 1) / span
    return per_s * 3600.0, (remaining / per_s if remaining > 0 else 0.0)


def _progress(store: Store, likert_only: bool, target: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = store.conversation_progress() if likert_only else store.pair_progress()
    key = "model" if likert_only else "model pair"
    rows = [
        {
            "scenario": r["scenario"],
            key: r["model"] if likert_only else f"{r['model_a']} vs {r['model_b']}",
            "votes": int(r["votes"]),
            "open": int(r["open"] or 0),
            "target": target,
        }
        for r in items
    ]
    pairs = pd.DataFrame(rows, columns=["scenario", key, "votes", "open", "target"])
    pairs = pairs.sort_values(["votes", "scenario", key], kind="stable").reset_index(drop=True)  # least covered first
    grouped: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        grouped[r[key]].append(r["votes"])
    model_pairs = pd.DataFrame(
        [
            {key: name, "votes": sum(v), "target": target * len(v), "done": f"{min(1, sum(v) / (target * len(v))):.0%}"}
            for name, v in sorted(grouped.items())
        ],
        columns=[key, "votes", "target", "done"],
    )
    return pairs, model_pairs


def _likert_long(frame: pd.DataFrame, likert_only: bool) -> pd.DataFrame:
    if likert_only:
        return pd.DataFrame({"model": frame["model"], "rating": frame["rating"], "rater": frame["rater"]})
    parts = [
        pd.DataFrame({"model": frame[f"model_{s}"], "rating": frame[f"likert_{s}"], "rater": frame["rater"]})
        for s in ("a", "b")
    ]
    return pd.concat(parts, ignore_index=True).dropna(subset=["rating"])


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Votes, wins, ties (and 'both bad') and losses per model: what is shown while no ranking is supported."""
    sides = []
    for own, other in (("model_a", "model_b"), ("model_b", "model_a")):
        won = frame["winner"].eq(own)
        lost = frame["winner"].eq(other)
        sides.append(pd.DataFrame({"model": frame[own], "wins": won, "ties": ~(won | lost), "losses": lost}))
    both = pd.concat(sides, ignore_index=True)
    table = both.groupby("model").sum().astype(int)
    table.insert(0, "votes", table.sum(axis=1))
    return table.sort_values(["wins", "votes"], ascending=False).reset_index()


def _leaderboard(frame, rating, points, settings, notes, warnings) -> tuple[pd.DataFrame, BTScores | None]:
    bt = None
    board = pd.DataFrame({"model": pd.Series([], dtype=object)})
    if rating.asks_preference and len(frame):
        warnings += ranking_support(frame)
    if warnings:
        board = _counts(frame)
    elif rating.asks_preference and len(frame):
        try:
            bt = bt_scores(
                frame,
                ties=settings.ties,
                bootstrap=settings.bootstrap,
                cluster=settings.cluster,
                seed=settings.seed,
                level=settings.level,
                progress=False,
                source="study database",
            )
            board = bt.table.drop(columns=["se"]).copy()
        except HumansError as exc:
            notes.append(f"No Bradley–Terry leaderboard yet: {exc}")
    if rating.asks_likert and len(frame):
        ratings = _likert_long(frame, rating.likert_only)
        if len(ratings):
            lk = likert_scores(ratings, scale=(1, int(points)), level=settings.level, source="study database")
            lk = lk.rename(columns={"score": "likert", "low": "likert_low", "high": "likert_high", "n": "ratings"})
            lk = lk.drop(columns=["sd"])
            board = board.merge(lk, on="model", how="left") if len(board) else lk
    if len(board) == 0:
        notes.append("No trial votes from unflagged raters yet.")
    if not warnings:  # raw counts carry no rank
        board.insert(0, "rank", np.arange(1, len(board) + 1))
    return board.reset_index(drop=True), bt


def _quality(
    store: Store, everyone: pd.DataFrame, scored: pd.DataFrame, rating: RatingConfig, notes: list[str]
) -> tuple[pd.DataFrame, dict]:
    """The raters table (every rater) and the study's quality numbers.

    Left share and agreement are computed on ``scored`` (trial votes of unflagged raters: the leaderboard's
    votes, and what ``humans report`` reads from a default export); attention checks count every rater's checks,
    flagged raters included (leaving them out would hide the failures that flagged them).
    """
    salt = store.pseudonym_salt()
    checks = store.attention_by_rater()
    summary = store.rater_summary()
    quality: dict = {
        "attention_pass_rate": (1 - summary["attention_failed"] / summary["attention_checks"])
        if summary["attention_checks"]
        else None,
        "left_share": None,
        "left_p": None,
        "alpha": None,
        "alpha_items": None,
        "attention_checks": int(summary["attention_checks"]),
        "attention_failed": int(summary["attention_failed"]),
        "raters": int(summary["started"]),
        "flagged": int(summary["flagged"]),
    }
    per_rater = pd.DataFrame(columns=["rater", "left_share"])
    if rating.asks_preference and len(everyone):
        try:
            per_rater = position_bias(everyone, source="study database").per_rater  # every rater, for the table
            bias = position_bias(scored, source="study database")
            quality["left_share"], quality["left_p"] = bias.left_share, bias.p_value
        except HumansError as exc:
            notes.append(f"Position bias: {exc}")
        try:
            agree = agreement(scored, source="study database")
            quality["alpha"], quality["alpha_items"] = agree.alpha, agree.n_items
        except HumansError as exc:
            notes.append(f"Agreement: {exc}")
    left = dict(zip(per_rater["rater"], per_rater["left_share"], strict=True))
    medians = everyone.groupby("rater")["time_to_vote_s"].median().to_dict() if len(everyone) else {}
    rows = []
    for r in store.rater_rows():
        alias = pseudonym(salt, r["external_id"])
        c = checks.get(r["id"], {"checks": 0, "failed": 0})
        rows.append(
            {
                "id": r["id"],
                "external_id": r["external_id"],
                "pseudonym": alias,
                "stage": r["stage"],
                "votes": int(r["votes"]),
                "attention": f"{c['checks'] - (c['failed'] or 0)}/{c['checks']}",
                "left_share": left.get(alias),
                "median_trial_s": medians.get(alias),
                "flagged": bool(r["flagged"]),
                "flag_reason": r["flag_reason"] or "",
            }
        )
    table = pd.DataFrame(rows, columns=list(RATER_TABLE_COLUMNS))
    table = table.sort_values(["flagged", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return table, quality


def snapshot(store: Store, settings: LeaderboardSettings | None = None) -> DashboardSnapshot:
    """Read the study in ``store`` once and compute everything the dashboard shows.

    Parameters
    ----------
    store : Store
        The study's open database (the server's own store is fine: reads are short).
    settings : LeaderboardSettings, optional
        Options of the Bradley–Terry fit (default: ties half, 200 bootstrap rounds clustered by rater, seed 0).

    Returns
    -------
    DashboardSnapshot
    """
    settings = settings or LeaderboardSettings()
    notes: list[str] = []
    data = read_export(store, include_flagged=True, with_preferences=False)
    everyone = data.main.to_frame()
    # trial votes of unflagged raters, in vote order: the rows `humans export` writes and the leaderboard uses
    frame = everyone[~everyone["rater_flagged"].astype(bool)].reset_index(drop=True) if len(everyone) else everyone
    scheme, config = data.scheme, data.config
    rating = config.rating
    target = config.targets.raters_per_pair
    pairs, model_pairs = _progress(store, rating.likert_only, target)
    raters = store.rater_summary()
    stamps = epoch_seconds(everyone["voted_at"]) if len(everyone) else np.array([])
    needed = int(target * len(pairs))
    remaining = int((pairs["target"] - pairs["votes"]).clip(lower=0).sum()) if len(pairs) else 0
    per_hour, eta = _eta(stamps, remaining)
    summary = {
        "scheme": scheme,
        "title": data.title,
        "votes": int(pairs["votes"].sum()) if len(pairs) else 0,
        "needed": needed,
        "remaining": remaining,
        "target": target,
        "raters": {k: int(raters[k]) for k in ("started", "declined", "finished", "flagged", "screened_out")},
        "median_trial_s": float(everyone["time_to_vote_s"].median()) if len(everyone) else None,
        "votes_per_hour": per_hour,
        "eta_s": eta,
    }
    points = config.rating.likert_points
    warnings: list[str] = []
    board, bt = _leaderboard(frame, rating, points, settings, notes, warnings)
    win_rates = None
    if rating.asks_preference and len(frame):
        win_rates = win_rate_matrix(frame, source="study database")
        if bt is not None:  # rows and columns in leaderboard order
            order = bt.table["model"].tolist()
            win_rates = win_rates.reindex(index=order, columns=order)
    rater_table, quality = _quality(store, everyone, frame, rating, notes)
    study_quality = quality_sections(frame, data.rater_table, config, level=settings.level)
    return DashboardSnapshot(
        summary,
        pairs,
        model_pairs,
        board,
        bt,
        win_rates,
        rater_table,
        quality,
        settings,
        notes,
        warnings,
        study_quality,
    )


def with_fresh_progress(store: Store, computed: DashboardSnapshot) -> DashboardSnapshot:
    """``computed`` with its progress parts read afresh: a few SQL aggregates (milliseconds at 100,000 votes).

    The per-pair and per-model-pair progress tables, the trial-vote count, target and remaining votes and the
    rater counts are recomputed exactly as :func:`snapshot` does; the time to target divides the fresh remaining
    votes by the computed pace. Everything else (leaderboard, win rates, pace, rater table, quality) is that of
    ``computed``, and ``as_of_votes`` says at how many trial votes it was computed (the page says so).
    """
    summary = dict(computed.summary)
    target = int(summary["target"])
    pairs, model_pairs = _progress(store, summary["scheme"] == "likert", target)
    raters = store.rater_summary()
    remaining = int((pairs["target"] - pairs["votes"]).clip(lower=0).sum()) if len(pairs) else 0
    votes = int(pairs["votes"].sum()) if len(pairs) else 0
    per_hour = summary["votes_per_hour"]
    summary.update(
        votes=votes,
        needed=int(target * len(pairs)),
        remaining=remaining,
        raters={k: int(raters[k]) for k in ("started", "declined", "finished", "flagged", "screened_out")},
        eta_s=(remaining / (per_hour / 3600.0) if remaining > 0 else 0.0) if per_hour else summary["eta_s"],
    )
    as_of = computed.summary["votes"] if computed.as_of_votes is None else computed.as_of_votes
    return replace(computed, summary=summary, pairs=pairs, model_pairs=model_pairs, as_of_votes=as_of)


def pending_snapshot(store: Store, settings: LeaderboardSettings | None = None) -> DashboardSnapshot:
    """What the dashboard shows before the first full :func:`snapshot` is computed: the progress parts of
    :func:`with_fresh_progress` (a few SQL aggregates), an empty leaderboard, raters table and quality panel, and
    ``pending`` set so the page says that the rest is being computed.

    At 100,000 votes a full snapshot takes seconds (``benchmarks/dashboard_100k.py``); this takes milliseconds, so
    a researcher who opens the dashboard right after the server started sees the study's progress at once.
    """
    settings = settings or LeaderboardSettings()
    config = store.load_study().config
    summary = {
        "scheme": config.rating.scheme,
        "title": store.study_row()["title"],
        "target": config.targets.raters_per_pair,
        "votes": 0,
        "median_trial_s": None,
        "votes_per_hour": None,
        "eta_s": None,
    }
    quality = dict.fromkeys(("attention_pass_rate", "left_share", "left_p", "alpha", "alpha_items"))
    blank = DashboardSnapshot(
        summary=summary,
        pairs=pd.DataFrame(),
        model_pairs=pd.DataFrame(),
        leaderboard=pd.DataFrame({"model": pd.Series([], dtype=object)}),
        bt=None,
        win_rates=None,
        raters=pd.DataFrame(columns=list(RATER_TABLE_COLUMNS)),
        quality=quality,
        settings=settings,
        pending=True,
    )
    return replace(with_fresh_progress(store, blank), as_of_votes=None)


def flag_rater(store: Store, rater_id: int | float | str | None, flagged: bool, reason: str = "") -> str:
    """Flag or unflag a rater by row id (a number, or the text of the dashboard's id box); returns a one-line
    message for the dashboard.

    Raises
    ------
    HumansError
        When the id is empty or not a whole number, or no rater has it.
    """
    if rater_id is None or (isinstance(rater_id, str) and not rater_id.strip()):
        raise HumansError("type a rater id first; copy it from the id column of the raters table.")
    try:
        number = float(rater_id)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise HumansError(f"rater id {rater_id!r} is not a whole number; copy it from the id column.")
    rater_id = int(number)
    if not store.set_rater_flag(int(rater_id), flagged, reason.strip() or None):
        raise HumansError(f"no rater has id {int(rater_id)}; copy the id from the raters table.")
    return f"rater {int(rater_id)} {'flagged' if flagged else 'unflagged'}"


def export_download(db: Path, fmt: str, folder: Path, include_flagged: bool = False) -> list[Path]:
    """Export for a download: the files of ``humans export`` in a new folder under ``folder``; hf as one zip."""
    folder.mkdir(parents=True, exist_ok=True)
    run = Path(tempfile.mkdtemp(prefix=f"export-{fmt}-", dir=folder))
    if fmt == "hf":
        result = export(db, "hf", run / "dataset", include_flagged=include_flagged)
        archive = shutil.make_archive(str(run / "dataset"), "zip", root_dir=run / "dataset")
        return [Path(archive)] if result.paths else []
    return export(db, fmt, run / f"votes.{fmt}", include_flagged=include_flagged).paths
