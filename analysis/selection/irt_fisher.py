"""metabench-style selection by 2PL Fisher information over the training models, task by task.

Model (Kipnis et al. 2025), on the task-wise 2PL of :class:`analysis.task_irt.TaskIRT`: item :math:`j` of task
:math:`t` carries Fisher information :math:`I_j(\\theta) = a_j^2 p_j(\\theta)(1 - p_j(\\theta))` about
:math:`\\theta_t`. Its value for the population of models is the mean over the training models' abilities,
:math:`\\bar I_j = \\frac1n \\sum_m I_j(\\theta_{m,t})` — the expected information of the item for a model drawn
like the training ones. Task :math:`t` receives :math:`k_t \\approx k V_t` items (its share of the full score,
largest remainders, as in :mod:`analysis.selection.stratified`) and takes its :math:`k_t` items of largest
:math:`\\bar I_j`; weights are :math:`V_t / k_t` (the stratified mean, used by ``mean`` and inside ``gpirt``).
The default estimator is p-IRT (see :mod:`analysis.selection.base`).

With one pooled ability (fewer than 50 training models per task, :data:`analysis.selection.base.
MODELS_PER_TASK_ABILITY`) the items are instead the most informative at 25 quantiles (5-95 %) of the training
abilities, taken in turn, which spreads the information over the whole ability range (the rule this method used
before the task-wise model; with 17 training models of nlu-test-sets, leave-one-model-out at 50 items, Pearson
0.938 and MAE 0.026, against 0.933 and 0.028 for the A-optimal design).

Why not the informative items at a grid of abilities over all tasks pooled (what this method did before): with one
ability pooled over gsm8k, TruthfulQA and WinoGrande the most informative items all came from the task that
tracks the pooled ability best, the other tasks went unmeasured, and on open-llm-tiny (2,656 models) the subset was
no better than random (MAE 0.033 against 0.032 at 50 items); task-wise it is 0.024.

References
----------
Kipnis, A., Voudouris, K., Schulze Buschoff, L. M., Schulz, E. (2025). metabench — A Sparse Benchmark of
Reasoning and Knowledge in Large Language Models. ICLR.
Lord, F. M. (1980). *Applications of Item Response Theory to Practical Testing Problems*. Erlbaum (test
information).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from analysis.selection._clustering import pattern_copies_to_items
from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["IRTFisherSelector", "greedy_design", "population_information"]

_CHUNK = 256
#: Training models the design criterion is averaged over (an evenly spread subset when there are more).
DESIGN_MODELS = 200
#: Length of the greedy path computed once per training set (smaller sizes take its prefix).
DESIGN_STEPS = 100


class _ColumnIndex:
    """The :class:`Patterns`-like view (order, starts) of the task-pattern columns, for ``pattern_copies_to_items``."""

    def __init__(self, order: np.ndarray, starts: np.ndarray):
        self.order, self.starts = order, starts

    @classmethod
    def of(cls, tp) -> _ColumnIndex:
        order = np.argsort(tp.inverse, kind="stable")
        starts = np.concatenate([[0], np.cumsum(tp.counts.astype(np.intp))[:-1]])
        return cls(order, starts)


def population_information(theta: np.ndarray, a: np.ndarray, d: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """Mean Fisher information :math:`\\bar I_j` of each item over models with task abilities ``theta`` (n, T)."""
    total = np.zeros(len(a))
    for start in range(0, len(theta), _CHUNK):
        p = expit(theta[start : start + _CHUNK][:, tasks] * a + d)
        total += (p * (1 - p)).sum(axis=0)
    return a**2 * total / len(theta)


def _grid_round_robin(theta: np.ndarray, a: np.ndarray, d: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Columns by information at a grid of ability quantiles (5-95 %), taking turns across the grid points."""
    grid = np.quantile(theta, np.linspace(0.05, 0.95, min(k, 25)))
    info = a**2 * (lambda p: p * (1 - p))(expit(np.outer(grid, a) + d))  # (G, C)
    n_top = min(k + 1, info.shape[1])
    part = np.argpartition(-info, n_top - 1, axis=1)[:, :n_top]
    top = np.take_along_axis(part, np.argsort(-np.take_along_axis(info, part, axis=1), axis=1), axis=1)
    remaining = counts.astype(np.intp).copy()
    chosen: list[int] = []
    pointers = np.zeros(len(grid), dtype=np.intp)
    while len(chosen) < k:
        progressed = False
        for g in range(len(grid)):
            while pointers[g] < top.shape[1] and remaining[top[g, pointers[g]]] == 0:
                pointers[g] += 1
            if pointers[g] >= top.shape[1]:
                continue
            col = top[g, pointers[g]]
            remaining[col] -= 1
            chosen.append(int(col))
            progressed = True
            if len(chosen) == k:
                break
        if not progressed:  # every grid point's list ran out: take the most informative columns left
            left = np.flatnonzero(remaining > 0)
            best = left[np.argsort(-info.max(axis=0)[left])]
            chosen.extend(np.repeat(best, remaining[best])[: k - len(chosen)].tolist())
    return np.asarray(chosen, dtype=np.intp)


