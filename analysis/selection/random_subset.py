"""Uniform random subset: the baseline every method must beat.

Model: :math:`S` is a simple random sample of :math:`k` items, :math:`w_j = 1/k`; the estimate is the subset mean
(or its linear calibration). It estimates the micro average without bias; under the macro average the calibration
absorbs most of the difference.
"""

from __future__ import annotations

import numpy as np

from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["RandomSelector"]


class RandomSelector(SubsetSelector):
    """``random``: k items drawn uniformly without replacement, equal weights."""

    name = "random"
    stochastic = True

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        items = rng.choice(train.n_items, self.size, replace=False)
        return np.sort(items), np.ones(self.size)
