"""Speed of the subset-selection pipeline on ../shared/data/nlu-test-sets, side by side with the obvious anchors.

Measures (medians over repeats, wall clock):

1. loading the 29 wide CSVs (90 × 82,756): our parser vs ``pandas.read_csv`` per file + ``concat``;
2. the 2PL fit on the 18 ``_best`` models: on distinct response patterns with counts vs on every item column;
3. the whole study: 10 methods × 6 sizes × leave-one-model-out on 18 × 82,756, with 1 seed and with 5 seeds for
   the stochastic methods (2 processes), and its CPU time in one process (robust to other load on the machine).

Run: ``.venv/bin/python benchmarks/bench_selection.py [--repeats 3]``. Report the machine load next to the numbers:
the study's time scales with the free cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.benchmark_data import load_benchmark
from analysis.evaluation import evaluate_selection
from analysis.irt import IRT2PL
from analysis.selection import TrainingSet

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nlu-test-sets"


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pandas_load() -> np.ndarray:
    frames = [pd.read_csv(p).set_index("userid") for p in sorted(DATA.glob("*.csv"))]
    return pd.concat(frames, axis=1).to_numpy(dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (median reported)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds of stochastic methods in the second study run")
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is absent; the benchmark needs ../shared/data/nlu-test-sets")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    ours = _median_time(lambda: load_benchmark(DATA), args.repeats)
    anchor = _median_time(_pandas_load, max(1, args.repeats - 2))
    np.testing.assert_array_equal(load_benchmark(DATA).scores, _pandas_load())
    print(f"load 29 CSVs (90 x 82,756): ours {ours:.2f} s, pandas.read_csv+concat {anchor:.2f} s, x{anchor / ours:.1f}")

    data = load_benchmark(DATA, models="_best$")
    train = TrainingSet.from_benchmark(data)
    pat = train.patterns
    t_pat = _median_time(lambda: IRT2PL().fit(pat.matrix, pat.counts), args.repeats)
    t_all = _median_time(lambda: IRT2PL().fit(data.scores), 1)
    print(
        f"2PL fit, 18 models: {pat.matrix.shape[1]:,} distinct patterns {t_pat:.2f} s, all {data.n_items:,} items "
        f"{t_all:.2f} s, x{t_all / t_pat:.1f}"
    )

    for n_seeds in (1, args.seeds):
        start = time.perf_counter()
        ev = evaluate_selection(data, n_seeds=n_seeds, n_jobs=2, progress=False)
        took = time.perf_counter() - start
        print(f"study 10 methods x 6 sizes x LOO(18), {n_seeds} seed(s): {took:.1f} s ({len(ev.results)} rows)")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    evaluate_selection(data, n_seeds=args.seeds, n_jobs=1, progress=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        f"same study in one process, {args.seeds} seeds: {cpu:.1f} CPU s ({wall:.1f} s wall); on 2 free cores that "
        f"is about {cpu / 2:.0f} s"
    )
    table = ev.summary().pivot(index="method", columns="size", values="pearson").round(3)
    print(table.reindex(ev.results["method"].unique()).to_string())
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
