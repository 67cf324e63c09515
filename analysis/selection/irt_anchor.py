"""tinyBenchmarks-style IRT anchors: per task, cluster items by their 2PL parameters, keep one anchor per cluster.

Model (Maia Polo et al. 2024): fit the task-wise 2PL on the training models (:class:`analysis.task_irt.TaskIRT`,
:math:`p_{mj} = \\sigma(a_j\\theta_{m,t(j)} + d_j)`), embed item :math:`j` as :math:`(a_j, d_j)`, give task
:math:`t` :math:`k_t \\approx k V_t` anchors (its share of the full score; tinyBenchmarks picks anchors per
scenario), cluster the task's embeddings into :math:`k_t` groups by weighted k-means (item weights :math:`v_j`),
and take the item nearest each centroid as anchor with weight :math:`w_c = \\sum_{j \\in c} v_j` (anchor-point
weighting: the cluster's mass). The default estimator is gp-IRT, the anchor-weighted mean combined with p-IRT
(see :mod:`analysis.selection.base`).

With one pooled ability (fewer than 50 training models per task) the clustering runs over all response patterns at
once, as before the task-wise model: per-task allocation of 10 anchors over 29 tasks lost to random on
nlu-test-sets (MAE 0.045 vs 0.039 at 30 items, 72 training models).

Which item represents a cluster. Task-wise, its item of largest mean Fisher information over the training models
(:func:`analysis.selection.irt_fisher.population_information`). With one pooled ability neither rule wins
everywhere, so ``anchors="auto"`` (the default) picks, per size and seed, ``central`` (the item nearest the
centroid, tinyBenchmarks' rule) or ``informative`` by the smaller absolute error over 5 inner folds of the
training models (never the held-out ones; ``central`` with fewer than 10 training models). Measured, MAE at
10/30/50/100 items (5-fold over models):

* nlu-test-sets, 18 ``_best`` models, 10 seeds: central 0.057/0.037/0.034/0.030 (ties random's 0.056 at 10),
  informative 0.044/0.035/0.031/0.031, auto 0.047/0.033/0.033/0.031; random 0.056/0.043/0.038/0.035;
* simulated (``simulate_benchmark(n_models=120)``, four skills mixed within tasks, so one ability misfits), 5
  seeds: central 0.081/0.062/0.050/0.041, informative 0.088/0.070/0.061/0.048, auto 0.085/0.065/0.051/0.042;
  random 0.079/0.057/0.044/0.034 (both IRT methods lose to random here: the data are not unidimensional).

References
----------
Maia Polo, F., Weber, L., Choshen, L., Sun, Y., Xu, G., Yurochkin, M. (2024). tinyBenchmarks: evaluating LLMs
with fewer examples. ICML.
"""

from __future__ import annotations

import numpy as np

from analysis.errors import HumansError
from analysis.selection._clustering import fill_to_size, patterns_to_items, weighted_kmeans_anchors
from analysis.selection.base import SubsetSelector, TrainingSet
from analysis.selection.irt_fisher import population_information
from analysis.selection.stratified import allocate

__all__ = ["ANCHOR_RULES", "IRTAnchorSelector"]

#: How each cluster is represented: its item nearest the centroid, its most informative item, or chosen by inner
#: cross-validation over the training models (``auto``; with one pooled ability only, see the module docstring).
ANCHOR_RULES = ("auto", "central", "informative")
#: Inner folds of ``auto``, and the fewest training models it needs (fewer: ``central``).
INNER_FOLDS = 5
INNER_MIN_MODELS = 10


class IRTAnchorSelector(SubsetSelector):
    """``irt_anchor``: per-task k-means over 2PL item parameters (a, d), cluster-mass weights, gp-IRT estimate."""

    name = "irt_anchor"
    stochastic = True
    default_estimator = "gpirt"
    estimators = ("mean", "calibrated", "pirt", "gpirt")

    def __init__(self, size: int = 50, *, estimator: str | None = None, random_state=None, anchors: str = "auto"):
        super().__init__(size, estimator=estimator, random_state=random_state)
        if anchors not in ANCHOR_RULES:
            raise HumansError(f"anchors {anchors!r} is not one of {', '.join(ANCHOR_RULES)}.")
        self.anchors = anchors

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        tp, irt = train.task_patterns, train.task_irt
        key = ("irt_fisher", "information")
        if key not in train.cache:
            train.cache[key] = population_information(irt.theta_, irt.a_, irt.d_, irt.tasks_)
        info = train.cache[key]
        if irt.n_tasks == 1:  # one pooled ability (few models per task): cluster all response patterns at once
            self.anchors_ = self._anchor_rule(train) if self.anchors == "auto" else self.anchors
            pat = train.patterns
            col = tp.inverse[pat.first]
            points = np.column_stack([irt.a_[col], irt.d_[col]])
            anchors, weight = weighted_kmeans_anchors(
                points,
                pat.weight,
                self.size,
                rng,
                train.cache,
                (self.name, repr(self.random_state)),
                prefer=info[col] if self.anchors_ == "informative" else None,
            )
            items = patterns_to_items(anchors, pat, rng)
            return fill_to_size(items, weight, self.size, train.n_items, rng)
        self.anchors_ = "informative"
        tasks = train.tasks
        n_tasks = int(tasks.max()) + 1
        share = np.bincount(tasks, weights=train.item_weights, minlength=n_tasks)
        capacity = np.bincount(tasks, minlength=n_tasks)
        alloc = allocate(self.size, share, capacity, rng)
        items, weights = [], []
        for t in np.flatnonzero(alloc):
            members = np.flatnonzero(tasks == t)
            cols = tp.inverse[members]
            points = np.column_stack([irt.a_[cols], irt.d_[cols]])
            anchors, weight = weighted_kmeans_anchors(
                points,
                train.item_weights[members],
                int(alloc[t]),
                rng,
                train.cache,
                (self.name, int(t), repr(self.random_state)),
                prefer=info[cols],
            )
            items.append(members[anchors])
            weights.append(weight)
        # identical parameters (one response pattern) can leave a cluster empty: top up at random
        return fill_to_size(np.concatenate(items), np.concatenate(weights), self.size, train.n_items, rng)

    def _anchor_rule(self, train: TrainingSet) -> str:
        """``central`` or ``informative`` by the smaller error over inner folds of the training models (cached)."""
        key = ("irt_anchor", "rule", self.size, repr(self.random_state), self.estimator)
        if key in train.cache:
            return train.cache[key]
        n = train.n_models
        if n < INNER_MIN_MODELS:
            return "central"
        folds = np.array_split(np.random.default_rng(0).permutation(n), INNER_FOLDS)
        error = dict.fromkeys(("central", "informative"), 0.0)
        for f, held in enumerate(folds):
            inner_key = ("irt_anchor", "inner", f)
            if inner_key not in train.cache:
                rest = np.setdiff1d(np.arange(n), held)
                train.cache[inner_key] = TrainingSet(
                    train.raw_scores[rest], train.tasks, train.item_weights, train.target[rest], train.irt_max_iter
                )
            inner = train.cache[inner_key]
            for rule in error:
                sel = type(self)(self.size, estimator=self.estimator, random_state=self.random_state, anchors=rule)
                sel.fit(inner)
                pred = sel.predict(train.raw_scores[np.ix_(held, sel.items_)])
                error[rule] += float(np.abs(pred - train.target[held]).sum())
        train.cache[key] = min(error, key=lambda rule: (error[rule], rule != "central"))
        return train.cache[key]
