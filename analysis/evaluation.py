"""Cross-validated evaluation of subset-selection methods over models (leave-one-model-out or k-fold).

For every fold, each method sees only the training models, selects a subset of each size and fits its estimator;
the held-out models are scored on that subset alone and their full-benchmark scores are estimated. Pooling the
out-of-fold estimates of all models gives, per (method, size, seed), the Pearson, Spearman and Kendall τ-b
correlations and the mean absolute error with the true full scores. Stochastic methods are repeated over seeds.

With human scores, the same folds also give a human-aligned check: the method selects on the training models with
the *human score* as target (methods that ignore the target select the same subset), a regression of the human
score on the subset's item scores is fitted on the training models (by default the full-benchmark regression
corrected by the subset's items, :class:`analysis.regression.StackedRidge`), and the held-out models' human scores
are predicted (:mod:`analysis.fold_fit`).

Nested cross-validation. Inside each outer fold, ``inner_folds`` folds over the *training* models give their
cross-validated residuals. They serve two purposes, neither of which sees the held-out models:

* ``auto``: per size, the method and estimator with the smallest inner mean absolute error (and, for the human
  score, the method whose regression has the smallest inner error) is refitted on the training models and scores
  the held-out models — the honest version of picking "the best method" (Varma & Simon 2006);
* prediction intervals: split conformal over the inner residuals (:mod:`analysis.conformal`).

Missing item scores (NaN) are allowed: the methods see the training models' item means in their place, the
estimators use the observed items (p-IRT predicts the rest), the truth is the full score over each model's observed
items (:mod:`analysis.missing`), and the human regression fills gaps with the training item means.

Folds run in parallel (``n_jobs``), with a progress bar over folds: in processes (joblib/loky) for small data, in
threads sharing the one score matrix for large data (numpy releases the GIL in the array work).

At scale (training models × items above ``inner_max_cells``), the inner cross-validation runs on a random
subsample of the training models and a task-stratified random pool of items (:func:`_inner_problem`); ``auto``
refits its choice on all training models and items. See :func:`evaluate_selection`.

References
----------
Varma, S., Simon, R. (2006). Bias in error estimation when using cross-validation for model selection. BMC
Bioinformatics 7, 91.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from analysis.benchmark_data import BenchmarkData
from analysis.conformal import check_level, conformal_interval
from analysis.errors import HumansError
from analysis.fold_fit import FoldData, Spec, fold_predictions
from analysis.regression import REGRESSORS, task_means
from analysis.score_agreement import METRICS, interval_coverage, score_agreement
from analysis.selection import ESTIMATORS, METHODS
from analysis.selection.base import MODELS_PER_TASK_ABILITY

__all__ = [
    "AUTO",
    "DEFAULT_SIZES",
    "INNER_CELLS",
    "INNER_MAX_CELLS",
    "INNER_MIN_MODELS",
    "METRICS",
    "SelectionEvaluation",
    "auto_candidates",
    "choose_auto",
    "evaluate_selection",
    "model_folds",
]

#: Subset sizes evaluated by default.
DEFAULT_SIZES = (10, 20, 30, 50, 100, 200)
CV_SCHEMES = ("loo", "kfold")
#: The method name of the nested-cross-validation choice among all methods and estimators.
AUTO = "auto"
AUTO_SPEC = Spec(AUTO, AUTO, 0)
#: Training scores (models × items) above which the inner cross-validation runs on a subsample (see
#: :func:`evaluate_selection`): open-llm-tiny (2,125 × 297) and nlu-test-sets at 5 folds (72 × 82,756) stay whole.
INNER_MAX_CELLS = 8_000_000
#: Scores (models × items) of the reduced inner problem.
INNER_CELLS = 1_200_000
#: Fewest training models the inner subsample keeps.
INNER_MIN_MODELS = 400
#: Score-matrix size above which folds run in threads sharing it rather than in processes with their own copies.
THREADS_ABOVE_BYTES = 200_000_000
#: Columns of the predictions table, in order; the fold rows carry the same columns with ``row`` (the model's
#: position) in place of ``model``, without the truths (``full_score``, ``human_score``, added after the folds).
_PREDICTION_ORDER = [
    "method",
    "size",
    "seed",
    "estimator",
    "fold",
    "chosen",
    "human_chosen",
    "model",
    "estimate",
    "estimate_low",
    "estimate_high",
    "full_score",
    "human_estimate",
    "human_estimate_low",
    "human_estimate_high",
    "human_score",
]
_ROW_COLUMNS = ["row" if c == "model" else c for c in _PREDICTION_ORDER if c not in ("full_score", "human_score")]


def model_folds(n_models: int, cv: str = "loo", n_folds: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Test-model positions of each fold: one model per fold (``loo``) or ``n_folds`` shuffled groups (``kfold``)."""
    if cv not in CV_SCHEMES:
        raise HumansError(f"cross-validation {cv!r} is not one of {', '.join(CV_SCHEMES)}.")
    if cv == "loo":
        return [np.array([i]) for i in range(n_models)]
    if not 2 <= n_folds <= n_models:
        raise HumansError(f"k-fold needs between 2 and {n_models} folds (the number of models); got {n_folds}.")
    perm = np.random.default_rng(seed).permutation(n_models)
    return [np.sort(part) for part in np.array_split(perm, n_folds)]


