"""Regression of human scores on benchmark item scores, judged by leave-one-model-out prediction.

A model's human score :math:`h_m` (e.g. the ``human_score`` column that ``humans scores`` writes) is predicted
from its scores on a subset :math:`S` of items by a linear model :math:`\\hat h_m = b + \\sum_{j \\in S} w_j s_{mj}`
fitted on the other models:

* ``ridge``: :math:`\\min \\lVert h - b - Xw\\rVert^2 + \\alpha\\lVert w\\rVert^2`, :math:`\\alpha` chosen by
  exact leave-one-out error in closed form among 25 values in :math:`[10^{-3}, 10^{3}]` (:class:`RidgeLOO`);
* ``lasso``: the L1 penalty, :math:`\\alpha` by 5-fold cross-validation (:class:`sklearn.linear_model.LassoCV`);
* ``ols``: plain least squares (minimum-norm solution when there are more items than models).

:func:`compare_human_regression` puts a selected subset against three references, all scored by
leave-one-model-out Pearson/Spearman/Kendall/MAE with the human score: the raw full-benchmark score, a regression
on the full benchmark with task-level features (the task means), and regressions on random subsets of the same
size. The subset is selected inside the loop, on the training models only, with the human score as target, so no
held-out information leaks into the selection.

References
----------
Hoerl, A. E., Kennard, R. W. (1970). Ridge regression. Technometrics 12, 55–67.
Golub, G. H., Heath, M., Wahba, G. (1979). Generalized cross-validation as a method for choosing a good ridge
parameter. Technometrics 21, 215–223.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV, LinearRegression

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.score_agreement import score_agreement
from analysis.selection import METHODS, TrainingSet

__all__ = [
    "REGRESSORS",
    "RidgeLOO",
    "compare_human_regression",
    "fit_regressor",
    "fit_ridge",
    "loo_predictions",
    "task_means",
]

#: Regression models of human scores on item scores.
REGRESSORS = ("ridge", "lasso", "ols")
_RIDGE_ALPHAS = np.logspace(-3, 3, 25)


class RidgeLOO:
    """Ridge regression with an intercept, its penalty chosen by exact leave-one-out error (closed form).

    With centred :math:`X = U S V^\\top` (thin SVD) and penalty :math:`\\alpha`, the hat matrix is
    :math:`H = \\tfrac{1}{n}\\mathbf{1}\\mathbf{1}^\\top + U\\,\\mathrm{diag}(s^2/(s^2+\\alpha))\\,U^\\top`
    and the leave-one-out residual of row :math:`i` is :math:`e_i / (1 - H_{ii})`; the :math:`\\alpha` with the
    smallest mean squared LOO residual among ``alphas`` is kept, and
    :math:`w = V\\,\\mathrm{diag}(s/(s^2+\\alpha))\\,U^\\top y_c`. Same model as
    :class:`sklearn.linear_model.RidgeCV` (its default efficient LOO), without its per-call overhead, which
    dominates when thousands of small regressions are fitted.

    Parameters
    ----------
    alphas : ndarray, default 25 values in [1e-3, 1e3]

    Attributes
    ----------
    coef_ : ndarray of shape (p,)
    intercept_ : float
    alpha_ : float
    """

    def __init__(self, *, alphas: np.ndarray = _RIDGE_ALPHAS):
        self.alphas = alphas

    def fit(self, x: np.ndarray, y: np.ndarray) -> RidgeLOO:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n = len(y)
        x_mean, y_mean = x.mean(axis=0), y.mean()
        xc, yc = x - x_mean, y - y_mean
        u, s, vt = np.linalg.svd(xc, full_matrices=False)
        uty = u.T @ yc
        alphas = np.asarray(self.alphas, dtype=np.float64)
        shrink = s[None, :] ** 2 / (s[None, :] ** 2 + alphas[:, None])  # (n_alphas, r)
        fitted = (shrink * uty[None, :]) @ u.T  # (n_alphas, n)
        h_diag = 1.0 / n + shrink @ (u.T**2)  # (n_alphas, n)
        loo = (yc[None, :] - fitted) / np.maximum(1.0 - h_diag, 1e-12)
        best = int(np.argmin((loo**2).mean(axis=1)))
        alpha = alphas[best]
        self.coef_ = vt.T @ (s / (s**2 + alpha) * uty)
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        self.alpha_ = float(alpha)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.coef_ + self.intercept_


def fit_ridge(x: np.ndarray, y: np.ndarray) -> RidgeLOO:
    """Ridge regression of ``y`` on ``x`` with the penalty chosen by exact leave-one-out error."""
    return RidgeLOO().fit(x, y)


def fit_regressor(x: np.ndarray, y: np.ndarray, regressor: str = "ridge"):
    """Fit the linear model ``regressor`` (ridge, lasso or ols); returns a fitted scikit-learn estimator."""
    if regressor not in REGRESSORS:
        raise HumansError(f"regressor {regressor!r} is not one of {', '.join(REGRESSORS)}.")
    if regressor == "ridge":
        return fit_ridge(x, y)
    if regressor == "ols":
        return LinearRegression().fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LassoCV(cv=min(5, len(y)), alphas=30, max_iter=5000).fit(x, y)


def loo_predictions(x: np.ndarray, y: np.ndarray, regressor: str = "ridge") -> np.ndarray:
    """Leave-one-model-out predictions: row ``i`` predicted by the model fitted on all other rows."""
    n = len(y)
    out = np.empty(n)
    for i in range(n):
        train = np.arange(n) != i
        out[i] = fit_regressor(x[train], y[train], regressor).predict(x[i : i + 1])[0]
    return out


def task_means(data: BenchmarkData) -> np.ndarray:
    """Per-model mean score of every task, shape (n_models, n_tasks) (the full benchmark's task-level features)."""
    codes = data.task_codes
    counts = np.bincount(codes)
    onehot = np.zeros((data.n_items, len(counts)))
    onehot[np.arange(data.n_items), codes] = 1.0 / counts[codes]
    return data.scores @ onehot


def human_baselines(
    data: BenchmarkData, human: np.ndarray, *, regressor: str = "ridge", average: str = "macro"
) -> pd.DataFrame:
    """Agreement with human scores of the raw full score and of a LOO regression on the task means.

    Returns
    -------
    DataFrame
        Rows ``full_score`` and ``full_benchmark_regression``; columns ``comparison, pearson, spearman, kendall,
        mae``.
    """

    human = np.asarray(human, dtype=np.float64)
    if human.shape != (data.n_models,):
        raise HumansError(f"human scores must be one number per model ({data.n_models}); got shape {human.shape}.")
    full = score_agreement(data.full_score(average), human)
    reg = score_agreement(loo_predictions(task_means(data), human, regressor), human)
    return pd.DataFrame([{"comparison": "full_score", **full}, {"comparison": "full_benchmark_regression", **reg}])


def compare_human_regression(
    data: BenchmarkData,
    human: np.ndarray,
    *,
    method: str = "greedy_forward",
    size: int = 50,
    regressor: str = "ridge",
    n_random: int = 20,
    average: str = "macro",
    seed: int = 0,
) -> pd.DataFrame:
    """Leave-one-model-out agreement with human scores of a selected subset's regression and its references.

    Parameters
    ----------
    data : BenchmarkData
        Item scores.
    human : ndarray of shape (n_models,)
        Human scores aligned with ``data.models``.
    method : str, default "greedy_forward"
        Selection method (a name in :data:`analysis.selection.METHODS`), run on the training models of each fold
        with the human score as target.
    size : int, default 50
        Subset size (also of the random subsets).
    regressor : {"ridge", "lasso", "ols"}, default "ridge"
        Linear model of human score on item scores (and on task means for the full-benchmark regression).
    n_random : int, default 20
        Random subsets averaged for the random reference.
    average : {"macro", "micro"}, default "macro"
        Definition of the raw full score.
    seed : int, default 0
        Seed of the random subsets and stochastic selectors.

    Returns
    -------
    DataFrame
        Rows ``full_score``, ``full_benchmark_regression``, ``random_subset_regression``, ``subset_regression``;
        columns ``comparison, pearson, spearman, kendall, mae, pearson_sd`` (sd over random subsets, else 0).
    """
    human = np.asarray(human, dtype=np.float64)
    if human.shape != (data.n_models,):
        raise HumansError(f"human scores must be one number per model ({data.n_models}); got shape {human.shape}.")
    if method not in METHODS:
        raise HumansError(f"unknown selection method {method!r}; choose from {', '.join(METHODS)}.")
    if not 1 <= size <= data.n_items:
        raise HumansError(f"subset size {size} must be between 1 and the {data.n_items} items.")
    rng = np.random.default_rng(seed)
    n = data.n_models
    rows = human_baselines(data, human, regressor=regressor, average=average).to_dict("records")
    for row in rows:
        row["pearson_sd"] = 0.0
    rand = []
    for _ in range(n_random):
        items = rng.choice(data.n_items, size, replace=False)
        rand.append(score_agreement(loo_predictions(data.scores[:, items], human, regressor), human))
    rand_df = pd.DataFrame(rand)
    rows.append(
        {"comparison": "random_subset_regression", **rand_df.mean().to_dict(), "pearson_sd": rand_df["pearson"].std()}
    )
    tasks, weights = data.task_codes, data.item_weights(average)
    pred = np.empty(n)
    for i in range(n):
        train = np.arange(n) != i
        ts = TrainingSet(data.scores[train], tasks, weights, human[train])
        items = METHODS[method](size=size, random_state=[seed, i]).fit(ts).items_
        reg = fit_regressor(data.scores[np.ix_(train, items)], human[train], regressor)
        pred[i] = reg.predict(data.scores[i : i + 1, items])[0]
    rows.append({"comparison": "subset_regression", **score_agreement(pred, human), "pearson_sd": 0.0})
    return pd.DataFrame(rows)
