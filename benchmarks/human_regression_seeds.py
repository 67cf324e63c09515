"""Regression to human scores with few models: how often the subset regression beats the full-benchmark references.

For 20 seeds at each of 12, 18 and 30 models (``simulate_benchmark(..., human_noise=0.02)``, the study that
``humans simulate-benchmark`` writes), :func:`analysis.regression.compare_human_regression` scores, by
leave-one-model-out Pearson with the human score, the raw full score, the full-benchmark regression (ridge on task
means) and the subset regression (``stacked`` by default; ``--regressor ridge`` for the old plain ridge) at each
size. Prints per (models, size, method) the mean Pearson of each and the share of seeds where the subset
regression beats the raw full score and the full-benchmark regression:

    python benchmarks/human_regression_seeds.py --methods greedy_forward,random --sizes 20,50
"""

from __future__ import annotations

import argparse

import pandas as pd

from analysis.regression import compare_human_regression
from analysis.simulate import simulate_benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="greedy_forward")
    parser.add_argument("--sizes", default="20,50")
    parser.add_argument("--models", default="12,18,30")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--regressor", default="stacked")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = []
    for n in (int(m) for m in args.models.split(",")):
        for seed in range(args.seeds):
            sim = simulate_benchmark(n_models=n, seed=seed, human_noise=0.02)
            for method in args.methods.split(","):
                for size in (int(s) for s in args.sizes.split(",")):
                    table = compare_human_regression(
                        sim.data, sim.human_scores, method=method, size=size, regressor=args.regressor, n_random=0,
                        seed=seed,
                    ).set_index("comparison")["pearson"]  # fmt: skip
                    rows.append({"models": n, "size": size, "method": method, "seed": seed, **table.to_dict()})
    df = pd.DataFrame(rows).drop(columns=["random_subset_regression"], errors="ignore")
    df["beats_full_score"] = df["subset_regression"] > df["full_score"]
    df["beats_full_regression"] = df["subset_regression"] > df["full_benchmark_regression"]
    if args.out:
        df.to_csv(args.out, index=False)
    cols = ["full_score", "full_benchmark_regression", "subset_regression", "beats_full_score", "beats_full_regression"]
    table = df.groupby(["models", "size", "method"])[cols].mean().round(3)
    with pd.option_context("display.width", 200):
        print(f"regressor {args.regressor}, {args.seeds} seeds; mean LOO Pearson and share of seeds beaten")
        print(table.to_string())


if __name__ == "__main__":
    main()
