"""Scores for the active scheduling mode: the analysis library's Bradley–Terry fit on the live vote counts.

Model: :math:`P(i \\succ j) = \\sigma(\\theta_i - \\theta_j)`; ties count half a win to each side; a ridge
:math:`\\lambda \\lVert\\theta\\rVert^2 / 2` makes the MLE unique even for disconnected comparison graphs
(early in a study). Fitted by damped Newton steps (:func:`analysis.bt_newton.fit_newton`, the solver behind
:func:`analysis.bradley_terry.bt_scores`); standard errors from the inverse information matrix.

References
----------
Hunter, D. R. (2004). MM algorithms for generalized Bradley–Terry models. *Annals of Statistics* 32(1), 384–406.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from analysis.bt_newton import fit_newton, make_design

__all__ = ["ScoreFn", "bt_scores_from_counts"]

#: Signature of a score function: rows {model_a, model_b, wins_a, wins_b, ties} -> {model: (theta, se)}.
ScoreFn = Callable[[Iterable[Mapping]], dict[int, tuple[float, float]]]


def bt_scores_from_counts(
    rows: Iterable[Mapping], *, ridge: float = 0.1, max_iter: int = 50, tol: float = 1e-8
) -> dict[int, tuple[float, float]]:
    """Fit Bradley–Terry log-strengths and their standard errors from aggregated counts.

    Parameters
    ----------
    rows : iterable of mappings
        One per model pair: ``model_a``, ``model_b`` (any hashable ids), ``wins_a``, ``wins_b``, ``ties``.
    ridge : float, default 0.1
        Strength of the ridge penalty on theta (identifiability; shrinks scores with few votes towards 0).
    max_iter, tol : int, float
        Newton iterations and the stopping tolerance on the step's max norm.

    Returns
    -------
    dict
        model -> (theta, standard error), theta on the natural-log scale, centred on 0.

    Examples
    --------
    >>> s = bt_scores_from_counts([{"model_a": "a", "model_b": "b", "wins_a": 30, "wins_b": 10, "ties": 0}], ridge=1e-9)
    >>> round(s["a"][0] - s["b"][0], 4)  # log(30 / 10)
    1.0986
    """
    rows = list(rows)
    models = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    if not models:
        return {}
    index = {m: i for i, m in enumerate(models)}
    i = np.array([index[r["model_a"]] for r in rows])
    j = np.array([index[r["model_b"]] for r in rows])
    ties = np.array([float(r.get("ties") or 0) for r in rows])
    counts = np.zeros((1, len(rows), 3))
    counts[0, :, 0] = [float(r.get("wins_a") or 0) for r in rows]
    counts[0, :, 1] = [float(r.get("wins_b") or 0) for r in rows]
    counts[0, :, :2] += ties[:, None] / 2
    design = make_design(len(models), i, j, position=False, davidson=False)
    fit = fit_newton(design, counts, ridge=ridge, tol=tol, max_iter=max_iter)
    theta = fit.theta[0] - fit.theta[0].mean()
    info = fit.info[0][: len(models), : len(models)]  # includes the ridge
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(info)), 0, None))
    return {m: (float(theta[k]), float(se[k])) for m, k in index.items()}
