"""tinyBenchmarks-style IRT anchors: cluster items by their 2PL parameters, keep one anchor per cluster.

Model (Maia Polo et al. 2024): fit a 2PL IRT model on the training models
(:math:`p_{mj} = \\sigma(a_j\\theta_m + d_j)`, :mod:`analysis.irt`), embed item :math:`j` as :math:`(a_j, d_j)`,
cluster the embeddings into :math:`k` groups by weighted k-means (item weights :math:`v_j`), and take the item
nearest each centroid as anchor with weight :math:`w_c = \\sum_{j \\in c} v_j`. The default estimator is p-IRT:
:math:`\\hat S = \\sum_{j \\in S} v_j s_j + \\sum_{j \\notin S} v_j \\sigma(a_j \\hat\\theta + d_j)` with
:math:`\\hat\\theta` the MAP ability from the anchors.

References
----------
Maia Polo, F., Weber, L., Choshen, L., Sun, Y., Xu, G., Yurochkin, M. (2024). tinyBenchmarks: evaluating LLMs
with fewer examples. ICML.
"""

from __future__ import annotations

import numpy as np

from analysis.selection._clustering import fill_to_size, patterns_to_items, weighted_kmeans_anchors
from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["IRTAnchorSelector"]


class IRTAnchorSelector(SubsetSelector):
    """``irt_anchor``: k-means over 2PL item parameters (a, d), nearest-to-centroid anchors, p-IRT estimate."""

    name = "irt_anchor"
    stochastic = True
    default_estimator = "pirt"
    estimators = ("mean", "calibrated", "pirt")

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        pat, irt = train.patterns, train.pattern_irt
        points = np.column_stack([irt.a_, irt.d_])
        anchors, weight = weighted_kmeans_anchors(
            points, pat.weight, self.size, rng, train.cache, (self.name, repr(self.random_state))
        )
        items = patterns_to_items(anchors, pat, rng)
        return fill_to_size(items, weight, self.size, train.n_items, rng)
