"""``humans select`` and ``humans apply-subset``: benchmark subsets, their evaluation and HUMANS subset files."""

from __future__ import annotations

from pathlib import Path

import click

from analysis.benchmark_data import load_benchmark
from analysis.conformal import DEFAULT_LEVEL
from analysis.errors import HumansError
from analysis.evaluation import AUTO, DEFAULT_SIZES, evaluate_selection
from analysis.human_targets import align_human_scores, read_human_scores
from analysis.humans_subset import apply_subset as apply_subset_table
from analysis.humans_subset import read_subset
from analysis.regression import REGRESSORS, human_baselines
from analysis.selection import METHODS, UNTRUSTED
from analysis.selection_results import write_selection_results
from analysis.subset_files import fit_selection_subsets
from analysis.subset_intervals import with_intervals
from annotation_app.cli.options import average_option, human_option, models_option

__all__ = ["COMMANDS"]

_SIZES = ",".join(map(str, DEFAULT_SIZES))


def _parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError as exc:
        raise HumansError(f"--sizes {text!r} must be comma-separated integers such as {_SIZES}.") from exc
    if not sizes or min(sizes) < 1:
        raise HumansError(f"--sizes {text!r} must list positive integers such as {_SIZES}.")
    return sizes


def _parse_methods(text: str) -> list[str]:
    names = [m.strip() for m in text.split(",") if m.strip()]
    names = [n for m in names for n in (METHODS if m == "all" else [m])]
    unknown = [m for m in names if m not in METHODS and m != AUTO]
    if unknown or not names:
        raise HumansError(
            f"--methods: unknown method(s) {', '.join(unknown) or '(none)'}; use all, {AUTO} or some of "
            f"{', '.join(METHODS)}."
        )
    return list(dict.fromkeys(names))


def _check_items(data, sizes: tuple[int, ...], source: Path) -> None:
    """Refuse a table with fewer items than the smallest subset: per-model scores passed as ITEMS, usually."""
    if data.n_items >= min(sizes):
        return
    shown = ", ".join(map(str, data.items[:4])) + (", ..." if data.n_items > 4 else "")
    raise HumansError(
        f"{source}: {data.n_items} item column(s) ({shown}) for {data.n_models} models, fewer than the smallest "
        f"subset ({min(sizes)}); ITEMS must be item-level results (a long table model, item, task, score or a wide "
        "table with one column per item); per-model scores such as human.csv go to --human."
    )


@click.command()
@click.argument("items", type=click.Path(path_type=Path))
@human_option()
@click.option(
    "--methods",
    default="all",
    show_default=True,
    help="Comma-separated selection methods, all, or auto (nested cross-validation picks method and estimator); "
    "all includes the untrusted ones: " + "; ".join(f"{name} {evidence}" for name, evidence in UNTRUSTED.items()) + ".",
)
@click.option("--sizes", default=_SIZES, show_default=True, help="Comma-separated subset sizes.")
@click.option(
    "--cv",
    type=click.Choice(["loo", "kfold"]),
    default="loo",
    show_default=True,
    help="Cross-validation over models: leave-one-model-out or k-fold.",
)
@click.option("--folds", default=5, show_default=True, help="Number of folds for --cv kfold.")
@click.option("--seeds", default=5, show_default=True, help="Repetitions of stochastic methods.")
@models_option()
@average_option()
@click.option(
    "--estimator",
    type=click.Choice(["mean", "calibrated", "pirt", "gpirt"]),
    default=None,
    help="Full-score estimator for every method (default: each method's own; pirt and gpirt only for irt_* methods).",
)
@click.option(
    "--regressor",
    type=click.Choice(list(REGRESSORS)),
    default="stacked",
    show_default=True,
    help="Regression of the human score on a subset's items (stacked: the full-benchmark regression corrected "
    "by the items).",
)
@click.option(
    "--interval-level",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_LEVEL,
    show_default=True,
    help="Level of the split-conformal prediction intervals of every held-out and new model.",
)
@click.option("--jobs", default=2, show_default=True, help="Parallel processes over folds.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("selection"),
    show_default=True,
    help="Output folder for results.csv, summary.csv, plots and subsets/.",
)
def select(
    items, human, methods, sizes, cv, folds, seeds, models, average, estimator, regressor, interval_level, jobs, out
):
    """Evaluate subset-selection methods on item-level results and write HUMANS subset files.

    ITEMS is a long or wide CSV/Parquet file, or a folder of wide CSVs (one per task). Writes results.csv (one
    row per method, size and seed: pearson, spearman, kendall, mae of the cross-validated estimate with the
    full score), summary.csv (mean and sd over seeds), predictions.csv, correlation_vs_size.png and, fitted on
    all models, subsets/<method>/: one HUMANS subset per size (n<size>.csv with item_id, task, dataset, metric,
    human_preference_weight, full_benchmark_weight, human_regression_bias) and a README.md that lets
    datasets.load_dataset('subsets/<method>', split='n50') load them, as the paper's evaluator does. With
    --human, results.csv also has human_pearson, human_spearman, human_kendall, human_mae: a regression of the
    human score on the subset's items (subset chosen on the training models with the human score as target;
    --regressor), predicted for held-out models; and human_baselines.csv holds the raw full score and a
    regression on the task means, for comparison (the random method's human_* columns are the random-subset
    reference). The subset files hold the evaluated regression: for stacked, also its weights on the model's
    task means of the full benchmark (human_task_mean_weight__<task>), so apply-subset then needs the full
    benchmark's scores; --regressor ridge gives files that score from the subset's items alone.

    --methods auto adds the method `auto`: in every fold, nested cross-validation over the training models only
    picks the method and estimator (results.csv column chosen); its scores are honest, and the headline reports
    it. Every held-out model gets split-conformal intervals at --interval-level (predictions.csv estimate_low,
    estimate_high, human_estimate_low, human_estimate_high; results.csv coverage), and every subset file the
    half-widths that `humans apply-subset` prints for new models.

    Example:

        humans select ../shared/data/nlu-test-sets --models '_best$' --sizes 10,50 --out sel
    """
    method_names = _parse_methods(methods)
    size_list = _parse_sizes(sizes)
    data = load_benchmark(items, models=models)
    _check_items(data, size_list, items)
    human_scores = None
    if human is not None:
        human_scores = align_human_scores(read_human_scores(human), data.models, str(human))
    ev = evaluate_selection(
        data,
        methods=method_names,
        sizes=size_list,
        cv=cv,
        n_folds=folds,
        n_seeds=seeds,
        average=average,
        estimator=estimator,
        human=human_scores,
        regressor=regressor,
        interval_level=interval_level,
        n_jobs=jobs,
    )
    subsets = fit_selection_subsets(
        data,
        ev,
        method_names,
        size_list,
        human=human_scores,
        estimator=estimator,
        regressor=regressor,
        average=average,
        interval_level=interval_level,
    )
    baselines = None
    if human_scores is not None:
        baselines = human_baselines(data, human_scores, regressor=regressor, average=average)
    summary = write_selection_results(out, ev, subsets, baselines)
    click.echo(
        f"{data.n_models} models × {data.n_items} items in {len(data.task_names)} tasks; "
        f"{len(method_names)} methods × {len(size_list)} sizes ({cv})."
    )
    table = summary.pivot(index="method", columns="size", values="pearson").reindex(method_names)
    click.echo(table.round(3).to_string())
    if human_scores is not None:
        click.echo(
            "human score (LOO Pearson): " + ", ".join(f"{r.comparison} {r.pearson:.3f}" for r in baselines.itertuples())
        )
        hp = summary.pivot(index="method", columns="size", values="human_pearson").reindex(method_names)
        click.echo("subset regressions:\n" + hp.round(3).to_string())
    click.echo(_coverage_line(summary, interval_level, human_scores is not None))
    click.echo(_headline(summary, ev.results) + f"; wrote {out}")
    for name in method_names:
        if name in UNTRUSTED:
            click.echo(f"note: {name} is not trusted; it {UNTRUSTED[name]}.")


