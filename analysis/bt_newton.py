"""Newton's method for Bradley–Terry and Davidson likelihoods on aggregated counts, for a batch of count tables.

The same solver fits one data set (a batch of one) and a thousand bootstrap resamples at once: every array has a
leading batch axis, the information matrices are assembled from sparse design products and solved with one
batched ``numpy.linalg.solve`` per iteration.

Model for design row ``k`` (models ``i`` and ``j``, ``i`` on the left when a position term is fitted)::

    d_k = theta_i - theta_j + alpha                 (alpha = 0 without a position term)
    Bradley–Terry:  P(i wins) = 1 / (1 + exp(-d_k))
    Davidson:       P(i wins) : P(j wins) : P(tie) = exp(d_k / 2) : exp(-d_k / 2) : nu

with a ridge ``rho / 2 * ||theta||^2`` that is negligible when the MLE exists and keeps estimates finite when a
model won (or lost) every comparison. Sum-to-zero is enforced by adding ``1 1^T`` to the theta block of the
information matrix, which leaves centred iterates centred.

References
----------
Bradley, R. A. and Terry, M. E. (1952). Rank analysis of incomplete block designs. Biometrika 39, 324–345.
Davidson, R. R. (1970). On extending the Bradley–Terry model to accommodate ties. JASA 65, 317–328.
Hunter, D. R. (2004). MM algorithms for generalized Bradley–Terry models. Annals of Statistics 32, 384–406.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import expit
from threadpoolctl import threadpool_limits

from analysis.errors import HumansError

__all__ = ["Design", "NewtonFit", "fit_newton", "make_design"]


@dataclass(frozen=True)
class Design:
    """Sparse structure of the comparison design, shared by every count table fitted on it."""

    n_models: int
    i: np.ndarray
    j: np.ndarray
    XT: sparse.csr_matrix  # (n, K): +1 at i, -1 at j (transposed design)
    AT: sparse.csr_matrix  # (n, K): |X|^T
    ST: sparse.csr_matrix  # (P, K): unordered pair <- row
    pair_i: np.ndarray
    pair_j: np.ndarray
    position: bool
    davidson: bool

    @property
    def n_params(self) -> int:
        return self.n_models + int(self.position) + int(self.davidson)


@dataclass(frozen=True)
class NewtonFit:
    """Estimates for a batch: ``theta`` (B, n), ``alpha`` (B,) or None, ``log_nu`` (B,) or None."""

    theta: np.ndarray
    alpha: np.ndarray | None
    log_nu: np.ndarray | None
    info: np.ndarray  # (B, m, m) information matrix at the estimate, without the centring term
    log_likelihood: np.ndarray
    n_iter: int


def make_design(n_models: int, i: np.ndarray, j: np.ndarray, *, position: bool, davidson: bool) -> Design:
    """Build the sparse design of rows ``(i[k], j[k])``."""
    k = len(i)
    rows = np.repeat(np.arange(k), 2)
    cols = np.column_stack([i, j]).ravel()
    X = sparse.csr_matrix((np.tile([1.0, -1.0], k), (rows, cols)), shape=(k, n_models))
    A = abs(X).tocsr()
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pair_code, pair_index = np.unique(lo * n_models + hi, return_inverse=True)
    S = sparse.csr_matrix((np.ones(k), (np.arange(k), pair_index)), shape=(k, len(pair_code)))
    return Design(
        n_models,
        i,
        j,
        X.T.tocsr(),
        A.T.tocsr(),
        S.T.tocsr(),
        pair_code // n_models,
        pair_code % n_models,
        position,
        davidson,
    )


def _right(matrix: np.ndarray, sp_t: sparse.csr_matrix) -> np.ndarray:
    """``matrix @ sp`` for a dense (B, K) matrix, given ``sp.T`` as sparse (n, K): a dense (B, n) array."""
    return np.asarray(sp_t @ matrix.T).T


def _row_terms(design: Design, counts: np.ndarray, theta, alpha, log_nu, with_ll: bool = True):
    """Per-row log-likelihood (if ``with_ll``), score and information terms (all shaped (B, K))."""
    d = theta[:, design.i] - theta[:, design.j]
    if alpha is not None:
        d = d + alpha[:, None]
    wi, wj, t = counts[..., 0], counts[..., 1], counts[..., 2]
    if not design.davidson:
        n = wi + wj
        ll = None
        if with_ll:
            soft = np.log1p(np.exp(-np.abs(d)))
            ll = wi * (np.minimum(d, 0.0) - soft) + wj * (np.minimum(-d, 0.0) - soft)
        p = expit(d)
        return ll, wi - n * p, n * p * (1 - p), None, None, None
    a = 0.5 * d
    lam = log_nu[:, None]
    m = np.maximum(np.abs(a), lam)
    log_d = m + np.log(np.exp(a - m) + np.exp(-a - m) + np.exp(lam - m))
    pi, pj, pt = np.exp(a - log_d), np.exp(-a - log_d), np.exp(lam - log_d)
    n = wi + wj + t
    ll = (wi - wj) * a + t * lam - n * log_d
    diff = pi - pj
    r = 0.5 * ((wi - wj) - n * diff)
    s = t - n * pt
    h_dd = 0.25 * n * ((pi + pj) - diff**2)
    h_dl = -0.5 * n * diff * pt
    h_ll = n * pt * (1 - pt)
    return ll, r, h_dd, s, h_dl, h_ll


def _objective(design, counts, theta, alpha, log_nu, ridge):
    ll = _row_terms(design, counts, theta, alpha, log_nu)[0].sum(1)
    return ll - 0.5 * ridge * (theta**2).sum(1)


def _score(design: Design, counts: np.ndarray, params: np.ndarray, ridge: float) -> np.ndarray:
    """Gradient of the penalised log-likelihood only, shaped (B, m)."""
    theta, alpha, log_nu = _unpack(design, params)
    d = theta[:, design.i] - theta[:, design.j]
    if alpha is not None:
        d = d + alpha[:, None]
    wi, wj, t = counts[..., 0], counts[..., 1], counts[..., 2]
    grad = np.empty((len(params), design.n_params))
    if design.davidson:
        a = 0.5 * d
        lam = log_nu[:, None]
        m = np.maximum(np.abs(a), lam)
        ea, eb, et = np.exp(a - m), np.exp(-a - m), np.exp(lam - m)
        total = ea + eb + et
        n = wi + wj + t
        r = 0.5 * ((wi - wj) - n * (ea - eb) / total)
        grad[:, -1] = (t - n * et / total).sum(1)
    else:
        r = wi - (wi + wj) * expit(d)
    grad[:, : design.n_models] = _right(r, design.XT) - ridge * theta
    if design.position:
        grad[:, design.n_models] = r.sum(1)
    return grad


def _chord(design, counts, params, ridge, info0, tol, max_iter=40):
    """Fixed-information (chord) Newton iterations from a common start: cheap when resamples resemble the data.

    Returns the updated parameters and a mask of the tables that converged; the others go on to full Newton.
    """
    n = design.n_models
    centred = info0.copy()
    centred[:n, :n] += 1.0
    inverse = np.linalg.inv(centred)
    params = params.copy()
    active = np.arange(len(params))
    converged = np.zeros(len(params), dtype=bool)
    previous = np.full(len(params), np.inf)
    for _ in range(max_iter):
        step = _score(design, counts[active], params[active], ridge) @ inverse
        size = np.abs(step).max(1)
        ok = np.isfinite(size) & (size < 0.9 * previous[active] + tol)  # contracting
        params[active[ok]] += step[ok]
        previous[active] = size
        done = ok & (size < tol)
        converged[active[done]] = True
        active = active[ok & ~done]
        if len(active) == 0:
            break
    return params, converged


def _unpack(design: Design, params: np.ndarray):
    n = design.n_models
    theta = params[:, :n]
    alpha = params[:, n] if design.position else None
    log_nu = params[:, n + int(design.position)] if design.davidson else None
    return theta, alpha, log_nu


def _score_and_info(design: Design, counts: np.ndarray, params: np.ndarray, ridge: float, with_ll: bool = True):
    theta, alpha, log_nu = _unpack(design, params)
    ll, r, h_dd, s, h_dl, h_ll = _row_terms(design, counts, theta, alpha, log_nu, with_ll)
    n, m, batch = design.n_models, design.n_params, len(params)
    grad = np.zeros((batch, m))
    info = np.zeros((batch, m, m))
    grad[:, :n] = _right(r, design.XT) - ridge * theta
    pair_h = _right(h_dd, design.ST)
    info[:, design.pair_i, design.pair_j] = -pair_h
    info[:, design.pair_j, design.pair_i] = -pair_h
    diag = np.arange(n)
    info[:, diag, diag] = _right(h_dd, design.AT) + ridge
    extra = n
    if design.position:
        grad[:, extra] = r.sum(1)
        col = _right(h_dd, design.XT)
        info[:, :n, extra] = col
        info[:, extra, :n] = col
        info[:, extra, extra] = h_dd.sum(1)
        extra += 1
    if design.davidson:
        grad[:, extra] = s.sum(1)
        col = _right(h_dl, design.XT)
        info[:, :n, extra] = col
        info[:, extra, :n] = col
        if design.position:
            info[:, extra - 1, extra] = info[:, extra, extra - 1] = h_dl.sum(1)
        info[:, extra, extra] = h_ll.sum(1)
    objective = ll.sum(1) - 0.5 * ridge * (theta**2).sum(1) if ll is not None else None
    return objective, grad, info


def fit_newton(
    design: Design,
    counts: np.ndarray,
    *,
    ridge: float = 1e-6,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    need_info: bool = True,
    chord_info: np.ndarray | None = None,
) -> NewtonFit:
    """Maximise the (ridge-penalised) likelihood for each count table of a batch by damped Newton steps.

    Parameters
    ----------
    design : Design
    counts : ndarray, shape (B, K, 3)
        Wins of ``i``, wins of ``j`` and ties per design row (ties are ignored by the Bradley–Terry likelihood;
        fold them into wins before calling for the ``half`` policy).
    ridge : float, default 1e-6
        Penalty on ``||theta||^2 / 2``.
    start : ndarray, shape (B, m) or (m,), optional
        Starting parameters (a warm start for bootstrap rounds).
    tol : float, default 1e-10
        Stop when the largest Newton step is below ``tol`` (convergence is quadratic: the error left is of the
        order of ``tol**2``).
    max_iter : int, default 100
    need_info : bool, default True
        Return the information matrix at the estimate (skipped for bootstrap rounds).
    chord_info : ndarray, shape (m, m), optional
        Information matrix at ``start`` (bootstrap rounds: the full-data fit). Tables are first iterated with this
        fixed matrix (one gradient per iteration, no solves); those that do not contract go on to full Newton.

    Returns
    -------
    NewtonFit

    Raises
    ------
    HumansError
        When some table does not converge within ``max_iter`` iterations.
    """
    # Many small solves: BLAS threads only add overhead (and stall badly on a busy machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_newton(
            design,
            counts,
            ridge=ridge,
            start=start,
            tol=tol,
            max_iter=max_iter,
            need_info=need_info,
            chord_info=chord_info,
        )


def _fit_newton(design, counts, *, ridge, start, tol, max_iter, need_info, chord_info) -> NewtonFit:
    batch, n = counts.shape[0], design.n_models
    params = np.zeros((batch, design.n_params))
    if start is not None:
        params[:] = start
    elif design.davidson:
        total = counts.sum((1, 2))
        tie_share = np.clip(counts[..., 2].sum(1) / np.maximum(total, 1e-300), 1e-3, 0.999)
        params[:, -1] = np.log(2 * tie_share / (1 - tie_share))
    params[:, :n] -= params[:, :n].mean(1, keepdims=True)
    centring = np.zeros((design.n_params, design.n_params))
    centring[:n, :n] = 1.0
    active = np.arange(batch)
    if chord_info is not None:
        params, converged = _chord(design, counts, params, ridge, chord_info, tol)
        bad = ~np.isfinite(params).all(1)
        params[bad] = params[0] if start is None else start
        active = np.flatnonzero(~converged)
    iteration = 0
    while len(active) and iteration < max_iter:
        iteration += 1
        sub_counts = counts[active]
        _, grad, info = _score_and_info(design, sub_counts, params[active], ridge, with_ll=False)
        step = np.linalg.solve(info + centring, grad[..., None])[..., 0]
        scale = np.ones(len(active))
        # Newton steps on these concave likelihoods are safe once small; damp (halve) only the large ones.
        damp = np.abs(step).max() > 0.5
        if damp:
            objective = _objective(design, sub_counts, *_unpack(design, params[active]), ridge)
        for _ in range(40 if damp else 0):
            trial = params[active] + scale[:, None] * step
            new = _objective(design, sub_counts, *_unpack(design, trial), ridge)
            worse = ~(new >= objective - 1e-12 * np.abs(objective))
            if not worse.any():
                break
            scale[worse] *= 0.5
        params[active] += scale[:, None] * step
        active = active[np.abs(scale[:, None] * step).max(1) >= tol]
    if len(active):
        raise HumansError(
            f"Newton's method did not converge for {len(active)} of {batch} count table(s) within "
            f"max_iter={max_iter} iterations (tol={tol}); check for models that won or lost every comparison."
        )
    theta, alpha, log_nu = _unpack(design, params)
    if need_info:
        objective, _, info = _score_and_info(design, counts, params, ridge)
    else:
        objective = info = None
    return NewtonFit(
        theta.copy(),
        None if alpha is None else alpha.copy(),
        None if log_nu is None else log_nu.copy(),
        info,
        objective,
        iteration,
    )
