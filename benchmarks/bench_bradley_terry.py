"""Bradley–Terry speed, accuracy and memory: our Newton fit vs choix.ilsr_pairwise vs a FastChat-style fit.

One process, the same 1,000,000 simulated comparisons over 100 models for every contender:

- ours: ``analysis.bradley_terry.bt_scores`` end to end from the comparisons DataFrame (validation, aggregation,
  Newton's method), ties dropped (against choix) and ties as half (against the FastChat-style fit);
- choix: ``choix.ilsr_pairwise`` on (winner, loser) integer pairs built beforehand, outside the timing, ties dropped;
- FastChat-style (written here as the anchor, after ``compute_mle_elo`` in FastChat's ``elo_analysis.py``): unique
  (model_a, model_b, outcome) rows with counts as sample weights, a tie as half a win for each side, and
  scikit-learn's ``LogisticRegression(fit_intercept=False, penalty=None)`` (L-BFGS) on +1/-1 design rows.

Prints medians over repeats, ratios, max |delta theta| after centring, the 1,000-round bootstrap time and peak
traced memory (tracemalloc, measured in separate runs so the timings carry no tracing overhead).

Run: ``python benchmarks/bench_bradley_terry.py [--votes 1000000] [--models 100] [--repeats 5]``. On machines where
OPENBLAS_CORETYPE is set, unset it (and OPENBLAS_L2_SIZE) for this command only, to measure the current kernels.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc

import choix
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from analysis.bradley_terry import bt_scores
from analysis.comparisons import pair_counts
from analysis.simulate import simulate_votes


def fastchat_rows(votes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """FastChat's data step: unique (model_a, model_b, outcome) rows with counts; a tie = two half-weight rows."""
    counts = votes.groupby(["model_a", "model_b", "winner"], observed=True).size().reset_index(name="n")
    models = np.sort(pd.unique(pd.concat([votes["model_a"], votes["model_b"]])))
    index = {m: k for k, m in enumerate(models)}
    ia = counts["model_a"].map(index).to_numpy()
    ib = counts["model_b"].map(index).to_numpy()
    n = counts["n"].to_numpy(float)
    winner = counts["winner"].to_numpy()
    tie = winner == "tie"
    rows_a, rows_b = np.r_[ia, ia[tie]], np.r_[ib, ib[tie]]
    y = np.r_[(winner == "model_a").astype(float), np.ones(tie.sum())]
    weight = np.r_[np.where(tie, 0.5 * n, n), 0.5 * n[tie]]
    X = np.zeros((len(y), len(models)))
    X[np.arange(len(y)), rows_a] = 1.0
    X[np.arange(len(y)), rows_b] = -1.0
    return X, y, weight, models


def fastchat_fit(X: np.ndarray, y: np.ndarray, weight: np.ndarray, tol: float) -> np.ndarray:
    """FastChat's fit step: unpenalised logistic regression without intercept (L-BFGS)."""
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=tol, max_iter=10_000)
    lr.fit(X, y, sample_weight=weight)
    return lr.coef_[0] - lr.coef_[0].mean()


def fastchat_style(votes: pd.DataFrame, tol: float) -> pd.Series:
    """Bradley–Terry by logistic regression on weighted unique rows, ties as half (FastChat's approach)."""
    X, y, weight, models = fastchat_rows(votes)
    return pd.Series(fastchat_fit(X, y, weight, tol), index=models)


def choix_fit(n_models: int, pairs: np.ndarray, tol: float) -> np.ndarray:
    theta = choix.ilsr_pairwise(n_models, pairs, alpha=0.0, tol=tol, max_iter=10_000)
    return theta - theta.mean()


