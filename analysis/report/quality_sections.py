"""Report sections of the study-quality features: length-controlled scores, aspect leaderboards, consistency
re-shows and the questionnaire summary.

Each function returns None when its columns are absent, so a study without the feature gets no empty section.
The numbers come from :func:`analysis.bt_covariates.bt_controlled`, :func:`analysis.bradley_terry.bt_scores`
and :func:`analysis.consistency_stats.consistency_summary`; this module lays them out.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from analysis.bradley_terry import bt_scores
from analysis.bt_covariates import COVARIATES, bt_controlled
from analysis.consistency_stats import consistency_summary
from analysis.errors import HumansError
from analysis.report.html import Section, table_html

__all__ = ["aspect_section", "consistency_section", "controlled_section", "questionnaire_section"]

#: A text answer column with more distinct values than this (and than half its answers) is free text: counted,
#: not listed.
FREE_TEXT_DISTINCT = 10


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def controlled_section(votes: pd.DataFrame, *, level: float) -> Section | None:
    """Leaderboard controlled for the conversations' length (duration, words, turns) beside the raw one."""
    available = [c for c in COVARIATES if {f"{c}_a", f"{c}_b"} <= set(votes.columns)]
    usable = []
    for name in available:
        a = pd.to_numeric(votes[f"{name}_a"], errors="coerce")
        b = pd.to_numeric(votes[f"{name}_b"], errors="coerce")
        if a.notna().all() and b.notna().all() and (a != b).any():
            usable.append(name)
    if not usable:
        return None
    try:
        result = bt_controlled(votes, usable, level=level)
    except HumansError as exc:
        return Section("controlled", "Length-controlled scores", _note(f"Not computed: {exc}"))
    t = result.table
    board = pd.DataFrame(
        {
            "rank": t["rank"],
            "model": t["model"],
            "Elo (controlled)": t["elo"],
            "CI low": 1000 + 400 / np.log(10) * t["theta_low"],
            "CI high": 1000 + 400 / np.log(10) * t["theta_high"],
            "raw rank": t["rank_raw"],
            "Elo (raw)": t["elo_raw"],
        }
    )
    coef = result.coefficients.rename(columns={"coef": "coefficient", "low": "CI low", "high": "CI high"})
    coef["meaning"] = [COVARIATES[c] for c in coef["covariate"]]
    fmt = {"Elo (controlled)": ".0f", "CI low": ".0f", "CI high": ".0f", "Elo (raw)": ".0f"}
    body = (
        f"<p>Bradley–Terry with the relative difference of the two conversations' {', '.join(usable)} as "
        f"covariates (style control, Li et al. 2024): the strengths are what remains when the length is held "
        f"fixed. {level:.0%} Wald intervals; the raw leaderboard's rank and Elo beside them.</p>"
        + table_html(board, fmt, numeric=("rank", "raw rank"))
        + "<p>Covariate coefficients (log-odds per one standard deviation of (a − b) / (a + b); positive: the "
        "longer conversation is preferred):</p>"
        + table_html(
            coef[["covariate", "coefficient", "CI low", "CI high", "meaning"]],
            {"coefficient": "+.3f", "CI low": "+.3f", "CI high": "+.3f"},
        )
    )
    return Section("controlled", "Length-controlled scores", body)


