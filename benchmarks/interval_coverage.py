"""Coverage of the 90 % prediction intervals on held-out models, per dataset, for ``auto`` and single methods.

``auto``'s intervals come from the residuals of its choice made on the other inner folds (not from the residuals of
the candidate it chose, which are the smallest of many and so optimistic); this measures whether they reach the
stated level on simulated studies (``simulate_benchmark(n_models=24, human_noise=0.02)``, several seeds, leave one
model out, full and human score) and on the real item-level data in ``../shared/data`` (5-fold over models):

    python benchmarks/interval_coverage.py --datasets simulated,open-llm-tiny,nlu-test-sets --seeds 11

Prints per dataset, method and size the share of held-out models whose true score lies in its interval (target:
within 4 points of the level) and the number of held-out predictions behind it.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from analysis.benchmark_data import load_benchmark
from analysis.evaluation import evaluate_selection
from analysis.simulate import simulate_benchmark

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _row(ev, name: str, seed: int) -> pd.DataFrame:
    cols = [c for c in ("method", "size", "coverage", "human_coverage", "mae") if c in ev.results.columns]
    counts = ev.predictions.groupby(["method", "size"]).size().rename("n").reset_index()
    return ev.results[cols].merge(counts, on=["method", "size"]).assign(dataset=name, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="simulated,open-llm-tiny,nlu-test-sets")
    parser.add_argument("--methods", default="auto,random,lasso")
    parser.add_argument("--sizes", default="30,50")
    parser.add_argument("--seeds", type=int, default=11, help="Simulated studies (seeds 0..N-1).")
    parser.add_argument("--level", type=float, default=0.9)
    args = parser.parse_args()
    methods, sizes = args.methods.split(","), tuple(int(s) for s in args.sizes.split(","))
    rows = []
    for name in args.datasets.split(","):
        start = time.perf_counter()
        if name == "simulated":
            for seed in range(args.seeds):
                sim = simulate_benchmark(n_models=24, seed=seed, human_noise=0.02)
                ev = evaluate_selection(sim.data, methods=methods, sizes=sizes, cv="loo", n_seeds=1,
                                        human=sim.human_scores, interval_level=args.level, progress=False)  # fmt: skip
                rows.append(_row(ev, name, seed))
        else:
            data = load_benchmark(SHARED / name)
            ev = evaluate_selection(data, methods=methods, sizes=sizes, cv="kfold", n_folds=5, n_seeds=1,
                                    interval_level=args.level, progress=False)  # fmt: skip
            rows.append(_row(ev, name, 0))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    df = pd.concat(rows)
    agg = {c: "mean" for c in ("coverage", "human_coverage", "mae") if c in df.columns} | {"n": "sum"}
    table = df.groupby(["dataset", "method", "size"], sort=False).agg(agg)
    with pd.option_context("display.width", 200):
        print(f"coverage of {args.level:.0%} intervals (mean over seeds; n = held-out predictions)")
        print(table.round(3).to_string())
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
