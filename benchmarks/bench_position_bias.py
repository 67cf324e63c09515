"""Per-rater position-bias p-values: our vectorised exact test vs one scipy.stats.binomtest per rater.

Run: python benchmarks/bench_position_bias.py [--raters 1000] [--votes 12]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import stats

from analysis.diagnostics import binomial_half_pvalues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=1000, help="number of raters")
    parser.add_argument("--votes", type=int, default=12, help="decisive votes per rater")
    parser.add_argument("--repeats", type=int, default=5, help="repeats (median reported)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = np.full(args.raters, args.votes)
    k = rng.binomial(n, 0.55)

    def ours() -> np.ndarray:
        return binomial_half_pvalues(k, n)

    def anchor() -> list[float]:
        return [stats.binomtest(int(a), int(b), 0.5).pvalue for a, b in zip(k, n, strict=True)]

    times = {}
    for name, fn in (("ours (vectorised)", ours), ("scipy binomtest loop", anchor)):
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        times[name] = statistics.median(runs)
    assert np.allclose(ours(), anchor(), rtol=1e-12)
    base = times["ours (vectorised)"]
    for name, t in times.items():
        print(f"{name:24s} {t * 1000:9.2f} ms   x{t / base:8.1f}")


if __name__ == "__main__":
    main()