def aspect_section(votes: pd.DataFrame, *, level: float) -> Section | None:
    """One leaderboard per aspect (columns ``aspect_<name>``), side by side with the overall preference."""
    aspects = [c.removeprefix("aspect_") for c in votes.columns if c.startswith("aspect_")]
    if not aspects:
        return None
    overall = bt_scores(votes, level=level, progress=False).table.set_index("model")
    board = pd.DataFrame({"model": overall.index, "overall Elo": overall["elo"].to_numpy()})
    notes = []
    for aspect in aspects:
        answered = votes.loc[votes[f"aspect_{aspect}"].notna() & votes[f"aspect_{aspect}"].astype(str).ne("")]
        answered = answered.assign(winner=answered[f"aspect_{aspect}"].astype(str))
        try:
            table = bt_scores(answered, level=level, progress=False).table.set_index("model")
        except HumansError as exc:
            notes.append(f"{aspect}: not computed ({exc})")
            continue
        board[f"{aspect} Elo"] = table["elo"].reindex(board["model"]).to_numpy()
        board[f"{aspect} ±"] = (
            (table["elo"] - 1000 - 400 / np.log(10) * table["theta_low"]).reindex(board["model"]).to_numpy()
        )
    board = board.sort_values("overall Elo", ascending=False)
    fmt = {c: ".0f" for c in board.columns if c != "model"}
    body = (
        f"<p>Bradley–Terry scores of each aspect asked besides the overall preference ({', '.join(aspects)}); "
        f"± is the half-width of the {level:.0%} Wald interval on the Elo scale. Run "
        f"<code>humans scores VOTES --aspect NAME</code> for one aspect with bootstrap intervals.</p>"
        + table_html(board, fmt)
        + "".join(_note(n) for n in notes)
    )
    return Section("aspects", "Aspects", body)


def consistency_section(votes: pd.DataFrame, *, level: float, min_consistency: float | None = None) -> Section | None:
    """Self-consistency on re-shown pairs, per rater and for the study (rater columns of the export)."""
    if not {"rater", "rater_reshows", "rater_reshows_consistent"} <= set(votes.columns):
        return None
    raters = votes.drop_duplicates("rater")[["rater", "rater_reshows", "rater_reshows_consistent"]]
    raters = raters.rename(columns={"rater_reshows": "reshows", "rater_reshows_consistent": "consistent"})
    raters = raters[pd.to_numeric(raters["reshows"], errors="coerce").fillna(0) > 0]
    if raters.empty:
        return None
    summary = consistency_summary(raters, level=level, min_consistency=min_consistency)
    study = summary.study
    per = summary.raters.sort_values("consistency")
    body = (
        f"<p>{study['reshows']} re-shown pairs (sides swapped) by {study['raters']} raters: "
        f"{study['consistency']:.0%} answered the same way "
        f"({level:.0%} Wilson interval {study['low']:.0%}–{study['high']:.0%}).</p>"
        + table_html(
            per.rename(columns={"low": "CI low", "high": "CI high"}),
            {"consistency": ".2f", "CI low": ".2f", "CI high": ".2f"},
            numeric=("reshows", "consistent"),
        )
    )
    return Section("consistency", "Consistency re-shows", body)


def questionnaire_section(raters: pd.DataFrame, free_text: tuple[str, ...] = ()) -> Section | None:
    """Answers to the questionnaires (columns ``q_<name>`` of the raters table), summarised per question.

    Answers of the questions named in ``free_text`` (``text`` questions) are counted, never listed; without that
    list, a column with many distinct answers is taken for free text.
    """
    columns = [c for c in raters.columns if c.startswith("q_")]
    if not columns:
        return None
    rows = []
    for column in columns:
        values = raters[column].astype(object).dropna()  # plain objects whatever the frame's dtypes (Arrow, ...)
        values = values[values.astype(str).str.strip() != ""]
        name = column.removeprefix("q_")
        if values.empty:
            rows.append({"question": name, "answers": 0, "summary": "–"})
            continue
        numeric = pd.to_numeric(values.astype(str), errors="coerce").astype(float)
        if numeric.notna().all():
            summary = (
                f"median {numeric.median():g} (range {numeric.min():g}–{numeric.max():g}), mean {numeric.mean():.2f}"
            )
        else:
            parts = values.astype(str).str.split("; ").explode()
            counts = parts.value_counts()
            if name in free_text or (len(counts) > FREE_TEXT_DISTINCT and len(counts) > len(values) / 2):
                summary = "free text (not listed here; see the raters table)"
            else:
                summary = ", ".join(f"{k}: {v}" for k, v in counts.items())
        rows.append({"question": name, "answers": len(values), "summary": summary})
    body = f"<p>{len(raters)} raters; answers per question of the questionnaires.</p>" + table_html(
        pd.DataFrame(rows), numeric=("answers",)
    )
    return Section("questionnaire", "Questionnaires", body)
