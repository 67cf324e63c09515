"""DISCO-style disagreement selection: the items on which the training models differ most.

Model (Rubinstein et al. 2026): items on which models agree carry no information about how they differ. Item
:math:`j` is scored by the variance of its scores across training models,
:math:`\\mathrm{Var}_m(s_{mj})` (for 0/1 scores :math:`\\bar s_j(1 - \\bar s_j)`, largest when models split
evenly), and the :math:`k` highest-scoring items are kept (ties broken at random), with equal weights; the
calibrated estimator maps their mean to the full score. (DISCO's own predictor is a metamodel on the models'
raw outputs; for 0/1 scores the variance is its predictive-diversity ranking, and our estimators are linear.)

References
----------
Rubinstein, A., Raible, B., Gubri, M., Oh, S. J. (2026). DISCO: Diversifying Sample Condensation for Efficient
Model Evaluation. ICLR; arXiv:2510.07959.
"""

from __future__ import annotations

import numpy as np

from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["DisagreementSelector"]


class DisagreementSelector(SubsetSelector):
    """``disagreement``: the k items with the largest score variance across training models."""

    name = "disagreement"
    stochastic = True

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        if "variance" not in train.cache:
            pat = train.patterns
            train.cache["variance"] = _column_variance(pat.matrix)[pat.inverse]
        var = train.cache["variance"]
        jitter = rng.random(train.n_items) * 1e-9
        items = np.argpartition(-(var + jitter), self.size - 1)[: self.size]
        return np.sort(items), np.ones(self.size)


def _column_variance(matrix: np.ndarray) -> np.ndarray:
    """Variance of every column in float64, over blocks of columns (no float64 copy of a float32 matrix)."""
    step = max(1, 2_000_000 // max(matrix.shape[0], 1))
    return np.concatenate(
        [np.asarray(matrix[:, s : s + step], dtype=np.float64).var(axis=0) for s in range(0, matrix.shape[1], step)]
    )
