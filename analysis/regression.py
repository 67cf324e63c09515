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
from analysis.missing import observed_sums
from analysis.score_agreement import score_agreement
from analysis.selection import METHODS, TrainingSet

__all__ = [
    "REGRESSORS",
    "RidgeLOO",
    "ShrunkRidgeLOO",
    "StackedRidge",
    "compare_human_regression",
    "fit_predict",
    "fit_regressor",
    "fit_ridge",
    "loo_predictions",
    "task_means",
]

#: Regression models of human scores on item scores (``stacked``: the full-benchmark regression corrected by the
#: subset, :class:`StackedRidge`).
REGRESSORS = ("stacked", "ridge", "lasso", "ols")
_RIDGE_ALPHAS = np.logspace(-3, 3, 25)
#: Penalties of the stack's item corrections (and infinity): at least 10^0.5. The items were selected on the same
#: training models with the human score as target, and the exact leave-one-out error does not redo the selection,
#: so it flatters weak penalties; the floor is a prior that corrections are small. Chosen on simulated studies
#: (seeds 100-119 of ``benchmarks/human_regression_seeds.py``, not the reported seeds 0-19): floors 10^-3, 1,
#: 10^0.5, 10, 10^1.5 and 100 gave mean LOO Pearson 0.774/0.801/0.800/0.777/0.741/0.718 with 12 models at 20 items
#: and 0.836/0.882/0.899/0.902/0.884/0.862 with 30.
_STACK_ALPHAS = np.logspace(0.5, 3.5, 13)
#: Up to this many training models the stack's fallback test is a nested leave-one-out (5 folds beyond).
_NESTED_LOO_MAX = 40


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
    loo_predictions_ : ndarray of shape (n,)
        Leave-one-out predictions of the training rows at the chosen penalty.
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
        self.loo_predictions_ = y - loo[best]
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.coef_ + self.intercept_


