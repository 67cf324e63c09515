"""Assemble the report: pick the sections the inputs allow and render one self-contained HTML page."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pandas as pd

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.report.benchmark_sections import human_benchmark_section, selection_size_section
from analysis.report.html import Section, page
from analysis.report.quality_sections import (
    aspect_section,
    consistency_section,
    controlled_section,
    questionnaire_section,
)
from analysis.report.study_sections import (
    agreement_section,
    check_votes_table,
    is_pairwise,
    leaderboard_section,
    likert_ratings,
    likert_section,
    quality_section,
    scored_votes,
    win_rate_section,
)
from analysis.selection_results import SelectionResults

__all__ = ["build_report"]


def build_report(
    votes: pd.DataFrame | None = None,
    *,
    raters: pd.DataFrame | None = None,
    benchmark: BenchmarkData | None = None,
    human: pd.DataFrame | None = None,
    selection: SelectionResults | None = None,
    title: str | None = None,
    sources: dict[str, str] | None = None,
    ties: str = "half",
    bootstrap: int = 1000,
    subset: str | None = None,
    average: str = "macro",
    seed: int = 0,
    level: float = 0.95,
    generated: datetime | None = None,
) -> str:
    """Build the HTML report of a study and its relation to a benchmark.

    Sections appear only when their input is given: votes give the leaderboard, win rates, position bias and rater
    quality, and agreement (pairwise studies) and Likert distributions (Likert ratings); human scores (``human``, or
    the votes' Bradley–Terry human score) with a benchmark or selection results give the human-vs-benchmark
    scatter plots; selection results give correlation against subset size.

    Parameters
    ----------
    votes : DataFrame, optional
        Exported votes (``humans export``): a comparisons table (``model_a``, ``model_b``, ``winner``, ...) and/or
        Likert columns (``likert_a``/``likert_b``, or ``model``/``rating`` for Likert-only studies). Covariate
        columns (``duration_a``/``duration_b``, ...) add the length-controlled leaderboard, ``aspect_<name>`` columns
        the aspect leaderboards, ``rater_reshows``/``rater_reshows_consistent`` the consistency section.
    raters : DataFrame, optional
        The exported raters table; its ``q_<name>`` columns give the questionnaire summary.
    benchmark : BenchmarkData, optional
        Item-level benchmark results.
    human : DataFrame, optional
        ``model``, ``human_score``; by default the human score of the votes' Bradley–Terry fit.
    selection : SelectionResults, optional
        The output folder of ``humans select`` (:func:`analysis.report.read_selection_results`).
    title : str, optional
        Page title (default: the study id of the votes, or "HUMANS report").
    sources : dict, optional
        Input name -> file, listed under the title.
    ties : {"half", "davidson", "drop"}, default "half"
        Tie handling of the Bradley–Terry fit.
    bootstrap : int, default 1000
        Bootstrap rounds of the leaderboard intervals (resampling raters when known); 0 for Wald intervals.
    subset : str, optional
        ``<method>_<size>`` of the subset to plot against the human score (default: the best one).
    average : {"macro", "micro"}, default "macro"
        Full benchmark score: mean over tasks or over items.
    seed : int, default 0
        Seed of the bootstraps and permutations.
    level : float, default 0.95
        Confidence level of every interval.
    generated : datetime, optional
        Time stamp printed under the title (default: now, UTC).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    HumansError
        When no input is given, or an input is unusable (see the analysis function named in the message).
    """
    if votes is None and benchmark is None and selection is None:
        raise HumansError("nothing to report; give votes, a benchmark with human scores, or selection results.")
    if benchmark is not None and human is None and votes is None and selection is None:
        raise HumansError(
            "a benchmark alone has nothing to compare with; add human scores, votes or selection results."
        )
    sections: list[Section] = []
    human_source = ""
    if human is not None:
        human_source = f"from {(sources or {}).get('human', 'the human scores table')}"
    if votes is not None:
        if votes.empty:
            raise HumansError(f"{(sources or {}).get('votes', 'votes')}: no rows; nothing to report.")
        check_votes_table(votes, (sources or {}).get("votes", "votes"))
        scored = scored_votes(votes)
        if is_pairwise(votes):
            section, bt = leaderboard_section(scored, ties=ties, bootstrap=bootstrap, seed=seed, level=level)
            sections.append(section)
            sections.append(win_rate_section(scored, bt.table["model"].tolist()))
            if human is None:
                human = bt.table[["model", "human_score"]]
                human_source = "the Bradley–Terry human score of the votes above"
            for extra in (controlled_section(scored, level=level), aspect_section(scored, level=level)):
                if extra is not None:
                    sections.append(extra)
        likert = likert_ratings(scored)
        if likert is not None:
            sections.append(likert_section(*likert, level=level))
        if is_pairwise(votes):
            quality = quality_section(votes[votes["kind"].fillna("trial").eq("trial")] if "kind" in votes else votes)
            if quality is not None:
                sections.append(quality)
            sections.append(agreement_section(scored))
            consistency = consistency_section(votes, level=level)
            if consistency is not None:
                sections.append(consistency)
    if raters is not None:
        questionnaire = questionnaire_section(raters)
        if questionnaire is not None:
            sections.append(questionnaire)
    predictions = selection.predictions if selection is not None else None
    if human is None and predictions is not None and "human_score" in predictions:
        human = predictions.drop_duplicates("model")[["model", "human_score"]]
        human_source = "the human scores given to humans select"
    if human is not None and (benchmark is not None or selection is not None):
        section = human_benchmark_section(
            human,
            human_source,
            benchmark=benchmark,
            selection=selection,
            subset=subset,
            average=average,
            seed=seed,
            level=level,
        )
        if section is not None:
            sections.append(section)
    if selection is not None:
        sections.append(selection_size_section(selection))
    if title is None:
        study = votes["study_id"].dropna() if votes is not None and "study_id" in votes.columns else pd.Series([])
        title = f"HUMANS report: {study.iloc[0]}" if len(study) else "HUMANS report"
    stamp = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    inputs = "; ".join(f"{html.escape(k)}: <code>{html.escape(v)}</code>" for k, v in (sources or {}).items())
    subtitle = f"Generated {stamp}" + (f". Inputs — {inputs}." if inputs else ".")
    return page(title, subtitle, sections)
