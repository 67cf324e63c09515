"""Missing item scores (NaN: a model not run on an item): the full score over what was observed, and imputation.

Real leaderboards have gaps. The full score of a model with missing items is the weighted score over the items it
has, renormalised within each task so every task keeps its weight:

.. math:: S_m = \\sum_t V_t \\,\\frac{\\sum_{j \\in t} o_{mj} v_j s_{mj}}{\\sum_{j \\in t} o_{mj} v_j},
          \\qquad V_t = \\sum_{j \\in t} v_j,

with :math:`o_{mj} = 1` when the score is observed; tasks a model has no item of are dropped and the other tasks'
weights renormalised. Without gaps this is :math:`\\sum_j v_j s_{mj}`. Methods that cluster or rank items by their
score columns see the item's mean over the models that have it in place of a gap.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "fill_missing",
    "impute_item_means",
    "item_means",
    "observed_full_score",
    "observed_sums",
    "row_sums",
    "weighted_mean_observed",
]

#: Cells per block of rows in the functions that reduce a whole score matrix (bounds their float64 temporaries).
_BLOCK_CELLS = 2_000_000


def observed_sums(scores: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:math:`\\sum_j o_{mj} s_{mj} C_{jk}` and :math:`\\sum_j o_{mj} C_{jk}` for every row, gaps skipped.

    Computed over blocks of rows in float64, so a large float32 matrix is never copied whole.

    Parameters
    ----------
    scores : ndarray of shape (n_models, n_items)
        Item scores, NaN where missing (any float dtype).
    columns : ndarray of shape (n_items, k)
        Weights per item and output column (e.g. a weighted one-hot of the tasks).

    Returns
    -------
    sums, mass : ndarray of shape (n_models, k)
    """
    columns = np.asarray(columns, dtype=np.float64)
    n_rows, n_cols = scores.shape
    sums, mass = np.zeros((n_rows, columns.shape[1])), np.zeros((n_rows, columns.shape[1]))
    step = max(1, _BLOCK_CELLS // max(n_cols, 1))
    for start in range(0, n_rows, step):
        block = np.asarray(scores[start : start + step], dtype=np.float64)
        observed = ~np.isnan(block)
        sums[start : start + step] = np.where(observed, block, 0.0) @ columns
        mass[start : start + step] = observed @ columns
    return sums, mass


def observed_full_score(scores: np.ndarray, item_weights: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """Full score of each model over its observed items, task weights kept (see the module docstring).

    Parameters
    ----------
    scores : ndarray of shape (n_models, n_items)
        Item scores, NaN where missing.
    item_weights : ndarray of shape (n_items,)
        Full-score weights :math:`v_j` (summing to 1).
    tasks : ndarray of shape (n_items,), int
        Task code of each item.

    Returns
    -------
    ndarray of shape (n_models,); NaN for a model without any observed item.

    Examples
    --------
    >>> s = np.array([[1.0, np.nan, 0.0, 0.0], [1.0, 0.0, 1.0, 1.0]])
    >>> observed_full_score(s, np.full(4, 0.25), np.array([0, 0, 1, 1])).tolist()
    [0.5, 0.75]
    """
    scores = np.asarray(scores)
    tasks = np.asarray(tasks, dtype=np.intp)
    n_tasks = int(tasks.max()) + 1 if len(tasks) else 0
    onehot = np.zeros((len(tasks), n_tasks))
    onehot[np.arange(len(tasks)), tasks] = item_weights
    got, mass = observed_sums(scores, onehot)  # (n_models, n_tasks) observed weighted sums and their weight
    task_weight = onehot.sum(axis=0)
    has = mass > 0
    task_score = np.divide(got, mass, out=np.zeros_like(got), where=has)
    weight = np.where(has, task_weight, 0.0)
    total = weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (task_score * weight).sum(axis=1) / total, np.nan)


def row_sums(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``scores @ weights`` in float64, over blocks of rows (no float64 copy of a float32 matrix)."""
    weights = np.asarray(weights, dtype=np.float64)
    if scores.dtype == np.float64:
        return scores @ weights
    step = max(1, _BLOCK_CELLS // max(scores.shape[1], 1))
    return np.concatenate(
        [np.asarray(scores[s : s + step], dtype=np.float64) @ weights for s in range(0, scores.shape[0], step)]
    )


def item_means(scores: np.ndarray) -> np.ndarray:
    """Each column's mean over its observed cells (0.5 for a column with no score), float64, shape (n_items,)."""
    n_rows, n_cols = scores.shape
    total, count = np.zeros(n_cols), np.zeros(n_cols)
    step = max(1, _BLOCK_CELLS // max(n_cols, 1))
    for start in range(0, n_rows, step):
        block = np.asarray(scores[start : start + step], dtype=np.float64)
        observed = ~np.isnan(block)
        total += np.where(observed, block, 0.0).sum(axis=0)
        count += observed.sum(axis=0)
    return np.divide(total, count, out=np.full(n_cols, 0.5), where=count > 0)


def impute_item_means(scores: np.ndarray) -> np.ndarray:
    """A copy of ``scores`` (same float dtype) with each NaN replaced by its column's mean (0.5 for a column with
    no score)."""
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    means = item_means(scores).astype(scores.dtype)
    out = np.empty_like(scores)
    step = max(1, _BLOCK_CELLS // max(scores.shape[1], 1))
    for start in range(0, scores.shape[0], step):
        block = scores[start : start + step]
        out[start : start + step] = np.where(np.isnan(block), means, block)
    return out


def weighted_mean_observed(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:math:`\\sum_j w_j x_j` over each row's observed entries, weights renormalised (``x @ w`` without NaN).

    A row with no observed entry gives NaN.
    """
    observed = ~np.isnan(x)
    if observed.all():
        return x @ weights
    mass = observed @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mass > 0, np.where(observed, x, 0.0) @ weights / mass, np.nan)


def fill_missing(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``x`` (n, k) with each NaN in column j replaced by ``values[j]`` (``x`` itself when nothing is missing)."""
    missing = np.isnan(x)
    return np.where(missing, values, x) if missing.any() else x