class ShrunkRidgeLOO:
    """Ridge regression shrunk toward a regression on the subset's estimate of the full benchmark score.

    Model: :math:`\\hat h = b + \\gamma\\, x^\\top v + x^\\top w` with :math:`x^\\top v` the subset's weighted-mean
    estimate of the full score (``base_weights`` :math:`v`, uniform when omitted). The intercept :math:`b` and slope
    :math:`\\gamma` are not penalised; the item coefficients :math:`w` are, by :math:`\\alpha\\lVert w\\rVert^2`. So
    :math:`\\alpha \\to \\infty` gives back the plain regression of the human score on the (estimated) full score, and
    a small :math:`\\alpha` lets single items correct it where people value what the benchmark under-weighs: the items
    only have to explain the *residual* of the full-benchmark regression, which few models (12–30) can afford.

    :math:`\\alpha` (including :math:`\\infty`) is chosen by exact leave-one-out error. With :math:`U = [1, Xv]`,
    :math:`M = I - P_U` and :math:`MX = A S B^\\top`, the hat matrix is
    :math:`H = P_U + A\\,\\mathrm{diag}(s^2/(s^2+\\alpha))\\,A^\\top` (Frisch–Waugh–Lovell applies to the unpenalised
    columns), and the LOO residual of row :math:`i` is :math:`e_i/(1 - H_{ii})`. Nested inside an outer
    leave-one-model-out loop this is a nested cross-validation of the penalty.

    Parameters
    ----------
    base_weights : ndarray of shape (p,), optional
        Weights :math:`v` of the full-score estimate from the subset's items (uniform when None).
    alphas : ndarray, default 25 values in [1e-3, 1e3]
        Candidate penalties; :math:`\\infty` (no item corrections) is always a candidate.

    Attributes
    ----------
    coef_ : ndarray of shape (p,)
        :math:`\\gamma v + w`: the prediction is linear in the items, as a HUMANS subset file needs.
    intercept_ : float
    alpha_ : float
        The chosen penalty (``inf`` when the items add nothing to the full-score regression).
    alphas_, loo_mse_ : ndarray
        The candidate penalties (``alphas`` and ``inf``) and their exact leave-one-out mean squared errors.
    loo_predictions_ : ndarray of shape (n,)
        Leave-one-out predictions of the training rows at the chosen penalty.

    References
    ----------
    Hoerl, A. E., Kennard, R. W. (1970). Ridge regression. Technometrics 12, 55–67.
    Breiman, L. (1996). Stacked regressions. Machine Learning 24, 49–64.
    """

    def __init__(self, *, base_weights: np.ndarray | None = None, alphas: np.ndarray = _RIDGE_ALPHAS):
        self.base_weights = base_weights
        self.alphas = alphas

    def fit(self, x: np.ndarray, y: np.ndarray, base: np.ndarray | None = None) -> ShrunkRidgeLOO:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        n, p = x.shape
        v = np.full(p, 1.0 / p) if self.base_weights is None else np.asarray(self.base_weights, dtype=np.float64)
        base = x @ v if base is None else np.asarray(base, dtype=np.float64)
        u = np.column_stack([np.ones(n), base])
        qu, su, _ = np.linalg.svd(u, full_matrices=False)
        q = qu[:, su > 1e-10 * su[0]]  # orthonormal basis of the unpenalised columns (rank 1 if x @ v is constant)
        mx = x - q @ (q.T @ x)
        my = y - q @ (q.T @ y)
        a, s, bt = np.linalg.svd(mx, full_matrices=False)
        keep = s > 1e-10 * max(s[0], 1e-300) if len(s) else s > 0
        a, s, bt = a[:, keep], s[keep], bt[keep]
        aty = a.T @ my
        alphas = np.append(np.asarray(self.alphas, dtype=np.float64), np.inf)
        shrink = np.where(np.isinf(alphas)[:, None], 0.0, s[None, :] ** 2 / (s[None, :] ** 2 + alphas[:, None]))
        fitted = (y - my)[None, :] + (shrink * aty[None, :]) @ a.T  # (n_alphas, n)
        h_diag = (q**2).sum(axis=1)[None, :] + shrink @ (a.T**2)
        loo = (y[None, :] - fitted) / np.maximum(1.0 - h_diag, 1e-12)
        self.alphas_, self.loo_mse_ = alphas, (loo**2).mean(axis=1)
        best = int(np.argmin(self.loo_mse_))
        self.loo_predictions_ = y - loo[best]
        alpha = alphas[best]
        w = np.zeros(p) if np.isinf(alpha) else bt.T @ (s / (s**2 + alpha) * aty)
        gamma = np.linalg.lstsq(u, y - x @ w, rcond=None)[0]
        self.coef_ = w + gamma[1] * v
        self.item_coef_, self.base_coef_ = w, float(gamma[1])
        self.intercept_ = float(gamma[0])
        self.alpha_ = float(alpha)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) @ self.coef_ + self.intercept_


