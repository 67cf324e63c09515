"""Report sections computed from a study's votes: leaderboard, win rates, Likert ratings, rater quality, agreement.

Every number comes from the analysis functions (:func:`analysis.bradley_terry.bt_scores`,
:func:`analysis.diagnostics.win_rate_matrix`, :func:`analysis.diagnostics.position_bias`,
:func:`analysis.diagnostics.agreement`, :func:`analysis.likert.likert_scores`); this module only picks their inputs
from the exported vote table and lays the results out.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from analysis.bradley_terry import BTScores, bt_scores
from analysis.diagnostics import agreement, position_bias, win_rate_matrix
from analysis.errors import HumansError
from analysis.likert import likert_scores
from analysis.ranking_support import ranking_support
from analysis.report.figures import ELO_PER_THETA, forest_plot, likert_bars, position_funnel, vote_times
from analysis.report.figures import win_rate_heatmap as heatmap_figure
from analysis.report.html import Section, figure_html, table_html

__all__ = [
    "agreement_section",
    "check_votes_table",
    "is_pairwise",
    "leaderboard_section",
    "likert_ratings",
    "likert_section",
    "quality_section",
    "scored_votes",
    "win_rate_section",
]


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _flagged(votes: pd.DataFrame) -> np.ndarray:
    if "rater_flagged" not in votes.columns:
        return np.zeros(len(votes), dtype=bool)
    return votes["rater_flagged"].astype(str).str.lower().isin(["true", "1"]).to_numpy()


def is_pairwise(votes: pd.DataFrame) -> bool:
    """Whether ``votes`` is a comparisons table (``model_a``, ``model_b``, ``winner``)."""
    return {"model_a", "model_b", "winner"} <= set(votes.columns)


def check_votes_table(votes: pd.DataFrame, source: str) -> None:
    """Raise unless ``votes`` is pairwise (``model_a, model_b, winner``) or Likert (``model, rating``) votes.

    The message names the missing columns and, for item-level benchmark results, where they go instead.
    """
    columns = set(votes.columns)
    if (
        is_pairwise(votes)
        or {"model", "rating"} <= columns
        or {"likert_a", "likert_b", "model_a", "model_b"} <= columns
    ):
        return
    missing = [c for c in ("model_a", "model_b", "winner") if c not in columns]
    hint = " It looks like item-level benchmark results: pass them with --benchmark." if "item" in columns else ""
    raise HumansError(
        f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(map(str, votes.columns))}); votes "
        "are a study database or the table `humans export` writes (model_a, model_b, winner; or model, rating for "
        f"a Likert study).{hint}"
    )


def scored_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """The rows that enter the scores: trials (not attention checks or practice) of raters who are not flagged."""
    keep = ~_flagged(votes)
    if "kind" in votes.columns:
        keep &= votes["kind"].fillna("trial").astype(str).eq("trial").to_numpy()
    return votes[keep].reset_index(drop=True)


def leaderboard_section(
    votes: pd.DataFrame, *, ties: str, bootstrap: int, seed: int, level: float
) -> tuple[Section, BTScores]:
    """Bradley–Terry leaderboard (table and forest plot); intervals clustered by rater when raters are known."""
    cluster = "rater" if "rater" in votes.columns and bootstrap else None
    bt = bt_scores(votes, ties=ties, bootstrap=bootstrap, cluster=cluster, seed=seed, level=level, progress=False)
    table = bt.table
    board = pd.DataFrame(
        {
            "rank": np.arange(1, len(table) + 1),
            "model": table["model"],
            "Elo": table["elo"],
            "CI low": 1000 + ELO_PER_THETA * table["theta_low"],
            "CI high": 1000 + ELO_PER_THETA * table["theta_high"],
            "human score": table["human_score"],
            "θ (log scale)": table["theta"],
            "votes": table["n_votes"],
        }
    )
    interval = f"bootstrap, {bootstrap} rounds" + (" resampling raters" if cluster else "") if bootstrap else "Wald"
    fmt = {"Elo": ".0f", "CI low": ".0f", "CI high": ".0f", "human score": ".3f", "θ (log scale)": "+.3f"}
    tie_text = {"half": "ties count half a win each", "davidson": "ties by Davidson's model", "drop": "ties dropped"}
    extra = f" Davidson tie parameter ν = {bt.nu:.3f} [{bt.nu_low:.3f}, {bt.nu_high:.3f}]." if bt.nu is not None else ""
    reasons = ranking_support(votes)
    warning = (
        _note(
            "These votes cannot support a ranking yet: "
            + "; ".join(reasons)
            + ". The scores below are shown for inspection only; do not read them as a ranking."
        )
        if reasons
        else ""
    )
    body = warning + (
        f"<p>Bradley–Terry maximum-likelihood scores from {len(votes)} votes ({tie_text[ties]}).{extra} "
        f"The human score is the mean probability of beating each other model (0–1). Intervals: {level:.0%} "
        f"{interval}.</p>"
        + table_html(board, fmt, numeric=("rank", "votes"))
        + figure_html(
            forest_plot(table, level, interval="bootstrap" if bootstrap else "Wald"),
            "Forest plot of the Bradley–Terry scores with confidence intervals",
            f"Scores on the Elo scale with {level:.0%} intervals; the dashed line is the average model (1000).",
        )
    )
    return Section("leaderboard", "Leaderboard", body), bt


def win_rate_section(votes: pd.DataFrame, order: list[str]) -> Section:
    """Win-rate matrix as an annotated heatmap, models in leaderboard order."""
    matrix = win_rate_matrix(votes).reindex(index=order, columns=order)
    body = figure_html(
        heatmap_figure(matrix),
        "Heatmap of win rates between every two models",
        "Share of head-to-head votes the row model won (ties and 'both bad' count half); blank: never compared.",
    )
    return Section("win-rates", "Win rates", body)


def likert_ratings(votes: pd.DataFrame) -> tuple[pd.DataFrame, int] | None:
    """Long Likert ratings (``model``, ``rating``, ``rater``) and the number of scale points, or None.

    Reads a Likert-only export (``model``, ``rating``) or the ``likert_a``/``likert_b`` columns of a
    pairwise+likert export; the scale is ``likert_points`` when given, else the highest rating (at least 5).
    """
    rater = votes["rater"] if "rater" in votes.columns else pd.Series("?", index=votes.index)
    if {"model", "rating"} <= set(votes.columns):
        long = pd.DataFrame({"model": votes["model"], "rating": votes["rating"], "rater": rater})
    elif {"likert_a", "likert_b", "model_a", "model_b"} <= set(votes.columns):
        long = pd.concat(
            [
                pd.DataFrame({"model": votes[f"model_{s}"], "rating": votes[f"likert_{s}"], "rater": rater})
                for s in ("a", "b")
            ],
            ignore_index=True,
        )
    else:
        return None
    long = long.dropna(subset=["rating"]).reset_index(drop=True)
    if long.empty:
        return None
    long["rating"] = pd.to_numeric(long["rating"], errors="coerce")
    if "likert_points" in votes.columns and votes["likert_points"].notna().any():
        points = int(pd.to_numeric(votes["likert_points"], errors="coerce").max())
    else:
        points = max(5, int(np.nanmax(long["rating"].to_numpy(float))))
    return long, points


def likert_section(ratings: pd.DataFrame, points: int, *, level: float) -> Section:
    """Per-model Likert means (raw and rater-normalised) with intervals, and the rating distributions."""
    raw = likert_scores(ratings, scale=(1, points), level=level)
    norm = likert_scores(ratings, scale=(1, points), normalize=True, level=level)
    table = raw.merge(norm[["model", "score"]].rename(columns={"score": "rater-normalised"}), on="model")
    table = table.rename(columns={"score": "mean (0–1)", "low": "CI low", "high": "CI high", "n": "ratings"})
    table = table[["model", "mean (0–1)", "CI low", "CI high", "rater-normalised", "ratings"]]
    fmt = {c: ".3f" for c in ("mean (0–1)", "CI low", "CI high", "rater-normalised")}
    counts = (
        ratings.assign(rating=ratings["rating"].astype(int))
        .pivot_table(index="model", columns="rating", values="rater", aggfunc="size", fill_value=0)
        .reindex(index=table["model"], columns=range(1, points + 1), fill_value=0)
    )
    body = (
        f"<p>{len(ratings)} ratings on a 1–{points} scale, rescaled to 0–1 as (x − 1) / {points - 1}; {level:.0%} "
        "Student-t intervals. The rater-normalised mean z-scores each rater's ratings first (removing personal "
        "leniency).</p>"
        + table_html(table, fmt, numeric=("ratings",))
        + figure_html(
            likert_bars(counts, question=f"rating (1–{points})"),
            "Stacked bars of the Likert rating distribution per model",
            "Distribution of ratings per model, best mean on top; percentages of each model's ratings.",
        )
    )
    return Section("likert", "Likert ratings", body)


def quality_section(votes: pd.DataFrame) -> Section | None:
    """Position bias (overall and per rater), attention checks and time to vote; None without a ``left`` column."""
    if "left" not in votes.columns:
        return None
    bias = position_bias(votes)
    flagged = None
    parts = [
        f"<p class='key'>Left side chosen in <b>{bias.left_share:.1%}</b> of {bias.n} decisive votes "
        f"(exact binomial test against 50 %: p = {bias.p_value:.3g}); trial votes of the raters in this file, "
        "like the leaderboard.</p>"
    ]
    per_rater = bias.per_rater
    if per_rater is not None and len(per_rater):
        if "rater_flagged" in votes.columns:
            flagged = pd.Series(_flagged(votes), index=votes["rater"].astype(str)).groupby(level=0).any()
        parts.append(
            figure_html(
                position_funnel(per_rater, bias.left_share, flagged),
                "Share of left-side choices per rater against their number of decisive votes",
                "Each point is a rater. Raters outside the grey band chose the left side more (or less) often than "
                "chance allows for a rater without bias.",
            )
        )
        parts.append(_rater_table(votes, per_rater, flagged))
    if {"rater", "rater_attention_checks", "rater_attention_failed"} <= set(votes.columns):
        per = votes.groupby(votes["rater"].astype(str))[["rater_attention_checks", "rater_attention_failed"]].max()
        checks, failed = int(per.iloc[:, 0].sum()), int(per.iloc[:, 1].sum())
        if checks:
            parts.insert(
                1,
                f"<p>Attention checks: {checks - failed} of {checks} passed ({1 - failed / checks:.0%}); "
                f"{int((per.iloc[:, 1] > 0).sum())} of {len(per)} raters failed at least one. Counted over the "
                "raters in this file (an export leaves flagged raters out unless made with --include-flagged; the "
                "dashboard counts every rater).</p>",
            )
    if "time_to_vote_s" in votes.columns and votes["time_to_vote_s"].notna().any():
        parts.append(
            figure_html(
                vote_times(pd.to_numeric(votes["time_to_vote_s"], errors="coerce").to_numpy(float)),
                "Histogram of the time from trial shown to vote",
                "Time each vote took, from the trial being shown (includes listening to both conversations).",
            )
        )
    return Section("quality", "Position bias and rater quality", "\n".join(parts))


def _rater_table(votes: pd.DataFrame, per_rater: pd.DataFrame, flagged: pd.Series | None, top: int = 12) -> str:
    table = per_rater.rename(columns={"n": "decisive votes", "left_share": "left share", "p_value": "p (binomial)"})
    rater = votes["rater"].astype(str)
    table.insert(1, "votes", table["rater"].map(rater.value_counts()).fillna(0).astype(int))
    if "time_to_vote_s" in votes.columns:
        medians = pd.to_numeric(votes["time_to_vote_s"], errors="coerce").groupby(rater).median()
        table["median s/vote"] = table["rater"].map(medians)
    if flagged is not None:
        table["flagged"] = table["rater"].map(flagged).fillna(False).map({True: "yes", False: ""})
    fmt = {"left share": ".0%", "p (binomial)": ".3g", "median s/vote": ".0f"}
    shown = table.head(top)
    more = f" (the {top} most side-biased of {len(table)})" if len(table) > top else ""
    return f"<p>Raters by evidence of position bias{more}:</p>" + table_html(
        shown, fmt, numeric=("votes", "decisive votes")
    )


def agreement_section(votes: pd.DataFrame) -> Section:
    """Krippendorff's alpha (ordinal and nominal) over model pairs rated more than once."""
    try:
        ordinal = agreement(votes, level="ordinal")
        nominal = agreement(votes, level="nominal")
    except HumansError as exc:
        return Section("agreement", "Agreement between raters", _note(str(exc)))
    table = pd.DataFrame(
        {
            "level of measurement": ["ordinal (A > tie > B)", "nominal"],
            "Krippendorff's α": [ordinal.alpha, nominal.alpha],
            "items": [ordinal.n_items, nominal.n_items],
            "ratings": [ordinal.n_ratings, nominal.n_ratings],
        }
    )
    body = (
        "<p>Krippendorff's α over items (a model pair within a scenario) rated by more than one rater: 1 is perfect "
        "agreement, 0 is agreement expected by chance. Krippendorff (2004) suggests α ≥ 0.8 for firm conclusions and "
        "0.667 as the lowest tentative level; preference judgements of conversations are usually far lower, which "
        "is why many raters per pair are needed.</p>"
        + table_html(table, {"Krippendorff's α": ".3f"}, numeric=("items", "ratings"))
    )
    return Section("agreement", "Agreement between raters", body)