@dataclass(frozen=True)
class SelectionEvaluation:
    """Outcome of :func:`evaluate_selection`.

    Attributes
    ----------
    results : DataFrame
        One row per (method, size, seed): ``method, size, seed, estimator, pearson, spearman, kendall, mae``;
        with intervals ``coverage``; with human scores ``human_pearson, human_spearman, human_kendall, human_mae``
        (and ``human_coverage``); for ``auto``, ``chosen`` (and ``human_chosen``): how often each method/estimator
        was chosen over the folds.
    predictions : DataFrame
        Out-of-fold estimates: ``method, size, seed, estimator, model, estimate, full_score``, with intervals
        ``estimate_low, estimate_high``, with human scores ``human_estimate, human_score`` (and
        ``human_estimate_low, human_estimate_high``); for ``auto``, ``fold, chosen, human_chosen`` per model.
    """

    results: pd.DataFrame
    predictions: pd.DataFrame

    def summary(self, metric: str = "pearson") -> pd.DataFrame:
        """Mean and standard deviation over seeds of every metric (and coverage), one row per (method, size)."""
        cols = [c for c in self.results.columns if c.split("_")[-1] in (*METRICS, "coverage")]
        grouped = self.results.groupby(["method", "size"], sort=False)[cols]
        mean, sd = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
        out = mean.join(sd.add_suffix("_sd")).reset_index()
        out["n_seeds"] = grouped.size().to_numpy()
        return out


def auto_candidates(estimator: str | None = None) -> list[Spec]:
    """What ``auto`` chooses from: every method with every estimator it supports (or only ``estimator``), seed 0."""
    return [
        Spec(name, est, 0)
        for name, cls in METHODS.items()
        for est in cls.estimators
        if estimator is None or est == estimator
    ]


def _specs(names: list[str], n_seeds: int, estimator: str | None) -> list[Spec]:
    """The (method, estimator, seed) runs of the named methods (stochastic ones over seeds)."""
    return [
        Spec(name, estimator or METHODS[name].default_estimator, seed)
        for name in names
        for seed in range(n_seeds if METHODS[name].stochastic else 1)
    ]


def _inner_folds(n: int, fold: int, n_inner: int) -> list[np.ndarray]:
    return model_folds(n, "kfold", min(n_inner, n), seed=fold + 1)