def timed(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--anchor-repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    truth = rng.normal(0, 1, args.models)
    votes = simulate_votes(truth, raters=args.votes // 1000, votes_per_rater=1000, nu=0.3, seed=1)
    models = np.array([f"m{k:02d}" for k in range(args.models)])
    code = {m: k for k, m in enumerate(models)}
    decisive = votes[votes["winner"] != "tie"]
    win = np.where(decisive["winner"] == "model_a", decisive["model_a"], decisive["model_b"])
    lose = np.where(decisive["winner"] == "model_a", decisive["model_b"], decisive["model_a"])
    pairs = np.column_stack([pd.Series(win).map(code).to_numpy(), pd.Series(lose).map(code).to_numpy()])
    counts_half = pair_counts(votes)
    counts_drop = pair_counts(votes, ties="drop")
    X, y, weight, _ = fastchat_rows(votes)
    print(
        f"{len(votes):,} comparisons over {args.models} models ({(votes['winner'] == 'tie').mean():.1%} ties); "
        f"medians of {args.repeats} (ours) / {args.anchor_repeats} (anchors) repeats; "
        f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    def ours(data, ties):
        return lambda: bt_scores(data, ties=ties, ridge=0.0).table.set_index("model")["theta"][models].to_numpy()

    t_drop, th_drop = timed(ours(votes, "drop"), args.repeats)
    t_half, th_half = timed(ours(votes, "half"), args.repeats)
    t_fit_drop, _ = timed(ours(counts_drop, "drop"), args.repeats)
    t_fit_half, _ = timed(ours(counts_half, "half"), args.repeats)
    t_choix, th_choix = timed(lambda: choix_fit(args.models, pairs, tol=1e-8), args.anchor_repeats)
    t_choix12, th_choix12 = timed(lambda: choix_fit(args.models, pairs, tol=1e-12), args.anchor_repeats)
    t_fc, th_fc = timed(lambda: fastchat_style(votes, tol=1e-6)[models].to_numpy(), args.anchor_repeats)
    t_fc10, th_fc10 = timed(lambda: fastchat_style(votes, tol=1e-10)[models].to_numpy(), args.anchor_repeats)
    t_fcfit, _ = timed(lambda: fastchat_fit(X, y, weight, tol=1e-6), args.anchor_repeats)
    t_fcfit10, _ = timed(lambda: fastchat_fit(X, y, weight, tol=1e-10), args.anchor_repeats)

    def line(name, seconds, ours_s=None, delta=None):
        ratio = f"{seconds / ours_s:8.1f}" if ours_s else f"{'':>8}"
        dev = f"{np.abs(delta).max():12.2e}" if delta is not None else f"{'':>12}"
        print(f"{name:<58} {seconds:9.3f} {ratio} {dev}")

    print(f"{'':<58} {'median s':>9} {'x ours':>8} {'max|dtheta|':>12}")
    print("ties dropped, end to end from the DataFrame (choix gets its int pairs for free):")
    line("  ours (validate + aggregate + Newton + SEs)", t_drop)
    line("  choix.ilsr_pairwise tol=1e-8 (its default)", t_choix, t_drop, th_choix - th_drop)
    line("  choix.ilsr_pairwise tol=1e-12", t_choix12, t_drop, th_choix12 - th_drop)
    print("ties as half, end to end from the DataFrame:")
    line("  ours", t_half)
    line("  FastChat-style (groupby + LR) tol=1e-6 (FastChat's)", t_fc, t_half, th_fc - th_half)
    line("  FastChat-style (groupby + LR) tol=1e-10", t_fc10, t_half, th_fc10 - th_half)
    print("fit step only, from aggregated counts / unique weighted rows:")
    line("  ours, ties dropped (Newton + SEs from PairCounts)", t_fit_drop)
    line("  choix.ilsr_pairwise tol=1e-8 (its input is per vote)", t_choix, t_fit_drop)
    line("  ours, ties as half", t_fit_half)
    line("  FastChat-style LR on unique rows tol=1e-6", t_fcfit, t_fit_half)
    line("  FastChat-style LR on unique rows tol=1e-10", t_fcfit10, t_fit_half)

    t_boot, _ = timed(lambda: bt_scores(votes, bootstrap=args.rounds, seed=0, progress=False), 1)
    t_boot_r, _ = timed(lambda: bt_scores(votes, bootstrap=args.rounds, cluster="rater", seed=0, progress=False), 1)
    print(
        f"bootstrap, {args.rounds} rounds: iid (multinomial on counts) {t_boot - t_half:.2f} s beyond the fit "
        f"({t_boot:.2f} s in all); clustered by rater ({args.votes // 1000} raters) {t_boot_r - t_half:.2f} s"
    )
    print(
        "peak traced memory (MiB): "
        f"ours {peak_mib(ours(votes, 'half')):.1f}; "
        f"choix {peak_mib(lambda: choix_fit(args.models, pairs, tol=1e-8)):.1f} (+ its int pairs); "
        f"FastChat-style {peak_mib(lambda: fastchat_style(votes, tol=1e-6)):.1f}; "
        f"ours + {args.rounds}-round bootstrap "
        f"{peak_mib(lambda: bt_scores(votes, bootstrap=args.rounds, progress=False)):.1f}"
    )
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
