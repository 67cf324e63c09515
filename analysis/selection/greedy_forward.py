"""Greedy forward selection of the items whose mean tracks the target best on the training models.

Model: start from the empty set; at each step add the item :math:`j` that minimises the squared error, over the
training models, between the subset mean and the target (the full score, or a human score):
:math:`\\sum_m \\big(\\frac{1}{|S|+1}(\\sum_{i \\in S} s_{mi} + s_{mj}) - y_m\\big)^2`. With the running sum
:math:`c_m` and :math:`r = c - (|S|+1)\\,y` this is :math:`\\arg\\min_j 2 r^\\top s_{\\cdot j} + \\lVert s_{\\cdot j}
\\rVert^2`, one matrix–vector product per step over the distinct item columns (a column may be taken as many
times as it has items). Matching the level, not only the correlation, keeps the greedy path from overfitting the
few training models (maximising the correlation instead picks items that fit their ranking by chance).
Larger subsets extend smaller ones, so the path is computed once per training set.
Equal weights; calibrated estimator. Forward stepwise selection: Efroymson (1960); see Hastie, Tibshirani &
Friedman, *The Elements of Statistical Learning*, 2nd ed., §3.3.2.
"""

from __future__ import annotations

import numpy as np

from analysis.selection._clustering import pattern_copies_to_items
from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["FLOAT32_ABOVE_CELLS", "GreedyForwardSelector", "greedy_path"]

#: Matrices larger than this (models × distinct items) are multiplied in their own float32, not copied to float64.
FLOAT32_ABOVE_CELLS = 20_000_000


def greedy_path(matrix: np.ndarray, counts: np.ndarray, target: np.ndarray, k: int) -> np.ndarray:
    """Pattern indices (with repeats, at most ``counts``) chosen greedily to minimise sum_m (mean_S - y_m)^2.

    Computed in float64; a float32 matrix above :data:`FLOAT32_ABOVE_CELLS` scores is used as it is (float32
    products, no float64 copy of it).
    """
    if matrix.dtype != np.float64 and matrix.size <= FLOAT32_ABOVE_CELLS:
        matrix = matrix.astype(np.float64)
    width = max(1, 2_000_000 // max(matrix.shape[0], 1))
    blocks = (np.asarray(matrix[:, s : s + width], dtype=np.float64) for s in range(0, matrix.shape[1], width))
    col_sq = np.concatenate([(block**2).sum(axis=0) for block in blocks])
    c = np.zeros(matrix.shape[0])
    left = counts.astype(np.int64).copy()
    path = np.empty(k, dtype=np.intp)
    for n in range(k):
        r = (c - (n + 1) * target).astype(matrix.dtype)
        loss = 2.0 * (r @ matrix) + col_sq
        loss[left <= 0] = np.inf
        j = int(np.argmin(loss))
        path[n] = j
        left[j] -= 1
        c = c + matrix[:, j]
    return path


class GreedyForwardSelector(SubsetSelector):
    """``greedy_forward``: add, one at a time, the item that most reduces the squared error of the subset mean."""

    name = "greedy_forward"
    uses_target = True

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        pat = train.patterns
        key = "greedy_forward"
        path = train.cache.get(key)
        if path is None or len(path) < self.size:
            path = greedy_path(pat.matrix, pat.counts, train.target, max(self.size, 200))
            train.cache[key] = path
        chosen = path[: self.size]
        items = pattern_copies_to_items(chosen, pat)
        return items, np.ones(self.size)