def _inner_problem(
    data: FoldData,
    train_rows: np.ndarray,
    fold: int,
    max_cells: int | None,
    min_items: int,
    cells: int = INNER_CELLS,
    min_models: int = INNER_MIN_MODELS,
    n_inner: int = 5,
) -> tuple[FoldData, np.ndarray]:
    """The data and rows the inner cross-validation runs on: the training models as they are, or, when they hold
    more than ``max_cells`` scores, a seeded random subsample of them (at least ``min_models``) on a random pool of
    at least ``min_items`` items stratified by task, about ``cells`` scores in all (each task keeps its full-score
    weight; truth stays the full score over all items). Only training models are ever drawn. The subsample keeps
    enough models for every inner training set to get one 2PL ability per task (:data:`MODELS_PER_TASK_ABILITY`
    per task over ``n_inner`` folds) whenever the training models have them, so the IRT candidates are judged
    with the model they are refitted with."""
    n, n_items = len(train_rows), data.scores.shape[1]
    if max_cells is None or n * n_items <= max_cells:
        return data, train_rows
    rng = np.random.default_rng([abs(fold) + 1, 0x1A7E])
    per_task = -(-MODELS_PER_TASK_ABILITY * len(np.unique(data.tasks)) * n_inner // max(n_inner - 1, 1))
    n_models = min(n, max(min_models, per_task, cells // n_items))
    rows = np.sort(rng.choice(train_rows, n_models, replace=False))
    n_pool = min(n_items, max(min_items, cells // n_models))
    pool = []
    for t in np.unique(data.tasks):
        members = np.flatnonzero(data.tasks == t)
        take = max(1, round(n_pool * len(members) / n_items))
        pool.append(rng.choice(members, min(take, len(members)), replace=False))
    pool = np.sort(np.concatenate(pool))
    weights = data.item_weights[pool] * _task_mass(data, pool)
    human = None if data.human is None else data.human[rows]
    reduced = FoldData(
        np.ascontiguousarray(data.scores[rows][:, pool]), data.tasks[pool], weights, data.truth[rows], human,
        data.features[rows], data.regressor,
    )  # fmt: skip
    return reduced, np.arange(n_models)


def _task_mass(data: FoldData, pool: np.ndarray) -> np.ndarray:
    """Factor per pooled item that gives each task of the pool the full-score weight of the whole task."""
    full = np.bincount(data.tasks, weights=data.item_weights)
    kept = np.bincount(data.tasks[pool], weights=data.item_weights[pool], minlength=len(full))
    return (full / np.where(kept > 0, kept, 1.0))[data.tasks[pool]]


def _inner_residuals(
    data: FoldData, train_rows: np.ndarray, specs: list[Spec], sizes: tuple[int, ...], fold: int, n_inner: int
) -> dict[tuple[Spec, int], tuple[np.ndarray, np.ndarray]]:
    """Cross-validated residuals (full score, human score) of the training models, from inner folds over them."""
    n = len(train_rows)
    resid = {(spec, size): (np.empty(n), np.empty(n)) for spec in specs for size in sizes}
    for k, pos in enumerate(_inner_folds(n, fold, n_inner)):
        inner_train, inner_test = train_rows[np.setdiff1d(np.arange(n), pos)], train_rows[pos]
        preds = fold_predictions(data, inner_train, inner_test, specs, sizes, key=10_000 * (fold + 1) + k)
        human = np.nan if data.human is None else data.human[inner_test]
        for key, (est, hum) in preds.items():
            resid[key][0][pos] = est - data.truth[inner_test]
            resid[key][1][pos] = hum - human
    return resid


def choose_auto(
    data: BenchmarkData,
    sizes: tuple[int, ...],
    *,
    human: np.ndarray | None = None,
    estimator: str | None = None,
    regressor: str = "stacked",
    average: str = "macro",
    inner_folds: int = 5,
    inner_max_cells: int | None = INNER_MAX_CELLS,
) -> dict[int, tuple[Spec, Spec]]:
    """``auto``'s choice on all models, for the subset file: per size, the (method, estimator) with the smallest
    cross-validated mean absolute error of the full score, and the method whose human-score regression has the
    smallest cross-validated error (the first again without human scores). Above ``inner_max_cells`` scores the
    choice is made on a subsample of models and items, as in :func:`evaluate_selection`."""
    fold_data = FoldData(
        data.scores, data.task_codes, data.item_weights(average), data.full_score(average), human, task_means(data),
        regressor,
    )  # fmt: skip
    candidates = auto_candidates(estimator)
    inner_data, rows = _inner_problem(
        fold_data, np.arange(data.n_models), -1, inner_max_cells, 2 * max(sizes), n_inner=inner_folds
    )
    resid = _inner_residuals(inner_data, rows, candidates, sizes, -1, inner_folds)
    out = {}
    for size in sizes:
        best = min(candidates, key=lambda c: float(np.mean(np.abs(resid[c, size][0]))))
        human_best = best
        if human is not None:
            human_best = min(candidates, key=lambda c: float(np.mean(np.abs(resid[c, size][1]))))
        out[size] = (best, human_best)
    return out


def _run_fold(
    data: FoldData,
    test: np.ndarray,
    fold: int,
    names: tuple[str, ...],
    sizes: tuple[int, ...],
    n_seeds: int,
    estimator: str | None,
    level: float | None,
    n_inner: int,
    inner_max_cells: int | None = INNER_MAX_CELLS,
) -> list[tuple]:
    train_rows = np.setdiff1d(np.arange(data.scores.shape[0]), test)
    specs = _specs([n for n in names if n != AUTO], n_seeds, estimator)
    candidates = auto_candidates(estimator) if AUTO in names else []
    outer = fold_predictions(data, train_rows, test, specs, sizes, fold)
    resid: dict = {}
    inner_rows = train_rows
    if level is not None or candidates:
        inner_data, inner_rows = _inner_problem(
            data, train_rows, fold, inner_max_cells, 2 * max(sizes), n_inner=max(2, n_inner)
        )
        inner_specs = list(dict.fromkeys(specs + candidates))
        resid = _inner_residuals(inner_data, inner_rows, inner_specs, sizes, fold, max(2, n_inner))
    rows: list[tuple] = []
    nan = np.full(len(test), np.nan)

    def emit(spec, size, est_spec, hum_spec, method, chosen, interval_spec=None) -> None:
        est, hum = outer[est_spec, size][0], outer[hum_spec, size][1]
        low = high = hum_low = hum_high = nan
        if level is not None:
            r_full = resid[interval_spec or est_spec, size][0]
            r_hum = resid[interval_spec or hum_spec, size][1]
            low, high = conformal_interval(est, r_full, level)
            hum_low, hum_high = conformal_interval(hum, r_hum, level)
        for i, m in enumerate(test):
            rows.append(
                (method, size, spec.seed, spec.estimator, fold, *chosen, int(m), float(est[i]), float(low[i]),
                 float(high[i]), float(hum[i]), float(hum_low[i]), float(hum_high[i]))
            )  # fmt: skip

    for spec in specs:
        for size in sizes:
            emit(spec, size, spec, spec, spec.method, ("", ""))
    inner = _inner_folds(len(inner_rows), fold, max(2, n_inner))
    for size in sizes if candidates else ():
        best = min(candidates, key=lambda c: float(np.mean(np.abs(resid[c, size][0]))))
        human_best = best
        if data.human is not None:
            human_best = min(candidates, key=lambda c: float(np.mean(np.abs(resid[c, size][1]))))
        extra = [c for c in dict.fromkeys([best, human_best]) if (c, size) not in outer]
        outer.update(fold_predictions(data, train_rows, test, extra, (size,), fold))
        chosen = (f"{best.method}/{best.estimator}", human_best.method if data.human is not None else "")
        # the chosen spec's inner residuals are the smallest of many, hence optimistic: auto's intervals use the
        # residuals of the choice itself, made for each inner fold on the other inner folds' residuals
        full_r = _choice_residuals(resid, candidates, size, inner, 0)
        human_r = full_r * np.nan if data.human is None else _choice_residuals(resid, candidates, size, inner, 1)
        resid[AUTO_SPEC, size] = (full_r, human_r)
        emit(AUTO_SPEC, size, best, human_best, AUTO, chosen, interval_spec=AUTO_SPEC)
    return rows


def _choice_residuals(resid: dict, candidates: list[Spec], size: int, inner: list[np.ndarray], which: int):
    """Residuals of choosing the best candidate on the other inner folds, on each inner fold in turn."""
    out = np.empty_like(resid[candidates[0], size][which])
    for pos in inner:
        others = np.ones(len(out), dtype=bool)
        others[pos] = False
        best = min(candidates, key=lambda c: float(np.mean(np.abs(resid[c, size][which][others]))))
        out[pos] = resid[best, size][which][pos]
    return out


def evaluate_selection(
    data: BenchmarkData,
    *,
    methods: str | list[str] = "all",
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    cv: str = "loo",
    n_folds: int = 5,
    n_seeds: int = 5,
    average: str = "macro",
    estimator: str | None = None,
    human: np.ndarray | None = None,
    regressor: str = "stacked",
    interval_level: float | None = None,
    inner_folds: int = 5,
    inner_max_cells: int | None = INNER_MAX_CELLS,
    n_jobs: int = 2,
    progress: bool = True,
) -> SelectionEvaluation:
    """Cross-validate subset-selection methods over models.

    Parameters
    ----------
    data : BenchmarkData
        Item scores of all models.
    methods : "all" or list of str, default "all"
        Names in :data:`analysis.selection.METHODS`, and ``auto``: per fold and size, nested cross-validation over
        the training models picks the method and estimator with the smallest mean absolute error (and, for the
        human score, the method whose regression predicts it best); the held-out models are scored with that
        choice, so ``auto``'s results are honest outer-fold scores.
    sizes : tuple of int, default (10, 20, 30, 50, 100, 200)
        Subset sizes (each at most the number of items).
    cv : {"loo", "kfold"}, default "loo"
        Leave-one-model-out or ``n_folds``-fold cross-validation over models.
    n_folds : int, default 5
        Folds of ``kfold``.
    n_seeds : int, default 5
        Repetitions of stochastic methods (deterministic ones run once, seed 0).
    average : {"macro", "micro"}, default "macro"
        Definition of the full score.
    estimator : {"mean", "calibrated", "pirt"}, optional
        Estimator for every method; each method's default when None (``auto`` then chooses among all).
    human : ndarray of shape (n_models,), optional
        Human scores of the models, aligned with ``data.models``; adds the ``human_*`` columns.
    regressor : {"stacked", "ridge", "lasso", "ols"}, default "stacked"
        Regression of the human score on the subset's item scores (``stacked``: the full-benchmark regression on
        task means, corrected by the items with a penalty chosen by nested leave-one-out,
        :class:`analysis.regression.StackedRidge`).
    interval_level : float, optional
        Add split-conformal prediction intervals at this level (e.g. 0.9) for every held-out model's full and human
        score, from the cross-validated residuals of the training models in ``inner_folds`` inner folds
        (:mod:`analysis.conformal`). None: no intervals (and no inner folds unless ``auto`` is asked for).
    inner_folds : int, default 5
        Folds of the inner cross-validation over the training models (``auto`` and intervals).
    inner_max_cells : int or None, default :data:`INNER_MAX_CELLS`
        At scale, the inner cross-validation runs on a smaller problem: when the training models × items exceed
        this many scores, on a random subsample of the training models (at least :data:`INNER_MIN_MODELS`) and a
        random pool of items stratified by task, :data:`INNER_CELLS` scores in all (the truth stays each model's
        full score over all items). ``auto`` then chooses the method that predicts best from such a pool and refits
        it on all training models and items; intervals use the residuals of the reduced fits (from fewer models
        and items, so if anything wider). The held-out models are never drawn. None: never reduce (every inner
        fit on all training models and items, which at 4,000 models × 30,000 items costs hours).
    n_jobs : int, default 2
        Parallel workers over folds (1 runs in this process): processes for small data, threads sharing the
        score matrix when it exceeds :data:`THREADS_ABOVE_BYTES`.
    progress : bool, default True
        Show a progress bar over folds.

    Returns
    -------
    SelectionEvaluation
    """
    names = list(METHODS) if methods == "all" else list(dict.fromkeys(methods))
    unknown = [m for m in names if m not in METHODS and m != AUTO]
    if unknown:
        raise HumansError(
            f"unknown selection method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)} or {AUTO}."
        )
    if regressor not in REGRESSORS:
        raise HumansError(f"regressor {regressor!r} is not one of {', '.join(REGRESSORS)}.")
    if estimator is not None and estimator not in ESTIMATORS:
        raise HumansError(f"estimator {estimator!r} is not one of {', '.join(ESTIMATORS)}.")
    lacking = [n for n in names if n != AUTO and estimator is not None and estimator not in METHODS[n].estimators]
    if lacking:
        raise HumansError(
            f"estimator {estimator!r} needs IRT methods; drop {', '.join(lacking)} or use mean/calibrated."
        )
    if interval_level is not None:
        interval_level = check_level(interval_level)
    sizes = tuple(int(s) for s in sizes)
    bad = [s for s in sizes if not 1 <= s <= data.n_items]
    if bad:
        raise HumansError(f"subset size(s) {bad} must be between 1 and the {data.n_items} items of the benchmark.")
    if data.n_models < 4:
        raise HumansError(f"evaluation over models needs at least 4 models; the data has {data.n_models}.")
    if human is not None:
        human = np.asarray(human, dtype=np.float64)
        if human.shape != (data.n_models,) or not np.isfinite(human).all():
            raise HumansError(f"human scores must be one finite number per model ({data.n_models}); got {human.shape}.")
    folds = model_folds(data.n_models, cv, n_folds)
    truth = data.full_score(average)
    fold_data = FoldData(
        data.scores, data.task_codes, data.item_weights(average), truth, human, task_means(data), regressor
    )
    jobs = (
        delayed(_run_fold)(
            fold_data, test, f, tuple(names), sizes, n_seeds, estimator, interval_level, inner_folds, inner_max_cells
        )
        for f, test in enumerate(folds)
    )
    # large matrices: threads share the one copy (numpy releases the GIL in the heavy array work)
    prefer = "threads" if data.scores.nbytes > THREADS_ABOVE_BYTES else "processes"
    runner = Parallel(n_jobs=n_jobs, prefer=prefer, return_as="generator_unordered")
    rows: list[tuple] = []
    with warnings.catch_warnings():  # the methods' own catch_warnings is not thread-safe: silence here for threads
        warnings.simplefilter("ignore", ConvergenceWarning)
        for part in tqdm(runner(jobs), total=len(folds), desc="folds", disable=not progress, leave=False):
            rows.extend(part)
    pred = pd.DataFrame(rows, columns=_ROW_COLUMNS)
    pred["model"] = data.models[pred["row"].to_numpy()]
    pred["full_score"] = truth[pred["row"].to_numpy()]
    if human is not None:
        pred["human_score"] = human[pred["row"].to_numpy()]
    pred = pred.sort_values(["method", "size", "seed", "row"], key=_method_order(names)).reset_index(drop=True)
    results = [_result_row(key, grp, human is not None, interval_level is not None) for key, grp in
               pred.groupby(["method", "size", "seed"], sort=False)]  # fmt: skip
    drop = ["row"]
    if human is None:
        drop += ["human_estimate", "human_estimate_low", "human_estimate_high", "human_chosen"]
    if interval_level is None:
        drop += [c for c in pred.columns if c.endswith(("_low", "_high"))]
    if AUTO not in names:
        drop += ["fold", "chosen", "human_chosen"]
    pred = pred.drop(columns=[c for c in dict.fromkeys(drop) if c in pred.columns])
    order = [c for c in _PREDICTION_ORDER if c in pred.columns]
    return SelectionEvaluation(pd.DataFrame(results), pred[order])


def _result_row(key: tuple, grp: pd.DataFrame, has_human: bool, has_intervals: bool) -> dict:
    method, size, seed = key
    row = {"method": method, "size": size, "seed": seed, "estimator": grp["estimator"].iloc[0]}
    row.update(score_agreement(grp["estimate"].to_numpy(), grp["full_score"].to_numpy()))
    if has_intervals:
        row["coverage"] = interval_coverage(grp["estimate_low"], grp["estimate_high"], grp["full_score"])
    if has_human:
        hum = score_agreement(grp["human_estimate"].to_numpy(), grp["human_score"].to_numpy())
        row.update({f"human_{k}": v for k, v in hum.items()})
        if has_intervals:
            row["human_coverage"] = interval_coverage(
                grp["human_estimate_low"], grp["human_estimate_high"], grp["human_score"]
            )
    if method == AUTO:
        per_fold = grp.drop_duplicates("fold")
        row["chosen"] = _tally(per_fold["chosen"])
        if has_human:
            row["human_chosen"] = _tally(per_fold["human_chosen"])
    return row


def _tally(values: pd.Series) -> str:
    """``lasso/calibrated×3, irt_fisher/pirt×2``: how often each choice was made over the folds, most often first."""
    return ", ".join(f"{name}×{n}" for name, n in values.value_counts().items())


def _method_order(names: list[str]):
    rank = {n: i for i, n in enumerate(names)}

    def key(col: pd.Series) -> pd.Series:
        return col.map(rank) if col.name == "method" else col

    return key
