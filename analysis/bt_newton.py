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
from scipy.special import log_expit

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


def _row_terms(design: Design, counts: np.ndarray, theta, alpha, log_nu):
    """Per-row log-likelihood, score and information terms (all shaped (B, K))."""
    d = theta[:, design.i] - theta[:, design.j]
    if alpha is not None:
        d = d + alpha[:, None]
    wi, wj, t = counts[..., 0], counts[..., 1], counts[..., 2]
    if not design.davidson:
        n = wi + wj
        ll = wi * log_expit(d) + wj * log_expit(-d)
        p = np.exp(log_expit(d))
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


def _unpack(design: Design, params: np.ndarray):
    n = design.n_models
    theta = params[:, :n]
    alpha = params[:, n] if design.position else None
    log_nu = params[:, n + int(design.position)] if design.davidson else None
    return theta, alpha, log_nu


def _score_and_info(design: Design, counts: np.ndarray, params: np.ndarray, ridge: float):
    theta, alpha, log_nu = _unpack(design, params)
    ll, r, h_dd, s, h_dl, h_ll = _row_terms(design, counts, theta, alpha, log_nu)
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
    objective = ll.sum(1) - 0.5 * ridge * (theta**2).sum(1)
    return objective, grad, info


def fit_newton(
    design: Design,
    counts: np.ndarray,
    *,
    ridge: float = 1e-6,
    start: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
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
        Stop when the largest Newton step is below ``tol``.
    max_iter : int, default 100

    Returns
    -------
    NewtonFit

    Raises
    ------
    HumansError
        When some table does not converge within ``max_iter`` iterations.
    """
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
    active = np.ones(batch, dtype=bool)
    objective, grad, info = _score_and_info(design, counts, params, ridge)
    for iteration in range(1, max_iter + 1):  # noqa: B007 (reported in the fit)
        idx = np.flatnonzero(active)
        step = np.linalg.solve(info[idx] + centring, grad[idx][..., None])[..., 0]
        sub_counts, old = counts[idx], objective[idx]
        scale = np.ones(len(idx))
        for _ in range(40):
            trial = params[idx] + scale[:, None] * step
            new = _objective(design, sub_counts, *_unpack(design, trial), ridge)
            worse = ~(new >= old - 1e-12 * np.abs(old))
            if not worse.any():
                break
            scale[worse] *= 0.5
        params[idx] = trial
        done = np.abs(scale[:, None] * step).max(1) < tol
        active[idx[done]] = False
        if not active.any():
            break
        objective[idx], grad[idx], info[idx] = _score_and_info(design, sub_counts, params[idx], ridge)
    else:
        raise HumansError(
            f"Newton's method did not converge for {active.sum()} of {batch} count table(s) within "
            f"max_iter={max_iter} iterations (tol={tol}); check for models that won or lost every comparison."
        )
    objective, _, info = _score_and_info(design, counts, params, ridge)
    theta, alpha, log_nu = _unpack(design, params)
    return NewtonFit(
        theta.copy(),
        None if alpha is None else alpha.copy(),
        None if log_nu is None else log_nu.copy(),
        info,
        objective,
        iteration,
    )
