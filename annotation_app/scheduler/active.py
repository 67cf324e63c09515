"""Scores for the active scheduling mode: a small Bradley–Terry fit on the current vote counts.

This is a stand-in with the interface the scheduler needs (model id -> (theta, standard error)); swap in
``analysis.bradley_terry`` (branch ``scores``) by passing its wrapper as ``Scheduler(scores=...)``.

Model: :math:`P(i \\succ j) = \\sigma(\\theta_i - \\theta_j)`; ties count half a win to each side; a ridge
:math:`\\lambda \\lVert\\theta\\rVert^2 / 2` makes the MLE unique even for disconnected comparison graphs.
Newton's method on the win matrix (Hunter 2004, "MM algorithms for generalized Bradley–Terry models").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

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
    """
    rows = list(rows)
    models = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    if not models:
        return {}
    index = {m: i for i, m in enumerate(models)}
    k = len(models)
    wins = np.zeros((k, k))
    for r in rows:
        a, b = index[r["model_a"]], index[r["model_b"]]
        ties = float(r.get("ties") or 0)
        wins[a, b] += float(r.get("wins_a") or 0) + ties / 2
        wins[b, a] += float(r.get("wins_b") or 0) + ties / 2
    games = wins + wins.T
    theta = np.zeros(k)
    hess = np.eye(k) * ridge
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
        grad = (wins - games * p).sum(axis=1) - ridge * theta
        w = games * p * (1 - p)
        hess = np.diag(w.sum(axis=1)) - w + ridge * np.eye(k)
        step = np.linalg.solve(hess, grad)
        theta = theta + step
        if np.max(np.abs(step)) < tol:
            break
    theta = theta - theta.mean()
    se = np.sqrt(np.clip(np.diag(np.linalg.inv(hess)), 0, None))
    return {m: (float(theta[i]), float(se[i])) for m, i in index.items()}