class StackedRidge:
    """The full-benchmark regression, corrected by a subset's items where they add something (``stacked``).

    Level 0: the full-benchmark regression :math:`f(z)`, a ridge of the human score on the task means :math:`z`
    (:class:`RidgeLOO`); its exact leave-one-out predictions :math:`f_{-m}(z_m)` are the training models'
    out-of-fold base. Level 1: :class:`ShrunkRidgeLOO` of the human score on the base (unpenalised) and the subset's
    item scores (ridge penalty, chosen by exact leave-one-out error among 13 values in
    :math:`[10^{0.5}, 10^{3.5}]` and :math:`\\infty`), so :math:`\\hat h = b + \\gamma f(z) + x^\\top w`. When the
    items add nothing the penalty goes to infinity and the prediction is the full-benchmark regression's,
    recalibrated (:math:`b + \\gamma f`); the items only have to explain its residual. The penalty's floor is a prior
    that the corrections are small: the items were selected on the same models, which leave-one-out does not redo.

    Fallback by nested cross-validation: level 1, its penalty choice included, is refitted without each training
    model (each of 5 interleaved folds beyond 40 models) and predicts it; unless its mean squared error beats the
    leave-one-out error of :math:`f` alone, the stack *is* the full-benchmark regression (``uses_items_`` False:
    :math:`b = c_0`, :math:`\\gamma = 1`, :math:`w = 0`), so a subset that adds nothing gives the same predictions.

    As a linear model of the task means and the items, :math:`\\hat h = b + \\gamma c_0 + \\sum_t \\gamma c_t z_t +
    \\sum_i w_i x_i` (:attr:`bias_`, :attr:`task_coef_`, :attr:`item_coef_`): what a HUMANS subset file of the stack
    holds.

    Attributes
    ----------
    base_ : RidgeLOO
        The full-benchmark regression :math:`f`.
    top_ : ShrunkRidgeLOO
        The second stage.
    uses_items_ : bool
        Whether the items' correction beat the full-benchmark regression in the nested cross-validation.
    bias_ : float
    task_coef_ : ndarray of shape (t,)
    item_coef_ : ndarray of shape (p,)

    References
    ----------
    Wolpert, D. H. (1992). Stacked generalization. Neural Networks 5, 241–259.
    Breiman, L. (1996). Stacked regressions. Machine Learning 24, 49–64.
    """

    def fit(self, x: np.ndarray, y: np.ndarray, features: np.ndarray) -> StackedRidge:
        """Fit on item scores ``x`` (n, p), human scores ``y`` (n,) and full-benchmark features (n, t)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self.base_ = RidgeLOO().fit(features, y)
        base = self.base_.loo_predictions_
        self.top_ = ShrunkRidgeLOO(alphas=_STACK_ALPHAS).fit(x, y, base)
        folds = len(y) if len(y) <= _NESTED_LOO_MAX else 5  # leave-one-out while it is cheap, else 5 folds
        self.uses_items_ = bool(_nested_mse(x, y, base, folds) < np.mean((y - base) ** 2))
        if not self.uses_items_:  # the second stage, penalty choice included, does not beat the base out of fold
            self.bias_, self.task_coef_ = float(self.base_.intercept_), self.base_.coef_
            self.item_coef_ = np.zeros(x.shape[1])
            return self
        gamma = self.top_.base_coef_
        self.bias_ = float(self.top_.intercept_ + gamma * self.base_.intercept_)
        self.task_coef_ = gamma * self.base_.coef_
        self.item_coef_ = self.top_.item_coef_
        return self

    def predict(self, x: np.ndarray, features: np.ndarray) -> np.ndarray:
        """:math:`b + \\gamma f(z) + x^\\top w` for item scores ``x`` (m, p) and task means ``features`` (m, t)."""
        return (
            self.bias_
            + np.asarray(features, dtype=np.float64) @ self.task_coef_
            + np.asarray(x, dtype=np.float64) @ self.item_coef_
        )


def _nested_mse(x: np.ndarray, y: np.ndarray, base: np.ndarray, n_folds: int = 5) -> float:
    """Mean squared error of the second stage refitted (penalty choice included) without each of ``n_folds``
    interleaved folds of the rows, on that fold: a nested cross-validation of the stack's level 1."""
    n = len(y)
    pred = np.empty(n)
    for k in range(min(n_folds, n)):
        test = np.arange(k, n, min(n_folds, n))
        train = np.setdiff1d(np.arange(n), test)
        top = ShrunkRidgeLOO(alphas=_STACK_ALPHAS).fit(x[train], y[train], base[train])
        pred[test] = top.intercept_ + top.base_coef_ * base[test] + x[test] @ top.item_coef_
    return float(np.mean((y - pred) ** 2))


def fit_ridge(x: np.ndarray, y: np.ndarray) -> RidgeLOO:
    """Ridge regression of ``y`` on ``x`` with the penalty chosen by exact leave-one-out error."""
    return RidgeLOO().fit(x, y)


def fit_regressor(x: np.ndarray, y: np.ndarray, regressor: str = "ridge", features: np.ndarray | None = None):
    """Fit the linear model ``regressor``; returns a fitted estimator with ``predict``.

    ``stacked`` with full-benchmark ``features`` (task means) is :class:`StackedRidge` (its ``predict`` takes the
    features too); without them, :class:`ShrunkRidgeLOO` shrinks toward the regression on the subset's own mean (a
    prediction from the subset's items alone, as a HUMANS subset file must give).
    """
    if regressor not in REGRESSORS:
        raise HumansError(f"regressor {regressor!r} is not one of {', '.join(REGRESSORS)}.")
    if regressor == "stacked":
        return ShrunkRidgeLOO().fit(x, y) if features is None else StackedRidge().fit(x, y, features)
    if regressor == "ridge":
        return fit_ridge(x, y)
    if regressor == "ols":
        return LinearRegression().fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LassoCV(cv=min(5, len(y)), alphas=30, max_iter=5000).fit(x, y)


