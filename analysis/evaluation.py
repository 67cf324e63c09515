"""Cross-validated evaluation of subset-selection methods over models (leave-one-model-out or k-fold).

For every fold, each method sees only the training models, selects a subset of each size and fits its estimator;
the held-out models are scored on that subset alone and their full-benchmark scores are estimated. Pooling the
out-of-fold estimates of all models gives, per (method, size, seed), the Pearson, Spearman and Kendall τ-b
correlations and the mean absolute error with the true full scores. Stochastic methods are repeated over seeds.

With human scores, the same folds also give a human-aligned check: the method selects on the training models with
the *human score* as target (methods that ignore the target select the same subset), a regression of the human
score on the subset's item scores is fitted on the training models (ridge by default, its penalty chosen by exact
leave-one-out error, :class:`analysis.regression.RidgeLOO`), and the held-out models' human scores are predicted.

Missing item scores (NaN) are allowed: the methods see the training models' item means in their place, the
estimators use the observed items (p-IRT predicts the rest), the truth is the full score over each model's observed
items (:mod:`analysis.missing`), and the human regression fills gaps with the training item means.

Folds run in parallel processes (joblib/loky, ``n_jobs``), with a progress bar over folds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from tqdm.auto import tqdm

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.missing import fill_missing
from analysis.regression import REGRESSORS, fit_regressor
from analysis.selection import ESTIMATORS, METHODS, TrainingSet

__all__ = ["DEFAULT_SIZES", "METRICS", "SelectionEvaluation", "agreement", "evaluate_selection", "model_folds"]

#: Subset sizes evaluated by default.
DEFAULT_SIZES = (10, 20, 30, 50, 100, 200)
#: Agreement measures between estimated and true scores.
METRICS = ("pearson", "spearman", "kendall", "mae")
CV_SCHEMES = ("loo", "kfold")


def agreement(estimate: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Pearson r, Spearman ρ, Kendall τ-b and mean absolute error between two score vectors (NaN if constant)."""
    estimate, truth = np.asarray(estimate, float), np.asarray(truth, float)
    out = {"mae": float(np.mean(np.abs(estimate - truth)))}
    if np.ptp(estimate) < 1e-15 or np.ptp(truth) < 1e-15:
        out.update(pearson=np.nan, spearman=np.nan, kendall=np.nan)
    else:
        out["pearson"] = float(np.corrcoef(estimate, truth)[0, 1])
        out["spearman"] = float(stats.spearmanr(estimate, truth).statistic)
        out["kendall"] = float(stats.kendalltau(estimate, truth).statistic)
    return {k: out[k] for k in METRICS}


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
        One row per (method, size, seed): ``method, size, seed, estimator, pearson, spearman, kendall, mae`` and,
        with human scores, ``human_pearson, human_spearman, human_kendall, human_mae``.
    predictions : DataFrame
        Out-of-fold estimates: ``method, size, seed, model, estimate, full_score`` (+ ``human_estimate,
        human_score``).
    """

    results: pd.DataFrame
    predictions: pd.DataFrame

    def summary(self, metric: str = "pearson") -> pd.DataFrame:
        """Mean and standard deviation over seeds of every metric, one row per (method, size)."""
        cols = [c for c in self.results.columns if c.split("_")[-1] in METRICS]
        grouped = self.results.groupby(["method", "size"], sort=False)[cols]
        mean, sd = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
        out = mean.join(sd.add_suffix("_sd")).reset_index()
        out["n_seeds"] = grouped.size().to_numpy()
        return out


def _run_fold(
    scores: np.ndarray,
    tasks: np.ndarray,
    item_weights: np.ndarray,
    test: np.ndarray,
    fold: int,
    methods: tuple[str, ...],
    sizes: tuple[int, ...],
    n_seeds: int,
    estimator: str | None,
    human: np.ndarray | None,
    regressor: str,
) -> list[tuple]:
    train_rows = np.setdiff1d(np.arange(scores.shape[0]), test)
    train = TrainingSet(scores[train_rows], tasks, item_weights)
    human_train = None
    if human is not None:
        human_train = TrainingSet(scores[train_rows], tasks, item_weights, human[train_rows])
        human_train.__dict__["patterns"] = train.patterns  # same matrix: share the cached distinct columns
    rows = []
    for name in methods:
        cls = METHODS[name]
        for seed in range(n_seeds if cls.stochastic else 1):
            for size in sizes:
                sel = cls(size=size, estimator=estimator, random_state=[seed, fold]).fit(train)
                est = sel.predict(scores[np.ix_(test, sel.items_)])
                hum = np.full(len(test), np.nan)
                if human is not None:
                    items = sel.items_
                    if cls.uses_target:
                        items = cls(size=size, estimator=estimator, random_state=[seed, fold]).fit(human_train).items_
                    # missing scores enter the regression as the item's training mean
                    reg = fit_regressor(train.scores[:, items], human[train_rows], regressor)
                    hum = reg.predict(fill_missing(scores[np.ix_(test, items)], train.scores[:, items].mean(axis=0)))
                rows.extend(
                    (name, size, seed, sel.estimator_, int(m), float(e), float(h))
                    for m, e, h in zip(test, est, hum, strict=True)
                )
    return rows


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
    regressor: str = "ridge",
    n_jobs: int = 2,
    progress: bool = True,
) -> SelectionEvaluation:
    """Cross-validate subset-selection methods over models.

    Parameters
    ----------
    data : BenchmarkData
        Item scores of all models.
    methods : "all" or list of str, default "all"
        Names in :data:`analysis.selection.METHODS`.
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
        Estimator for every method; each method's default when None.
    human : ndarray of shape (n_models,), optional
        Human scores of the models, aligned with ``data.models``; adds the ``human_*`` columns.
    regressor : {"ridge", "lasso", "ols"}, default "ridge"
        Regression of the human score on the subset's item scores.
    n_jobs : int, default 2
        Parallel processes over folds (1 runs in this process).
    progress : bool, default True
        Show a progress bar over folds.

    Returns
    -------
    SelectionEvaluation
    """
    names = list(METHODS) if methods == "all" else list(methods)
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise HumansError(f"unknown selection method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}.")
    if regressor not in REGRESSORS:
        raise HumansError(f"regressor {regressor!r} is not one of {', '.join(REGRESSORS)}.")
    if estimator is not None and estimator not in ESTIMATORS:
        raise HumansError(f"estimator {estimator!r} is not one of {', '.join(ESTIMATORS)}.")
    if estimator == "pirt" and any(not n.startswith("irt") for n in names):
        raise HumansError(
            f"estimator 'pirt' needs IRT methods; drop {', '.join(n for n in names if not n.startswith('irt'))} "
            "or use mean/calibrated."
        )
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
    args = (data.scores, data.task_codes, data.item_weights(average))
    jobs = (
        delayed(_run_fold)(*args, test, f, tuple(names), sizes, n_seeds, estimator, human, regressor)
        for f, test in enumerate(folds)
    )
    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    rows: list[tuple] = []
    for part in tqdm(runner(jobs), total=len(folds), desc="folds", disable=not progress, leave=False):
        rows.extend(part)
    pred = pd.DataFrame(rows, columns=["method", "size", "seed", "estimator", "row", "estimate", "human_estimate"])
    pred["model"] = data.models[pred["row"].to_numpy()]
    pred["full_score"] = truth[pred["row"].to_numpy()]
    if human is not None:
        pred["human_score"] = human[pred["row"].to_numpy()]
    pred = pred.sort_values(["method", "size", "seed", "row"], key=_method_order(names)).reset_index(drop=True)
    out = []
    for (method, size, seed), grp in pred.groupby(["method", "size", "seed"], sort=False):
        row = {"method": method, "size": size, "seed": seed, "estimator": grp["estimator"].iloc[0]}
        row.update(agreement(grp["estimate"].to_numpy(), grp["full_score"].to_numpy()))
        if human is not None:
            hum = agreement(grp["human_estimate"].to_numpy(), grp["human_score"].to_numpy())
            row.update({f"human_{k}": v for k, v in hum.items()})
        out.append(row)
    pred = pred.drop(columns=["row"] + ([] if human is not None else ["human_estimate"]))
    return SelectionEvaluation(pd.DataFrame(out), pred)


def _method_order(names: list[str]):
    rank = {n: i for i, n in enumerate(names)}

    def key(col: pd.Series) -> pd.Series:
        return col.map(rank) if col.name == "method" else col

    return key
