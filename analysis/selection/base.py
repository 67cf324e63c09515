"""The interface shared by the ten subset-selection methods, the training set they see, and the estimators.

A selector sees only the *training* models' item scores (a :class:`TrainingSet`). ``fit`` chooses ``size`` items
(``items_``, integer column positions) and weights (``weights_``, non-negative, summing to 1), and fits the
estimator that turns a new model's scores on those items into an estimate of its full-benchmark score:

* ``mean``: the weighted mean :math:`\\hat S = \\sum_{j \\in S} w_j s_j`;
* ``calibrated``: :math:`\\hat S = \\alpha + \\beta \\sum_{j \\in S} w_j s_j`, with :math:`(\\alpha, \\beta)` fitted by
  least squares on the training models' full scores;
* ``pirt`` (IRT methods only; Maia Polo et al. 2024): estimate the model's abilities :math:`\\hat\\theta` from the
  subset (MAP under the 2PL fitted on the training models, :class:`analysis.task_irt.TaskIRT`: one ability per
  task, correlated, when there are at least :data:`MODELS_PER_TASK_ABILITY` training models per task, else one
  pooled ability), then
  :math:`\\hat S = \\sum_{j \\in S} v_j s_j + \\sum_{j \\notin S} v_j\\, p_j(\\hat\\theta)` — observed where seen,
  predicted elsewhere, with the full-score weights :math:`v_j`;
* ``gpirt`` (IRT methods only; after Maia Polo et al. 2024): :math:`\\hat S = \\lambda (\\alpha + \\beta
  \\hat S_{\\text{mean}}) + (1 - \\lambda) \\hat S_{\\text{p-IRT}}`, the p-IRT estimate combined with the subset's
  *calibrated* weighted mean (the ``calibrated`` estimate; tinyBenchmarks mixes the raw anchor-weighted mean). The
  mean is noisy, p-IRT steady but biased where the 2PL misfits; :math:`\\lambda \\in [0, 1]` is the least-squares
  mixing weight on the training models (closed form, clipped to [0, 1]). The calibration matters when the
  subset's items do not represent their weights evenly (anchors chosen for information rather than nearness to
  their cluster's centre): with the raw mean, ``irt_anchor`` lost to random at 100 items on nlu-test-sets (18
  models, 5-fold: MAE 0.037 against 0.035), with the calibrated mean 0.031.

Missing scores (NaN: a model not run on an item). A training set keeps the mask; ``scores`` holds the item's mean
over the training models that have it (what the score-based methods cluster and rank), the IRT fits skip the
missing cells, and the target is the full score over each model's observed items
(:func:`analysis.missing.observed_full_score`). At prediction time a missing subset score is left out of the
weighted mean (the remaining weights renormalised) and predicted by the 2PL under p-IRT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from analysis.errors import HumansError
from analysis.missing import impute_item_means, observed_full_score, row_sums, weighted_mean_observed
from analysis.task_irt import TaskIRT

__all__ = [
    "ESTIMATORS",
    "IRT_ESTIMATORS",
    "MODELS_PER_TASK_ABILITY",
    "Patterns",
    "ScoreDerived",
    "SubsetSelector",
    "TaskPatterns",
    "TrainingSet",
]

#: Names of the estimators of the full score from a subset.
ESTIMATORS = ("mean", "calibrated", "pirt", "gpirt")
#: Training models needed per task before the 2PL gets one ability per task (fewer: one pooled ability).
MODELS_PER_TASK_ABILITY = 50
#: Estimators that need the 2PL (IRT methods only).
IRT_ESTIMATORS = ("pirt", "gpirt")


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


@dataclass(frozen=True)
class TaskPatterns:
    """Distinct (response pattern, task) pairs: the columns the task-wise 2PL is fitted on."""

    matrix: np.ndarray  #: (n_models, n_columns) the columns, NaN where missing
    tasks: np.ndarray  #: (n_columns,) task of each column
    counts: np.ndarray  #: (n_columns,) items per column
    inverse: np.ndarray  #: (n_items,) column of each item
    weights: np.ndarray  #: (n_columns, 2) summed v_j and v_j**2 of each column's items


@dataclass
class ScoreDerived:
    """What depends on the score matrix alone (not on the target): computed on first use, shared by the training
    sets of one matrix (:meth:`TrainingSet.with_target`)."""

    patterns: Patterns | None = None
    task_patterns: TaskPatterns | None = None
    task_irt: TaskIRT | None = None


@dataclass
class TrainingSet:
    """What a selector may see: the training models' item scores, item tasks, full-score weights, the target.

    Parameters
    ----------
    scores : ndarray of shape (n_models, n_items)
        Training models' item scores in [0, 1]; NaN = missing (replaced by the item's mean). A float32 matrix stays
        float32 (one imputed copy when scores are missing, none otherwise).
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
        raw = np.asarray(self.scores)
        if not np.issubdtype(raw.dtype, np.floating):
            raw = raw.astype(np.float64)
        n_items = raw.shape[1]
        if self.tasks is None:
            self.tasks = np.zeros(n_items, dtype=np.intp)
        if self.item_weights is None:
            self.item_weights = np.full(n_items, 1.0 / n_items)
        missing = np.isnan(raw)
        #: NaN-holding scores (the 2PL fits skip those cells); the same array as ``scores`` when nothing is missing
        self.raw_scores = raw
        self.has_missing = bool(missing.any())
        self.scores = impute_item_means(raw) if self.has_missing else raw
        if self.target is None:
            self.target = observed_full_score(raw, self.item_weights, self.tasks) if self.has_missing else None
            if self.target is None:
                self.target = row_sums(raw, self.item_weights)
        self.target = np.asarray(self.target, dtype=np.float64)

    @classmethod
    def from_benchmark(cls, data, rows=None, *, average: str = "macro", target=None) -> TrainingSet:
        """The training set of the models at positions ``rows`` (all when None) of a :class:`BenchmarkData`."""
        sub = data if rows is None else data.take_models(np.asarray(rows))
        return cls(sub.scores, sub.task_codes, data.item_weights(average), target)

    def with_target(self, target: np.ndarray) -> TrainingSet:
        """The same models and items with another target (e.g. human scores), sharing patterns and the 2PL fit."""
        return TrainingSet(self.raw_scores, self.tasks, self.item_weights, target, self.irt_max_iter, self.derived)

    @property
    def n_models(self) -> int:
        return self.scores.shape[0]

    @property
    def n_items(self) -> int:
        return self.scores.shape[1]

    @property
    def full_score(self) -> np.ndarray:
        """The training models' full-benchmark scores (not the target when the target is a human score)."""
        if self.has_missing:
            return observed_full_score(self.raw_scores, self.item_weights, self.tasks)
        return row_sums(self.scores, self.item_weights)

    @property
    def patterns(self) -> Patterns:
        """The distinct item columns (computed on first use, shared with :meth:`with_target`)."""
        if self.derived.patterns is None:
            self.derived.patterns = self._distinct_patterns()
        return self.derived.patterns

    def _distinct_patterns(self) -> Patterns:
        first, inverse, counts = _distinct_columns(self.raw_scores)
        n_items = self.n_items
        if len(first) == n_items:  # every column distinct: identity, and no copy of the matrix
            ident = np.arange(n_items)
            return Patterns(self.scores, ident, ident, np.ones(n_items, np.intp), self.item_weights, ident, ident)
        weight = np.bincount(inverse, weights=self.item_weights, minlength=len(first))
        order = np.argsort(inverse, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return Patterns(self.scores[:, first], inverse, first, counts, weight, order, starts)

    @property
    def task_patterns(self) -> TaskPatterns:
        """Distinct (pattern, task) pairs, so the task-wise 2PL fits each response pattern of a task once."""
        if self.derived.task_patterns is None:
            self.derived.task_patterns = self._task_patterns()
        return self.derived.task_patterns

    def _task_patterns(self) -> TaskPatterns:
        pat = self.patterns
        key = pat.inverse.astype(np.int64) * (int(self.tasks.max()) + 1) + self.tasks
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        counts = np.bincount(inverse, minlength=len(first)).astype(np.float64)
        w1 = np.bincount(inverse, weights=self.item_weights, minlength=len(first))
        w2 = np.bincount(inverse, weights=self.item_weights**2, minlength=len(first))
        identity = len(first) == self.n_items and (first == np.arange(self.n_items)).all()
        matrix = self.raw_scores if identity else self.raw_scores[:, first]
        return TaskPatterns(matrix, np.asarray(self.tasks)[first], counts, inverse, np.column_stack([w1, w2]))

    @property
    def task_irt(self) -> TaskIRT:
        """Task-wise 2PL with correlated abilities (:class:`analysis.task_irt.TaskIRT`) on the (pattern, task) columns.

        Its item parameters are indexed by column of :attr:`task_patterns`; ``task_patterns.inverse`` maps items.
        """
        if self.derived.task_irt is None:
            tp = self.task_patterns
            dims = tp.tasks if self.task_abilities else np.zeros_like(tp.tasks)
            self.derived.task_irt = TaskIRT(max_iter=self.irt_max_iter).fit(tp.matrix, dims, tp.counts)
        return self.derived.task_irt

    @property
    def task_abilities(self) -> bool:
        """Whether the 2PL gets one ability per task (else one pooled ability), by :data:`MODELS_PER_TASK_ABILITY`.

        A T-dimensional ability and its T × T correlation need many models per dimension: on open-llm-tiny (2,125
        training models, 3 tasks) one ability per task cuts p-IRT's error by a quarter, on nlu-test-sets (72
        models, 29 tasks) it doubles it at 10 items.
        """
        n_tasks = len(np.unique(self.tasks))
        return n_tasks > 1 and self.n_models >= MODELS_PER_TASK_ABILITY * n_tasks


def _distinct_columns(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First column of each distinct column, the distinct column of every column, and counts (NaN equals NaN).

    Columns are compared by their bytes in blocks of rows: each block's distinct rows of the transposed block
    refine the grouping of the previous blocks, so no transposed copy of the whole matrix is made.
    """
    n_rows, n_cols = scores.shape
    group = np.zeros(n_cols, dtype=np.int64)
    step = max(1, 2_000_000 // max(n_cols, 1))
    for start in range(0, n_rows, step):
        block = np.ascontiguousarray(scores[start : start + step].T)
        block = np.where(np.isnan(block), -1.0, block)  # one byte pattern for every gap
        keyed = np.column_stack([group.astype(np.float64), block])
        view = keyed.view(np.dtype((np.void, keyed.dtype.itemsize * keyed.shape[1]))).ravel()
        _, group = np.unique(view, return_inverse=True)
        group = group.ravel().astype(np.int64)
    _, first, inverse, counts = np.unique(group, return_index=True, return_inverse=True, return_counts=True)
    return first, inverse.ravel(), counts


class SubsetSelector:
    """Base class: choose ``size`` items and weights from a training set, then estimate full scores.

    Parameters
    ----------
    size : int, default 50
        Number of items to select.
    estimator : {"mean", "calibrated", "pirt", "gpirt"}, optional
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
    lambda_ : float
        gp-IRT mixing weight of the calibrated weighted mean (``gpirt`` only).
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
    #: Whether the method at least matches random subsets on the real reference data (``--methods all`` keeps the
    #: others, but help, docs and the report flag them).
    trusted: ClassVar[bool] = True
    #: The measured evidence behind ``trusted`` (5-fold over models, MAE of the full-score estimate).
    evidence: ClassVar[str] = ""

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
            if matrix.ndim != 2 or not ((matrix >= 0) & (matrix <= 1) | np.isnan(matrix)).all():
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
        x_train = train.raw_scores[:, items]
        if estimator in IRT_ESTIMATORS:
            self.irt_ = train.task_irt
            tp = train.task_patterns
            self._irt_columns, self._column_weights = tp.inverse[items], tp.weights
        self.lambda_ = 0.0
        self._mean_fit = (1.0, 0.0)  # (slope, intercept) of the calibrated mean inside gp-IRT
        if estimator == "gpirt":
            self._mean_fit = _linear_fit(self._mean(x_train), train.target)
            self.lambda_ = _mixing_weight(self._calibrated_mean(x_train), self._pirt(x_train), train.target)
        est = self._raw(x_train, estimator)
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
        if x.ndim != 2 or x.shape[1] != len(self.items_):
            raise HumansError(f"predict needs scores on the {len(self.items_)} selected items; got {x.shape[1]}.")
        raw = self._raw(x, self.estimator_)
        if self.estimator_ == "calibrated":
            return self.intercept_ + self.slope_ * raw
        return raw

    def _raw(self, x: np.ndarray, estimator: str) -> np.ndarray:
        if estimator == "pirt":
            return self._pirt(x)
        if estimator == "gpirt":
            return self.lambda_ * self._calibrated_mean(x) + (1.0 - self.lambda_) * self._pirt(x)
        return self._mean(x)

    def _calibrated_mean(self, x: np.ndarray) -> np.ndarray:
        slope, intercept = self._mean_fit
        return intercept + slope * self._mean(x)

    def _mean(self, x: np.ndarray) -> np.ndarray:
        return weighted_mean_observed(x, self.weights_)

    def _pirt(self, x: np.ndarray) -> np.ndarray:
        return self.irt_.full_score(
            x, self._irt_columns, self._item_weights[self.items_], column_weights=self._column_weights
        )


def _mixing_weight(mean: np.ndarray, pirt: np.ndarray, target: np.ndarray) -> float:
    """Least-squares :math:`\\lambda \\in [0, 1]` of ``target ≈ λ mean + (1-λ) pirt``."""
    diff = mean - pirt
    denom = diff @ diff
    if denom <= 1e-15:
        return 0.0
    return float(np.clip(diff @ (target - pirt) / denom, 0.0, 1.0))


def _linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of y on x (slope 1, intercept 0 when x is constant)."""
    xc = x - x.mean()
    denom = xc @ xc
    if denom <= 1e-15:
        return 1.0, float(y.mean() - x.mean())
    slope = float(xc @ (y - y.mean()) / denom)
    return slope, float(y.mean() - slope * x.mean())