def greedy_design(
    theta: np.ndarray,
    a: np.ndarray,
    d: np.ndarray,
    tasks: np.ndarray,
    counts: np.ndarray,
    column_weights: np.ndarray,
    sigma: np.ndarray,
    k: int,
) -> np.ndarray:
    """Greedy A-optimal order of up to ``k`` columns for the full score (see the module docstring).

    ``theta`` (M, T): abilities of the models the design is averaged over; ``a, d, tasks, counts,
    column_weights`` (C,): the 2PL columns, how many items each stands for and their summed weight :math:`v`;
    ``sigma`` (T, T): prior covariance of the abilities. A column may be taken up to ``counts`` times.
    """
    n_tasks = sigma.shape[0]
    pq = np.empty((len(theta), len(a)))
    for start in range(0, len(theta), _CHUNK):
        p = expit(theta[start : start + _CHUNK][:, tasks] * a + d)
        pq[start : start + _CHUNK] = p * (1 - p)
    info = a**2 * pq  # (M, C)
    onehot = np.zeros((len(a), n_tasks))
    onehot[np.arange(len(a)), tasks] = 1.0
    sens = (pq * (column_weights * a)) @ onehot  # (M, T): dS/dtheta_t
    cov = np.repeat(sigma[None], len(theta), axis=0)  # posterior covariance of each model's abilities
    remaining = counts.astype(np.intp).copy()
    rows = np.arange(len(theta))
    # columns grouped by task, so each step's gain needs no (M, C) gather of u and diag by task
    order = np.argsort(tasks, kind="stable")
    bounds = np.searchsorted(tasks[order], np.arange(n_tasks + 1))
    info_sorted = np.ascontiguousarray(info[:, order])
    mean_row = np.full(len(theta), 1.0 / len(theta))
    gain_sorted = np.empty(len(a))
    chosen = []
    for _ in range(min(k, int(remaining.sum()))):
        u = np.einsum("mts,ms->mt", cov, sens)  # C c
        diag = np.einsum("mtt->mt", cov)
        for t in range(n_tasks):
            lo, hi = bounds[t], bounds[t + 1]
            if lo == hi:
                continue
            block = info_sorted[:, lo:hi]
            den = block * diag[:, t : t + 1]
            den += 1.0
            num = block * (u[:, t : t + 1] ** 2)
            num /= den
            gain_sorted[lo:hi] = mean_row @ num
        gain = np.empty(len(a))
        gain[order] = gain_sorted
        gain[remaining == 0] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        remaining[j] -= 1
        t = tasks[j]
        col = cov[:, :, t]  # (M, T)
        scale = info[:, j] / (1.0 + info[:, j] * cov[rows, t, t])
        cov = cov - scale[:, None, None] * col[:, :, None] * col[:, None, :]
    return np.asarray(chosen, dtype=np.intp)


class IRTFisherSelector(SubsetSelector):
    """``irt_fisher``: per task, the items most informative for the training models' abilities; p-IRT estimate."""

    name = "irt_fisher"
    default_estimator = "pirt"
    estimators = ("mean", "calibrated", "pirt", "gpirt")

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        tp, irt = train.task_patterns, train.task_irt
        if irt.n_tasks == 1:  # one pooled ability (few models per task): informative items across its range
            pat = train.patterns  # one ability: a response pattern has one (a, d) whatever its items' tasks
            col = tp.inverse[pat.first]
            chosen = _grid_round_robin(irt.theta_[:, 0], irt.a_[col], irt.d_[col], pat.counts, self.size)
            items = pattern_copies_to_items(chosen, pat)
            return items, train.item_weights[items]
        key = ("irt_fisher", max(self.size, DESIGN_STEPS))
        if key not in train.cache:
            sample = irt.theta_
            if len(sample) > DESIGN_MODELS:  # a fixed spread of the training models, not a random draw
                sample = sample[
                    np.argsort(sample.mean(axis=1))[np.linspace(0, len(sample) - 1, DESIGN_MODELS).astype(int)]
                ]
            train.cache[key] = greedy_design(
                sample, irt.a_, irt.d_, irt.tasks_, tp.counts, tp.weights[:, 0], irt.sigma_, key[1]
            )
        columns = train.cache[key][: self.size]
        items = pattern_copies_to_items(columns, _ColumnIndex.of(tp))
        tasks = train.tasks
        share = np.bincount(tasks, weights=train.item_weights, minlength=int(tasks.max()) + 1)
        per_task = np.bincount(tasks[items], minlength=len(share))
        return items, share[tasks[items]] / per_task[tasks[items]]
