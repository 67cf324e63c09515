"""Report sections that relate human scores to benchmark results and summarise subset selection.

Correlations come from :func:`analysis.correlation.correlate` (Pearson, Spearman, Kendall τ-b with bootstrap
intervals over models and permutation p-values); subset scores from :func:`analysis.humans_subset.apply_subset`.
"""

from __future__ import annotations

import html

import pandas as pd

from analysis.benchmark_data import BenchmarkData
from analysis.correlation import CorrelationResult, correlate
from analysis.errors import HumansError
from analysis.humans_subset import apply_subset
from analysis.report.figures import score_scatter, size_curves
from analysis.report.html import Section, figure_html, table_html
from analysis.selection import UNTRUSTED
from analysis.selection_results import SelectionResults

__all__ = ["choose_subset", "human_benchmark_section", "selection_size_section"]

_SYMBOLS = {"pearson": "r", "spearman": "ρ", "kendall": "τ"}


def choose_subset(selection: SelectionResults, subset: str | None) -> tuple[str, int]:
    """The (method, size) to show: ``subset`` ("<method>_<size>") or the best mean Pearson with the human score
    (with the full score when the selection had no human scores)."""
    summary = selection.summary()
    if subset is not None:
        method, _, size = subset.rpartition("_")
        if not size.isdigit() or not ((summary["method"] == method) & (summary["size"] == int(size))).any():
            known = ", ".join(f"{m}_{s}" for m, s in summary[["method", "size"]].itertuples(index=False))
            raise HumansError(f"subset {subset!r} is not in {selection.source}; use one of {known}.")
        return method, int(size)
    metric = "human_pearson" if selection.has_human else "pearson"
    best = summary.sort_values([metric, "size"], ascending=[False, True], kind="stable").iloc[0]
    return str(best["method"]), int(best["size"])


def _caption(result: CorrelationResult) -> str:
    return "  ".join(
        f"{_SYMBOLS[r.method]} = {r.estimate:.2f} [{r.low:.2f}, {r.high:.2f}]" for r in result.table.itertuples()
    )


def _panel(result: CorrelationResult, xlabel: str, title: str) -> dict:
    merged = result.merged
    return {
        "x": merged["b"],
        "y": merged["a"],
        "labels": merged["model"],
        "xlabel": xlabel,
        "ylabel": "human score (0–1)",
        "title": title,
        "caption": _caption(result),
    }


