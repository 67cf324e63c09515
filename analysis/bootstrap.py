"""Bootstrap resampling of aggregated comparison counts: iid over votes and clustered by rater or scenario.

Resampling happens on counts, never on vote rows: an iid round is one multinomial draw over the (pair, outcome)
cells, a clustered round is a multinomial draw of cluster multiplicities times the per-cluster count matrix.
Rounds come in chunks (bounded memory), each from its own generator spawned from the seed, so the draws do not
depend on timing; the next chunks are drawn in worker threads while the caller fits the current one (numpy's
samplers release the GIL).

References
----------
Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
Field, C. A. and Welsh, A. H. (2007). Bootstrapping clustered data. JRSS B 69, 369–390.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

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
    seed: int | np.random.SeedSequence,
    *,
    cluster: bool = False,
    chunk: int | None = None,
    progress: bool | None = None,
    workers: int = 2,
) -> Iterator[np.ndarray]:
    """Yield bootstrap count tables in chunks, each shaped (chunk, n_rows, 3).

    Parameters
    ----------
    pc : PairCounts
    rounds : int
        Total number of bootstrap rounds.
    seed : int or numpy.random.SeedSequence
        Root seed; chunk ``c`` uses the ``c``-th spawned generator.
    cluster : bool, default False
        Resample whole clusters (``pc.clusters``) instead of single votes.
    chunk : int, optional
        Rounds per yielded batch (default: as many as fit in about 32 MB of working arrays).
    progress : bool or None
        Show a tqdm bar (``None``: only on a terminal).
    workers : int, default 2
        Threads that draw chunks ahead of the consumer.
    """
    n_cells = pc.counts.size
    if chunk is None:
        chunk = int(np.clip(4_000_000 // (pc.n_models**2 + 4 * n_cells), 20, 1000))
    sizes = [min(chunk, rounds - start) for start in range(0, rounds, chunk)]
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    generators = [np.random.default_rng(s) for s in root.spawn(len(sizes))]
    if cluster:
        n_clusters = pc.clusters.shape[0]
        cluster_t = pc.clusters.T.tocsr()

        def draw(rng: np.random.Generator, size: int) -> np.ndarray:
            multiplicity = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=size)
            return np.asarray((cluster_t @ multiplicity.T.astype(float)).T)
    else:
        votes = pc.vote_counts.ravel()
        total = round(float(votes.sum()))
        probs = votes / votes.sum()
        weights = pc.mean_weight.ravel()

        def draw(rng: np.random.Generator, size: int) -> np.ndarray:
            return rng.multinomial(total, probs, size=size) * weights

    with (
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
        tqdm(total=rounds, desc="bootstrap", unit="round", disable=not show_progress(progress)) as bar,
    ):
        pending = [
            pool.submit(draw, rng, size) for rng, size in zip(generators[:workers], sizes[:workers], strict=True)
        ]
        for k, size in enumerate(sizes):
            draws = pending.pop(0).result()
            if k + workers < len(sizes):
                pending.append(pool.submit(draw, generators[k + workers], sizes[k + workers]))
            yield draws.reshape(size, n_cells // 3, 3)
            bar.update(size)