def fit_predict(
    x: np.ndarray,
    y: np.ndarray,
    x_new: np.ndarray,
    regressor: str = "ridge",
    features: np.ndarray | None = None,
    features_new: np.ndarray | None = None,
) -> np.ndarray:
    """Fit ``regressor`` on ``(x, y)`` (and full-benchmark ``features`` for ``stacked``) and predict ``x_new``."""
    reg = fit_regressor(x, y, regressor, features)
    return reg.predict(x_new, features_new) if isinstance(reg, StackedRidge) else reg.predict(x_new)


def loo_predictions(
    x: np.ndarray, y: np.ndarray, regressor: str = "ridge", features: np.ndarray | None = None
) -> np.ndarray:
    """Leave-one-model-out predictions: row ``i`` predicted by the model fitted on all other rows."""
    n = len(y)
    out = np.empty(n)
    for i in range(n):
        train = np.arange(n) != i
        f_train, f_new = (None, None) if features is None else (features[train], features[i : i + 1])
        out[i] = fit_predict(x[train], y[train], x[i : i + 1], regressor, f_train, f_new)[0]
    return out


def task_means(data: BenchmarkData) -> np.ndarray:
    """Per-model mean score of every task, shape (n_models, n_tasks) (the full benchmark's task-level features)."""
    codes = data.task_codes
    counts = np.bincount(codes)
    onehot = np.zeros((data.n_items, len(counts)))
    onehot[np.arange(data.n_items), codes] = 1.0 / counts[codes]
    # the mean over each model's observed items of the task (NaN if none), in blocks of rows
    means, mass = observed_sums(data.scores, onehot)
    if not data.has_missing:
        return means
    return np.divide(means, mass, out=np.full_like(means, np.nan), where=mass > 0)


def human_baselines(
    data: BenchmarkData, human: np.ndarray, *, regressor: str = "ridge", average: str = "macro"
) -> pd.DataFrame:
    """Agreement with human scores of the raw full score and of a LOO regression on the task means.

    The full-benchmark regression is ``regressor`` on the task means (ridge when ``regressor`` is ``stacked``, which
    is itself built on that ridge).

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
    base = "ridge" if regressor == "stacked" else regressor
    reg = score_agreement(loo_predictions(task_means(data), human, base), human)
    return pd.DataFrame([{"comparison": "full_score", **full}, {"comparison": "full_benchmark_regression", **reg}])


def compare_human_regression(
    data: BenchmarkData,
    human: np.ndarray,
    *,
    method: str = "greedy_forward",
    size: int = 50,
    regressor: str = "stacked",
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
    regressor : {"stacked", "ridge", "lasso", "ols"}, default "stacked"
        Linear model of human score on item scores (``stacked``: the full-benchmark regression corrected by the
        items, :class:`StackedRidge`) and on task means for the full-benchmark regression (ridge for ``stacked``).
    n_random : int, default 20
        Random subsets averaged for the random reference (0: no ``random_subset_regression`` row).
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
    features = task_means(data)
    rand = []
    for _ in range(n_random):
        items = rng.choice(data.n_items, size, replace=False)
        rand.append(score_agreement(loo_predictions(data.scores[:, items], human, regressor, features), human))
    if rand:
        rand_df = pd.DataFrame(rand)
        rows.append(
            {
                "comparison": "random_subset_regression",
                **rand_df.mean().to_dict(),
                "pearson_sd": rand_df["pearson"].std(),
            }
        )
    tasks, weights = data.task_codes, data.item_weights(average)
    pred = np.empty(n)
    for i in range(n):
        train = np.arange(n) != i
        ts = TrainingSet(data.scores[train], tasks, weights, human[train])
        items = METHODS[method](size=size, random_state=[seed, i]).fit(ts).items_
        pred[i] = fit_predict(
            data.scores[np.ix_(train, items)],
            human[train],
            data.scores[i : i + 1, items],
            regressor,
            features[train],
            features[i : i + 1],
        )[0]
    rows.append({"comparison": "subset_regression", **score_agreement(pred, human), "pearson_sd": 0.0})
    return pd.DataFrame(rows)
