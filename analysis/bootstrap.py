"""Bootstrap resampling of aggregated comparison counts: iid over votes and clustered by rater or scenario.

Resampling happens on counts, never on vote rows: an iid round is one multinomial draw over the (pair, outcome)
cells, a clustered round is a multinomial draw of cluster multiplicities times the per-cluster count matrix.
Rounds are produced in chunks so that memory stays bounded while every chunk is fitted as one batch.

References
----------
Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
Field, C. A. and Welsh, A. H. (2007). Bootstrapping clustered data. JRSS B 69, 369–390.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
from tqdm.auto import tqdm

from analysis.comparisons import PairCounts

__all__ = ["resampled_counts", "show_progress"]


def show_progress(progress: bool | None) -> bool:
    """Resolve a progress flag: ``None`` shows a bar only when stderr is a terminal."""
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


def resampled_counts(
    pc: PairCounts,
    rounds: int,
    rng: np.random.Generator,
    *,
    cluster: bool = False,
    chunk: int | None = None,
    progress: bool | None = None,
) -> Iterator[np.ndarray]:
    """Yield bootstrap count tables in chunks, each shaped (chunk, n_rows, 3).

    Parameters
    ----------
    pc : PairCounts
    rounds : int
        Total number of bootstrap rounds.
    rng : numpy.random.Generator
    cluster : bool, default False
        Resample whole clusters (``pc.clusters``) instead of single votes.
    chunk : int, optional
        Rounds per yielded batch (default: as many as fit in about 32 MB of working arrays).
    progress : bool or None
        Show a tqdm bar (``None``: only on a terminal).
    """
    n_cells = pc.counts.size
    if chunk is None:
        chunk = int(np.clip(4_000_000 // (pc.n_models**2 + 4 * n_cells), 20, 1000))
    if cluster:
        per_cluster = pc.clusters
        n_clusters = per_cluster.shape[0]
        cluster_t = per_cluster.T.tocsr()
    else:
        votes = pc.vote_counts.ravel()
        total = round(float(votes.sum()))
        probs = votes / votes.sum()
        weights = pc.mean_weight.ravel()
    with tqdm(total=rounds, desc="bootstrap", unit="round", disable=not show_progress(progress)) as bar:
        done = 0
        while done < rounds:
            size = min(chunk, rounds - done)
            if cluster:
                multiplicity = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=size)
                draws = np.asarray((cluster_t @ multiplicity.T.astype(float)).T)
            else:
                draws = rng.multinomial(total, probs, size=size) * weights
            yield draws.reshape(size, n_cells // 3, 3)
            done += size
            bar.update(size)
