"""``humans adapt``: adaptive testing, cross-validated over models in the layout of ``humans select``."""

from __future__ import annotations

from pathlib import Path

import click

from analysis.adaptive import evaluate_adaptive
from analysis.benchmark_data import load_benchmark
from analysis.errors import HumansError
from annotation_app.cli.options import average_option, models_option

__all__ = ["COMMANDS"]


def _parse_budgets(text: str) -> tuple[int, ...]:
    try:
        budgets = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError as exc:
        raise HumansError(
            f"--budget {text!r} must be an integer or comma-separated integers such as 10,30,50."
        ) from exc
    if not budgets or min(budgets) < 1:
        raise HumansError(f"--budget {text!r} must list positive integers such as 10,30,50.")
    return budgets


@click.command()
@click.argument("items", type=click.Path(path_type=Path))
@click.option(
    "--budget",
    default="10,20,30,50,100",
    show_default=True,
    help="Items per model: one number, or several (comma-separated) recorded along one run up to the largest.",
)
@click.option(
    "--cv",
    type=click.Choice(["loo", "kfold"]),
    default="kfold",
    show_default=True,
    help="Cross-validation over models: leave-one-model-out or k-fold.",
)
@click.option("--folds", default=5, show_default=True, help="Number of folds for --cv kfold.")
@click.option(
    "--target-se",
    type=float,
    default=None,
    help="Stop a model's test early once the standard error of its full-score estimate is at most this.",
)
@click.option("--level", default=0.9, show_default=True, help="Level of the intervals estimate_low, estimate_high.")
@models_option("Regular expression: keep only matching models (e.g. '_best$').")
@average_option("Full score: mean over tasks (macro) or over items (micro).")
@click.option("--jobs", default=2, show_default=True, help="Parallel processes over folds.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("adaptive"),
    show_default=True,
    help="Output folder for results.csv and predictions.csv.",
)
def adapt(items, budget, cv, folds, target_se, level, models, average, jobs, out):
    """Evaluate adaptive testing: each held-out model answers the items most informative for it.

    For every fold a 2PL (one ability per task, correlated) is fitted on the training models; each held-out model
    then takes an adaptive test (next item = the one that most reduces the variance of its full-score estimate,
    i.e. maximum Fisher information; MAP ability after every answer), its answers looked up in ITEMS. Writes
    results.csv (method adaptive, size = budget: pearson, spearman, kendall, mae, interval coverage, mean items
    used) and predictions.csv (estimate, estimate_low, estimate_high, items_used per model), the layout of
    `humans select`, so the two sit side by side at equal budgets.

    Example:

        humans adapt ../shared/data/open-llm-tiny --budget 10,30,50 --cv kfold --out adaptive
    """
    budgets = _parse_budgets(budget)
    data = load_benchmark(items, models=models)
    ev = evaluate_adaptive(
        data,
        budgets=budgets,
        cv=cv,
        n_folds=folds,
        average=average,
        target_se=target_se,
        level=level,
        n_jobs=jobs,
    )
    out.mkdir(parents=True, exist_ok=True)
    ev.results.to_csv(out / "results.csv", index=False)
    ev.predictions.to_csv(out / "predictions.csv", index=False)
    click.echo(f"{data.n_models} models × {data.n_items} items in {len(data.task_names)} tasks; adaptive ({cv}).")
    shown = ev.results[["size", "mean_items_used", "pearson", "mae", "coverage"]]
    click.echo(shown.round(4).to_string(index=False))
    click.echo(f"wrote {out}")


COMMANDS = [adapt]
