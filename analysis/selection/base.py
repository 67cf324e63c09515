"""The interface shared by the ten subset-selection methods, the training set they see, and the estimators.

A selector sees only the *training* models' item scores (a :class:`TrainingSet`). ``fit`` chooses ``size`` items
(``items_``, integer column positions) and weights (``weights_``, non-negative, summing to 1), and fits the
estimator that turns a new model's scores on those items into an estimate of its full-benchmark score:

* ``mean``: the weighted mean :math:`\\hat S = \\sum_{j \\in S} w_j s_j`;
* ``calibrated``: :math:`\\hat S = \\alpha + \\beta \\sum_{j \\in S} w_j s_j`, with :math:`(\\alpha, \\beta)` fitted by
  least squares on the training models' full scores;
* ``pirt`` (IRT methods only; Maia Polo et al. 2024): estimate the model's ability :math:`\\hat\\theta` from the
  subset (MAP under the 2PL fitted on the training models), then
  :math:`\\hat S = \\sum_{j \\in S} v_j s_j + \\sum_{j \\notin S} v_j\\, p_j(\\hat\\theta)` — observed where seen,
  predicted elsewhere, with the full-score weights :math:`v_j`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit

from analysis.errors import HumansError
from analysis.irt import IRT2PL, estimate_ability

__all__ = ["ESTIMATORS", "Patterns", "ScoreDerived", "SubsetSelector", "TrainingSet"]

#: Names of the estimators of the full score from a subset.
ESTIMATORS = ("mean", "calibrated", "pirt")


@dataclass(frozen=True)
class Patterns:
    """Distinct item columns (response patterns across the training models) with their multiplicity.

    Items with the same column of scores are indistinguishable to every method that looks only at scores, so
    methods work on the distinct patterns (often far fewer than the items) and map back.
    """

    matrix: np.ndarray  #: (n_models, n_patterns) the distinct columns
    inverse: np.ndarray  #: (n_items,) pattern of each item
    first: np.ndarray  #: (n_patterns,) first item with each pattern
    counts: np.ndarray  #: (n_patterns,) items per pattern
    weight: np.ndarray  #: (n_patterns,) summed full-score weight v of the items with each pattern
    order: np.ndarray  #: (n_items,) items sorted by pattern
    starts: np.ndarray  #: (n_patterns,) position in ``order`` of each pattern's first item


@dataclass
class ScoreDerived:
    """What depends on the score matrix alone (not on the target): computed on first use, shared by the training
    sets of one matrix (:meth:`TrainingSet.with_target`)."""

    patterns: Patterns | None = None
    pattern_irt: IRT2PL | None = None


@dataclass
class TrainingSet:
    """What a selector may see: the training models' item scores, item tasks, full-score weights, the target.

    Parameters
    ----------
    scores : ndarray of shape (n_models, n_items)
        Training models' item scores in [0, 1].
    tasks : ndarray of shape (n_items,), int, optional
        Task code of each item (all 0 when omitted).
    item_weights : ndarray of shape (n_items,), optional
        Full-score weights :math:`v_j` (summing to 1); uniform when omitted.
    target : ndarray of shape (n_models,), optional
        What the subset must predict (by default the full score ``scores @ item_weights``; a human score for
        human-aligned subsets).
    irt_max_iter : int, default 40
        Sweeps of the 2PL fit.
    derived : ScoreDerived, optional
        Distinct patterns and 2PL fit of ``scores`` already computed (:meth:`with_target` passes its own).

    Derived quantities (distinct patterns, the 2PL fit) are computed once and shared by all methods and sizes;
    ``cache`` holds what selectors compute from the target (greedy paths, cluster anchors) and is not shared.
    """

    scores: np.ndarray
    tasks: np.ndarray | None = None
    item_weights: np.ndarray | None = None
    target: np.ndarray | None = None
    irt_max_iter: int = 40
    derived: ScoreDerived = field(default_factory=ScoreDerived, repr=False)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.scores = np.asarray(self.scores, dtype=np.float64)
        n_items = self.scores.shape[1]
        if self.tasks is None:
            self.tasks = np.zeros(n_items, dtype=np.intp)
        if self.item_weights is None:
            self.item_weights = np.full(n_items, 1.0 / n_items)
        if self.target is None:
            self.target = self.scores @ self.item_weights
        self.target = np.asarray(self.target, dtype=np.float64)

    @classmethod
    def from_benchmark(cls, data, rows=None, *, average: str = "macro", target=None) -> TrainingSet:
        """The training set of the models at positions ``rows`` (all when None) of a :class:`BenchmarkData`."""
        sub = data if rows is None else data.take_models(np.asarray(rows))
        return cls(sub.scores, sub.task_codes, data.item_weights(average), target)

    def with_target(self, target: np.ndarray) -> TrainingSet:
        """The same models and items with another target (e.g. human scores), sharing patterns and the 2PL fit."""
        return TrainingSet(self.scores, self.tasks, self.item_weights, target, self.irt_max_iter, self.derived)

    @property
    def n_models(self) -> int:
        return self.scores.shape[0]

    @property
    def n_items(self) -> int:
        return self.scores.shape[1]

    @property
    def full_score(self) -> np.ndarray:
        """The training models' full-benchmark scores (not the target when the target is a human score)."""
        return self.scores @ self.item_weights

    @property
    def patterns(self) -> Patterns:
        """The distinct item columns (computed on first use)."""
        if self.derived.patterns is None:
            self.derived.patterns = _distinct_patterns(self.scores, self.item_weights)
        return self.derived.patterns

    @property
    def pattern_irt(self) -> IRT2PL:
        """2PL IRT fitted on the distinct patterns, one (a, d) per pattern (index items by ``patterns.inverse``).

        Identical columns have identical item parameters, so the fit over patterns weighted by their counts is
        the fit over items.
        """
        if self.derived.pattern_irt is None:
            pat = self.patterns
            self.derived.pattern_irt = IRT2PL(max_iter=self.irt_max_iter).fit(pat.matrix, pat.counts)
        return self.derived.pattern_irt


