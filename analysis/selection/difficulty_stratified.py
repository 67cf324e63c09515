"""Difficulty-stratified discriminative items.

Model: item difficulty is its mean score over the training models, :math:`\\bar s_j`; discrimination is the
correlation of its scores with the target across training models (the item–total point-biserial correlation of
classical test theory, Lord & Novick 1968). Items are cut into :math:`k` strata of equal full-score weight along
difficulty; each stratum contributes its most discriminative item, weighted by the stratum's weight
:math:`\\sum_{j \\in \\text{stratum}} v_j`. Easy, medium and hard items are all represented, each by the item that
best separates models.
"""

from __future__ import annotations

import numpy as np

from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["DifficultyStratifiedSelector", "item_target_correlation"]


def item_target_correlation(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of every item column with ``target`` (−1 for constant items), shape (n_items,).

    Computed in float64 over blocks of columns (no centred copy of the whole matrix).
    """
    yc = np.asarray(target, dtype=np.float64) - np.mean(target)
    n_items = scores.shape[1]
    num, ss = np.empty(n_items), np.empty(n_items)
    step = max(1, 2_000_000 // max(scores.shape[0], 1))
    for start in range(0, n_items, step):
        block = np.asarray(scores[:, start : start + step], dtype=np.float64)
        xc = block - block.mean(axis=0)
        num[start : start + step] = yc @ xc
        ss[start : start + step] = (xc**2).sum(axis=0)
    den = np.sqrt(ss * (yc @ yc))
    out = np.full(scores.shape[1], -1.0)
    ok = den > 1e-12
    out[ok] = num[ok] / den[ok]
    return out


class DifficultyStratifiedSelector(SubsetSelector):
    """``difficulty_stratified``: the most discriminative item in each of k equal-weight difficulty strata."""

    name = "difficulty_stratified"
    uses_target = True

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        difficulty = train.scores.mean(axis=0)
        disc = item_target_correlation(train.scores, train.target)
        order = np.argsort(difficulty, kind="stable")
        cum = np.cumsum(train.item_weights[order])
        stratum = np.minimum((cum / cum[-1] * self.size - 1e-12).astype(np.intp), self.size - 1)
        # best item per stratum: sort by (stratum, -disc) and take the first of each
        key = np.lexsort((-disc[order], stratum))
        srt = stratum[key]
        first = np.ones(len(srt), dtype=bool)
        first[1:] = srt[1:] != srt[:-1]
        items = order[key[first]]
        weights = np.bincount(stratum, weights=train.item_weights[order], minlength=self.size)[srt[first]]
        if len(items) < self.size:  # empty strata (many items share a weight): top up by discrimination
            rest = np.setdiff1d(np.argsort(-disc), items, assume_unique=False)
            rest = rest[np.argsort(-disc[rest], kind="stable")][: self.size - len(items)]
            items = np.concatenate([items, rest])
            weights = np.concatenate([weights, train.item_weights[rest]])
        return items, weights