def _coverage_line(summary, level: float, has_human: bool) -> str:
    line = f"{level:.0%} prediction intervals cover {summary['coverage'].mean():.1%} of held-out full scores"
    if has_human:
        line += f" and {summary['human_coverage'].mean():.1%} of human scores"
    return line + " (mean over methods and sizes)"


def _headline(summary, results) -> str:
    """auto's honest nested-CV scores when it ran, else the best method (picked on the folds it is scored on)."""
    if AUTO not in set(summary["method"]):
        best = summary.sort_values("pearson", ascending=False).iloc[0]
        return (
            f"best: {best['method']} at {int(best['size'])} items, Pearson {best['pearson']:.3f} (picked on the "
            "same folds, so optimistic; --methods auto gives an honest choice)"
        )
    auto = summary[summary["method"] == AUTO].sort_values("pearson", ascending=False).iloc[0]
    chosen = results.loc[(results["method"] == AUTO) & (results["size"] == auto["size"]), "chosen"].iloc[0]
    return (
        f"auto (nested cross-validation): Pearson {auto['pearson']:.3f}, MAE {auto['mae']:.3f} at "
        f"{int(auto['size'])} items; chosen per fold: {chosen}"
    )


@click.command()
@click.argument("subset", type=click.Path(path_type=Path))
@click.argument("item_scores", type=click.Path(path_type=Path))
@click.option(
    "--split",
    default=None,
    help="Split of a SUBSET folder with several sizes, e.g. n50 (or 50); not needed when it holds one.",
)
@models_option("Regular expression: score only matching models.")
def apply_subset(subset, item_scores, split, models):
    """Score models with a HUMANS subset: human score and benchmark score per model (CSV on stdout).

    human_score = clip(bias + Σ wᵢ·sᵢ, 0, 1) and benchmark_score = Σ vᵢ·sᵢ over the subset's items. SUBSET is a
    subset file (CSV, JSON Lines, Parquet) or a dataset folder in the paper's released layout (one split per
    size: `humans select`'s subsets/<method>/, a `save_to_disk` folder, or Parquet data files). ITEM_SCORES is
    item-level results in any layout `humans select` reads (it may hold more items than the subset), or the
    paper evaluator's results JSON (a folder of them: one model each). Subset files written by `humans select`
    carry conformal half-widths: the output then has benchmark_low, benchmark_high, human_low, human_high at the
    file's interval_level. A stacked subset (human_task_mean_weight__<task> columns) adds its weights times the
    model's task means, so ITEM_SCORES must then hold the full benchmark.

    Example:

        humans apply-subset sel/subsets/irt_fisher --split n50 new_model_items.csv
    """
    table = read_subset(subset, split)
    data = load_benchmark(item_scores, models=models, min_models=1)
    scores = with_intervals(apply_subset_table(table, data), table)
    click.echo(scores.to_csv(index=False, float_format="%.6f"), nl=False)


COMMANDS = [select, apply_subset]
