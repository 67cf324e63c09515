"""metabench-style selection by 2PL Fisher information over the training models' ability range.

Model (Kipnis et al. 2025): after a 2PL fit on the training models, item :math:`j` carries Fisher information
:math:`I_j(\\theta) = a_j^2 p_j(\\theta)(1 - p_j(\\theta))` at ability :math:`\\theta`. We place
:math:`G = \\min(k, 25)` grid points at evenly spaced quantiles (5 %–95 %) of the training abilities and, going
round the grid, add the not yet chosen item with the largest information at that point, so the subset measures
well everywhere models actually are. Weights are the items' full-score weights :math:`v_j` (renormalised); the
default estimator is p-IRT (see :mod:`analysis.selection.base`).

References
----------
Kipnis, A., Voudouris, K., Schulze Buschoff, L. M., Schulz, E. (2025). metabench — A Sparse Benchmark of
Reasoning and Knowledge in Large Language Models. ICLR.
"""

from __future__ import annotations

import numpy as np

from analysis.irt import item_information
from analysis.selection._clustering import pattern_copies_to_items
from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["IRTFisherSelector"]


class IRTFisherSelector(SubsetSelector):
    """``irt_fisher``: most informative items at a grid of abilities, p-IRT estimate."""

    name = "irt_fisher"
    default_estimator = "pirt"
    estimators = ("mean", "calibrated", "pirt")

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        pat, irt = train.patterns, train.pattern_irt
        a, d = irt.a_, irt.d_
        grid = np.quantile(irt.theta_, np.linspace(0.05, 0.95, min(self.size, 25)))
        info = item_information(grid, a, d)  # (G, n_patterns)
        # each pattern may be taken as often as it has items; rank (pattern, copy) pairs per grid point
        n_top = self.size
        n_top = min(n_top + 1, info.shape[1])
        part = np.argpartition(-info, n_top - 1, axis=1)[:, :n_top]
        top = np.take_along_axis(part, np.argsort(-np.take_along_axis(info, part, axis=1), axis=1), axis=1)
        remaining = pat.counts.copy()
        chosen: list[int] = []
        pointers = np.zeros(len(grid), dtype=np.intp)
        while len(chosen) < self.size:
            for g in range(len(grid)):
                while pointers[g] < top.shape[1] and remaining[top[g, pointers[g]]] == 0:
                    pointers[g] += 1
                if pointers[g] >= top.shape[1]:
                    continue
                p = top[g, pointers[g]]
                remaining[p] -= 1
                chosen.append(int(p))
                if len(chosen) == self.size:
                    break
        items = pattern_copies_to_items(np.asarray(chosen), pat)
        return items, train.item_weights[items]
