"""One cross-validation fold of subset selection: fit on the training models, predict the held-out ones.

Shared by the outer folds of :func:`analysis.evaluation.evaluate_selection` and by the inner folds that choose the
``auto`` method and calibrate prediction intervals (nested cross-validation: the inner folds split the outer
training models only). A *spec* is (method, estimator, seed); for each spec and size the fold returns the held-out
models' estimated full score and, with human scores, their predicted human score:

* the selector is fitted on the training models (target: the full score) and predicts from the subset's items;
* with human scores, a method that uses its target re-selects with the human score as target, and ``regressor``
  (by default :class:`analysis.regression.StackedRidge`: the full-benchmark regression on task means, corrected by
  the subset's items) is fitted on the training models and predicts the held-out human scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.missing import fill_missing
from analysis.regression import fit_predict
from analysis.selection import METHODS, TrainingSet

__all__ = ["FoldData", "Spec", "fold_predictions"]


@dataclass(frozen=True)
class Spec:
    """A method with its estimator and seed: one candidate of the evaluation (and of ``auto``)."""

    method: str
    estimator: str
    seed: int


@dataclass(frozen=True)
class FoldData:
    """Everything a fold needs about all models (plain arrays, cheap to send to worker processes)."""

    scores: np.ndarray  #: (n_models, n_items)
    tasks: np.ndarray  #: (n_items,) task codes
    item_weights: np.ndarray  #: (n_items,) full-score weights
    truth: np.ndarray  #: (n_models,) full scores
    human: np.ndarray | None  #: (n_models,) human scores
    features: np.ndarray  #: (n_models, n_tasks) task means, the full-benchmark regression's features
    regressor: str


def fold_predictions(
    data: FoldData, train_rows: np.ndarray, test_rows: np.ndarray, specs: list[Spec], sizes: tuple[int, ...], key: int
) -> dict[tuple[Spec, int], tuple[np.ndarray, np.ndarray]]:
    """Estimated full and human scores of ``test_rows`` for every spec and size, fitted on ``train_rows``.

    ``key`` separates the random streams of different folds. Human estimates are NaN without human scores.
    """
    if not specs:  # e.g. only ``auto``, whose candidates are fitted after the inner choice
        return {}
    train = TrainingSet(data.scores[train_rows], data.tasks, data.item_weights)
    human_train = None if data.human is None else train.with_target(data.human[train_rows])
    human_cache: dict[tuple[str, int, int], np.ndarray] = {}
    out = {}
    for spec in specs:
        cls = METHODS[spec.method]
        for size in sizes:
            sel = cls(size=size, estimator=spec.estimator, random_state=[spec.seed, key]).fit(train)
            est = sel.predict(data.scores[np.ix_(test_rows, sel.items_)])
            hum_key = (spec.method, spec.seed, size)
            if hum_key not in human_cache:
                human_cache[hum_key] = _human_prediction(data, train_rows, test_rows, sel, human_train, spec, key)
            out[spec, size] = (est, human_cache[hum_key])
    return out


def _human_prediction(data, train_rows, test_rows, sel, human_train, spec, key) -> np.ndarray:
    if data.human is None:
        return np.full(len(test_rows), np.nan)
    cls = type(sel)
    items = sel.items_
    if cls.uses_target:
        items = cls(size=sel.size, estimator=spec.estimator, random_state=[spec.seed, key]).fit(human_train).items_
    x_train = human_train.scores[:, items]  # missing scores: the item's mean over the training models
    return fit_predict(
        x_train,
        data.human[train_rows],
        fill_missing(data.scores[np.ix_(test_rows, items)], x_train.mean(axis=0)),
        data.regressor,
        data.features[train_rows],
        data.features[test_rows],
    )