def human_benchmark_section(
    human: pd.DataFrame,
    human_source: str,
    *,
    benchmark: BenchmarkData | None,
    selection: SelectionResults | None,
    subset: str | None,
    average: str,
    seed: int,
    level: float,
) -> Section | None:
    """Scatter plots of the human score against the full benchmark, a subset's estimate and the cross-validated
    HUMANS regression, with the three correlation coefficients and their intervals."""
    comparisons: list[tuple[str, pd.DataFrame, str, str, pd.DataFrame]] = []
    notes: list[str] = []
    if benchmark is not None:
        n_tasks = len(benchmark.task_names)
        full = pd.DataFrame({"model": benchmark.models, "score": benchmark.full_score(average)})
        label = f"full benchmark ({average} average over {n_tasks} tasks, {benchmark.n_items} items)"
        comparisons.append((label, full, "full-benchmark score (0–1)", f"Full benchmark, {n_tasks} tasks", human))
    chosen = None
    if selection is not None:
        chosen = choose_subset(selection, subset)
        method, size = chosen
        pred = selection.predictions
        rows = None
        if pred is not None and {"estimate", "model"} <= set(pred.columns):
            rows = pred[(pred["method"] == method) & (pred["size"] == size) & (pred["seed"] == pred["seed"].min())]
            comparisons.append(
                (
                    f"{method} subset of {size} items, estimate of the full score (LOO)",
                    rows[["model", "estimate"]].rename(columns={"estimate": "score"}),
                    f"subset estimate of the full score ({size} items, LOO)",
                    f"Subset: {method}, {size} items",
                    human,
                )
            )
        elif benchmark is not None and chosen in selection.subsets:
            scored = apply_subset(selection.subsets[chosen], benchmark)
            comparisons.append(
                (
                    f"{method} subset of {size} items (Σ vᵢ·sᵢ, fitted on all models)",
                    scored[["model", "benchmark_score"]].rename(columns={"benchmark_score": "score"}),
                    f"subset score Σ vᵢ·sᵢ ({size} items, fitted on all models)",
                    f"Subset: {method}, {size} items",
                    human,
                )
            )
        if rows is not None and {"human_estimate", "human_score"} <= set(rows.columns):
            comparisons.append(
                (
                    f"HUMANS regression on {size} items ({method}), LOO",
                    rows[["model", "human_estimate"]].rename(columns={"human_estimate": "score"}),
                    f"predicted human score (ridge on {size} items, LOO)",
                    f"HUMANS regression: {method}, {size} items",
                    rows[["model", "human_score"]],
                )
            )
    if not comparisons:
        return None
    panels, tables, per_model = [], [], []
    for label, scores, xlabel, title, target in comparisons:
        try:
            result = correlate(
                target, scores, b_col="score", seed=seed, level=level, a_name="human scores", b_name=label
            )
        except HumansError as exc:
            notes.append(f"{label}: {exc}")
            continue
        panels.append(_panel(result, xlabel, title))
        if not per_model:
            per_model.append(result.merged.set_index("model")["a"].rename("human score"))
        short = {"full": "full benchmark", "subset": "subset estimate", "humans": "HUMANS prediction"}
        name = short[title.split()[0].rstrip(":,").lower()] + (" (LOO)" if "LOO" in xlabel else "")
        per_model.append(result.merged.set_index("model")["b"].rename(name))
        frame = result.table.assign(comparison=label)
        tables.append(frame[["comparison", "method", "estimate", "low", "high", "p_value", "n_models"]])
    body = [
        f"<p>Human scores: {html.escape(human_source)}. Each point is a model; the dashed line is a least-squares "
        f"fit. Coefficients with {level:.0%} bootstrap intervals over models (1000 resamples) and permutation "
        "p-values.</p>"
    ]
    if chosen is not None and selection is not None:
        body.append(
            f"<p>Subset shown: <b>{html.escape(chosen[0])}</b> with {chosen[1]} items "
            + (
                "(the best mean leave-one-model-out Pearson with the human score in the selection results)"
                if subset is None
                else "(chosen with --subset)"
            )
            + ". Subset panels are out-of-fold: the subset was chosen and weighted on the other models "
            "(leave-one-model-out); the HUMANS regression panel predicts the human scores given to "
            "<code>humans select --human</code>.</p>"
        )
    if panels:
        body.append(figure_html(score_scatter(panels), "Scatter plots of human scores against benchmark scores"))
        table = pd.concat(tables, ignore_index=True).rename(
            columns={"low": "CI low", "high": "CI high", "p_value": "p", "n_models": "models"}
        )
        body.append(table_html(table, {"estimate": ".3f", "CI low": ".3f", "CI high": ".3f", "p": ".4f"}, ("models",)))
        scores = pd.concat(per_model, axis=1).sort_values("human score", ascending=False).reset_index()
        body.append("<p>Scores per model (0–1), by human score:</p>")
        body.append(table_html(scores.rename(columns={"index": "model"}), {c: ".3f" for c in scores.columns[1:]}))
    body.extend(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    return Section("human-vs-benchmark", "Human score vs benchmark scores", "\n".join(body))


def selection_size_section(selection: SelectionResults) -> Section:
    """Correlation against subset size per selection method, with the human baselines when present."""
    summary = selection.summary()
    metrics = [("pearson", "Pearson r with the full benchmark score (LOO)")]
    if selection.has_human:
        metrics.append(("human_pearson", "Pearson r, subset regression vs human score (LOO)"))
    baselines = None
    if selection.baselines is not None and {"comparison", "pearson"} <= set(selection.baselines.columns):
        names = {"full_score": "raw full score", "full_benchmark_regression": "regression on task means"}
        baselines = {names.get(c, c): float(v) for c, v in selection.baselines[["comparison", "pearson"]].to_numpy()}
    seeds = int(summary["n_seeds"].max())
    body = [
        f"<p>From {html.escape(selection.source)}: {summary['method'].nunique()} selection methods × "
        f"{summary['size'].nunique()} subset sizes, cross-validated over models; stochastic methods repeated over "
        f"{seeds} seed(s) (lines: mean, bars: ± sd). Top: how well the subset's estimate tracks the full benchmark. "
        + (
            "Bottom: how well a ridge regression on the subset's items predicts the human score of a held-out model "
            "(grey lines: the raw full score and a regression on the task means)."
            if selection.has_human
            else ""
        )
        + "</p>",
        figure_html(
            size_curves(summary, metrics, baselines), "Line plot of correlation against subset size per method"
        ),
    ]
    for metric, label in metrics:
        wide = summary.pivot(index="method", columns="size", values=metric).reindex(summary["method"].unique())
        wide.columns = [f"{c} items" for c in wide.columns]
        wide = wide.reset_index()
        body.append(f"<p>{html.escape(label)}, mean over seeds:</p>")
        body.append(table_html(wide, {c: ".3f" for c in wide.columns if c != "method"}))
    shown = [m for m in summary["method"].unique() if m in UNTRUSTED]
    body.extend(f'<p class="note">{html.escape(m)} is not trusted: it {html.escape(UNTRUSTED[m])}.</p>' for m in shown)
    return Section("selection", "Correlation vs subset size", "\n".join(body))