def _distinct_patterns(scores: np.ndarray, item_weights: np.ndarray) -> Patterns:
    cols = np.ascontiguousarray(scores.T)
    view = cols.view(np.dtype((np.void, cols.dtype.itemsize * cols.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(view, return_index=True, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    weight = np.bincount(inverse, weights=item_weights, minlength=len(first))
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return Patterns(scores[:, first], inverse, first, counts, weight, order, starts)


class SubsetSelector:
    """Base class: choose ``size`` items and weights from a training set, then estimate full scores.

    Parameters
    ----------
    size : int, default 50
        Number of items to select.
    estimator : {"mean", "calibrated", "pirt"}, optional
        How :meth:`predict` turns subset scores into a full-score estimate; the method's default when None.
    random_state : int or numpy.random.Generator, optional
        Seed of stochastic methods.

    Attributes
    ----------
    items_ : ndarray of shape (size,), int
        Column positions of the selected items.
    weights_ : ndarray of shape (size,)
        Non-negative weights summing to 1 (the weighted mean estimates the full score).
    intercept_, slope_ : float
        Linear calibration :math:`\\alpha, \\beta` fitted on the training models.
    """

    #: Short name used in results tables and the command line.
    name: ClassVar[str] = ""
    #: Whether the selection depends on the random seed.
    stochastic: ClassVar[bool] = False
    #: Whether the selection uses the training target (and so changes when the target is a human score).
    uses_target: ClassVar[bool] = False
    #: Estimator used when none is given.
    default_estimator: ClassVar[str] = "calibrated"
    #: Estimators this method supports (p-IRT needs a method that fits the 2PL model).
    estimators: ClassVar[tuple[str, ...]] = ("mean", "calibrated")

    def __init__(self, size: int = 50, *, estimator: str | None = None, random_state=None):
        self.size = size
        self.estimator = estimator
        self.random_state = random_state

    # -- to implement -------------------------------------------------------------------------------------------
    def _select(self, train: TrainingSet, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Return (item positions, raw non-negative weights) for ``self.size`` items."""
        raise NotImplementedError

    # -- public -------------------------------------------------------------------------------------------------
    def fit(self, train: TrainingSet | np.ndarray) -> SubsetSelector:
        """Select the subset on the training set and fit the estimator; returns self.

        Parameters
        ----------
        train : TrainingSet or ndarray of shape (n_models, n_items)
            The training models' item scores (a bare matrix is one task with uniform weights).
        """
        if not isinstance(train, TrainingSet):
            matrix = np.asarray(train, dtype=np.float64)
            if matrix.ndim != 2 or not ((matrix >= 0) & (matrix <= 1)).all():
                raise HumansError(
                    f"training scores must be a (models × items) matrix of numbers in [0, 1]; got shape {matrix.shape} "
                    "or values outside [0, 1]."
                )
            train = TrainingSet(matrix)
        estimator = self.estimator or self.default_estimator
        if estimator not in ESTIMATORS:
            raise HumansError(f"estimator {estimator!r} is not one of {', '.join(ESTIMATORS)}.")
        if estimator not in self.estimators:
            raise HumansError(
                f"estimator {estimator!r} needs an IRT method; {self.name!r} supports {', '.join(self.estimators)}."
            )
        if not isinstance(self.size, int | np.integer) or not 1 <= self.size <= train.n_items:
            raise HumansError(f"subset size {self.size!r} must be an integer between 1 and {train.n_items} items.")
        if train.n_models < 3:
            raise HumansError(f"subset selection needs at least 3 training models; got {train.n_models}.")
        rng = np.random.default_rng(self.random_state)
        items, weights = self._select(train, rng)
        items = np.asarray(items, dtype=np.intp)
        weights = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(items), 1.0 / len(items))
        self.items_, self.weights_, self.estimator_ = items, weights, estimator
        self._item_weights = train.item_weights
        if estimator == "pirt":
            self.irt_ = train.pattern_irt  # one (a, d) per distinct pattern; p-IRT sums v_j p_j(theta) over them
            self._item_pattern = train.patterns.inverse[items]
            self._pattern_weight = train.patterns.weight
        est = self._raw(train.scores[:, items], estimator)
        self.slope_, self.intercept_ = _linear_fit(est, train.target)
        return self

    def predict(self, subset_scores: np.ndarray) -> np.ndarray:
        """Estimated full scores of models from their scores on the selected items.

        Parameters
        ----------
        subset_scores : ndarray of shape (n_models, size)
            Scores on ``items_``, in that order.

        Returns
        -------
        ndarray of shape (n_models,)
        """
        if not hasattr(self, "items_"):
            raise HumansError(f"this {type(self).__name__} is not fitted yet; call fit(train) first.")
        x = np.atleast_2d(np.asarray(subset_scores, dtype=np.float64))
        if x.shape[1] != len(self.items_):
            raise HumansError(f"predict needs scores on the {len(self.items_)} selected items; got {x.shape[1]}.")
        raw = self._raw(x, self.estimator_)
        if self.estimator_ == "calibrated":
            return self.intercept_ + self.slope_ * raw
        return raw

    def _raw(self, x: np.ndarray, estimator: str) -> np.ndarray:
        if estimator != "pirt":
            return x @ self.weights_
        irt, v, seen_pat, w_pat = self.irt_, self._item_weights, self._item_pattern, self._pattern_weight
        theta = estimate_ability(x, irt.a_[seen_pat], irt.d_[seen_pat])
        # sum over all items of v_j p_j(theta), then swap the seen items' predictions for their observed scores
        pred_all = np.empty(len(theta))
        for start in range(0, len(theta), 64):
            pred_all[start : start + 64] = expit(np.outer(theta[start : start + 64], irt.a_) + irt.d_) @ w_pat
        seen = irt.probabilities(theta, seen_pat)
        return pred_all + (x - seen) @ v[self.items_]


def _linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of y on x (slope 1, intercept 0 when x is constant)."""
    xc = x - x.mean()
    denom = xc @ xc
    if denom <= 1e-15:
        return 1.0, float(y.mean() - x.mean())
    slope = float(xc @ (y - y.mean()) / denom)
    return slope, float(y.mean() - slope * x.mean())
