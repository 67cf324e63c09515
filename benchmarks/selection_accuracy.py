"""Accuracy of subset selection per method × size, ``auto`` included, and coverage of the prediction intervals.

Runs :func:`analysis.evaluation.evaluate_selection` (every method plus ``auto``, split-conformal intervals at 0.9)
on one data set and prints MAE, Pearson and interval coverage per method and size, and ``auto``'s choices:

    python benchmarks/selection_accuracy.py nlu      # ../shared/data/nlu-test-sets, the 18 `_best` models, LOO
    python benchmarks/selection_accuracy.py open-llm # ../shared/data/open-llm-tiny, 2,656 models, 5-fold
    python benchmarks/selection_accuracy.py simulated  # simulate_benchmark(n_models=120), 5-fold

Options: --sizes 10,30,50,100, --seeds 3, --jobs 1, --out FILE.csv (the summary), --methods a,b (default every
method and ``auto``), --cv loo|kfold (default per data set), --all-models (nlu: all 90 checkpoints, not the 18
``_best``), --no-intervals.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from analysis.benchmark_data import load_benchmark
from analysis.evaluation import evaluate_selection
from analysis.selection import METHODS
from analysis.simulate import simulate_benchmark

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def load(name: str, all_models: bool = False):
    if name == "nlu":
        return load_benchmark(DATA / "nlu-test-sets", models=None if all_models else "_best$"), "loo"
    if name == "open-llm":
        return load_benchmark(DATA / "open-llm-tiny"), "kfold"
    return simulate_benchmark(n_models=120, seed=0).data, "kfold"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["nlu", "open-llm", "simulated"])
    parser.add_argument("--sizes", default="10,30,50,100")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--methods", default=None, help="comma-separated; default every method and auto")
    parser.add_argument("--cv", choices=["loo", "kfold"], default=None)
    parser.add_argument("--all-models", action="store_true")
    parser.add_argument("--no-intervals", action="store_true")
    args = parser.parse_args()
    data, cv = load(args.dataset, args.all_models)
    cv = args.cv or cv
    methods = args.methods.split(",") if args.methods else [*METHODS, "auto"]
    level = None if args.no_intervals else args.level
    sizes = tuple(int(s) for s in args.sizes.split(","))
    start = time.perf_counter()
    ev = evaluate_selection(
        data, methods=methods, sizes=sizes, cv=cv,
        n_seeds=args.seeds, interval_level=level, n_jobs=args.jobs, progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    summary = ev.summary()
    print(f"{args.dataset}: {data.n_models} models × {data.n_items} items, {cv}, {seconds:.0f} s")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for metric in ("mae", "pearson", "coverage"):
            if metric not in summary:
                continue
            print(f"\n{metric}:\n" + summary.pivot(index="method", columns="size", values=metric).round(3).to_string())
        if "auto" in methods:
            auto = ev.results[ev.results["method"] == "auto"][["size", "chosen"]]
            print("\nauto's choices per fold:\n" + auto.to_string(index=False))
        if level is not None:
            print(f"\nmean coverage at {args.level}: {summary['coverage'].mean():.3f}")
    if args.out:
        summary.to_csv(args.out, index=False)
        ev.results.to_csv(args.out.with_suffix(".results.csv"), index=False)
        ev.predictions.to_csv(args.out.with_suffix(".predictions.csv"), index=False)


if __name__ == "__main__":
    main()
