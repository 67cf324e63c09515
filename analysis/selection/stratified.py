"""Task-stratified random subset.

Model: task :math:`t` carries full-score weight :math:`V_t = \\sum_{j \\in t} v_j` (1/T under the macro average).
It receives :math:`k_t \\approx k V_t` items (largest remainders, ties at random, capped at the task's size), drawn
uniformly within the task, each weighted :math:`V_t / k_t`: the stratified estimator of the full score
(Cochran, *Sampling Techniques*, 1977, ch. 5).
"""

from __future__ import annotations

import numpy as np

from analysis.selection.base import SubsetSelector, TrainingSet

__all__ = ["StratifiedSelector", "allocate"]


def allocate(k: int, share: np.ndarray, capacity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer allocation of ``k`` units proportional to ``share`` (largest remainder), within ``capacity``."""
    alloc = np.zeros(len(share), dtype=np.intp)
    remaining = k
    active = capacity > 0
    while remaining > 0 and active.any():
        s = np.where(active, share, 0.0)
        s = s / s.sum() if s.sum() > 0 else active / active.sum()
        quota = remaining * s
        base = np.minimum(np.floor(quota).astype(np.intp), capacity - alloc)
        alloc += base
        remaining -= int(base.sum())
        if remaining > 0:
            frac = np.where(active & (alloc < capacity), quota - np.floor(quota) + 1e-9 * rng.random(len(s)), -1)
            n_extra = min(remaining, int((frac >= 0).sum()))
            top = np.argsort(-frac)[:n_extra]
            alloc[top] += 1
            remaining -= n_extra
        active = alloc < capacity
    return alloc


class StratifiedSelector(SubsetSelector):
    """``stratified``: random items within tasks, allocated by each task's share of the full score."""

    name = "stratified"
    stochastic = True

    def _select(self, train: TrainingSet, rng: np.random.Generator):
        tasks = train.tasks
        n_tasks = int(tasks.max()) + 1
        share = np.bincount(tasks, weights=train.item_weights, minlength=n_tasks)
        capacity = np.bincount(tasks, minlength=n_tasks)
        alloc = allocate(self.size, share, capacity, rng)
        items, weights = [], []
        for t in np.flatnonzero(alloc):
            members = np.flatnonzero(tasks == t)
            chosen = rng.choice(members, alloc[t], replace=False)
            items.append(chosen)
            weights.append(np.full(alloc[t], share[t] / alloc[t]))
        return np.concatenate(items), np.concatenate(weights)
