"""Between-item multidimensional 2PL: one ability per task, correlated across tasks.

Model. Item :math:`j` belongs to task :math:`t(j)` and measures only that task's ability; model :math:`m` has an
ability vector :math:`\\theta_m \\in \\mathbb{R}^T` with a correlated Gaussian prior:

.. math:: P(s_{mj} = 1) = \\sigma(a_j \\theta_{m,t(j)} + d_j), \\qquad \\theta_m \\sim N(0, \\Sigma),\\;
          \\Sigma_{tt} = 1.

Fit (two steps). (i) A unidimensional 2PL per task (:class:`analysis.irt.IRT2PL`, penalised joint likelihood,
missing cells skipped) gives :math:`a_j, d_j` and standardised abilities :math:`\\theta_{m,t}`; (ii)
:math:`\\Sigma` is their correlation matrix :math:`R` across the training models, shrunk toward the
constant-correlation matrix :math:`F = (1-\\bar\\rho) I + \\bar\\rho\\,\\mathbf{1}\\mathbf{1}^\\top`
(:math:`\\bar\\rho` the mean off-diagonal correlation; Ledoit & Wolf 2004): :math:`\\Sigma = (1-\\gamma) R +
\\gamma F`, :math:`\\gamma = \\min(1, T / n)`, so it stays invertible with few models or many tasks and keeps
the general factor that links them (shrinking toward the identity instead cut the tasks apart: on nlu-test-sets,
29 tasks and 72 training models, p-IRT lost to random at 10 items).

Ability of a new model (:meth:`TaskIRT.ability`). MAP of :math:`\\theta` given its scores on any items, by Newton's
method on

.. math:: \\ell(\\theta) = \\sum_{j} o_j [s_j \\log p_j + (1 - s_j) \\log (1 - p_j)]
          - \\tfrac12 \\theta^\\top \\Sigma^{-1} \\theta,

with :math:`o_j` = 1 for an observed score; the Laplace approximation gives the posterior covariance
:math:`C = (\\operatorname{diag}_t(\\sum_{j \\in t} o_j a_j^2 p_j(1-p_j)) + \\Sigma^{-1})^{-1}`. Through
:math:`\\Sigma` the items of one task inform the abilities of the others, which is what makes a 30-item subset
of a three-task benchmark informative about all three (a single ability pooled over tasks cannot represent models
that are good at one task and poor at another; on open-llm-tiny it alone misses the full score by 0.026 on
average even with every item seen, against 0.017 with one ability per task).

Full-score estimate (p-IRT, Maia Polo et al. 2024): observed where seen, predicted elsewhere,

.. math:: \\hat S = \\sum_{j \\in S} v_j s_j + \\sum_{j \\notin S} v_j\\, \\sigma(a_j \\hat\\theta_{t(j)} + d_j),

and its approximate variance, used for intervals and adaptive item choice: the delta-method part
:math:`c^\\top C c` with :math:`c_t = \\sum_{j \\notin S, t(j)=t} v_j a_j p_j (1 - p_j)`, plus the Bernoulli
variance :math:`\\sum_{j \\notin S} v_j^2 p_j (1-p_j)` of the unseen items.

References
----------
Ledoit, O., Wolf, M. (2004). Honey, I shrunk the sample covariance matrix. J. Portfolio Management 30, 110–119.
Reckase, M. D. (2009). *Multidimensional Item Response Theory*. Springer (between-item multidimensionality).
Maia Polo, F., Weber, L., Choshen, L., Sun, Y., Xu, G., Yurochkin, M. (2024). tinyBenchmarks: evaluating LLMs
with fewer examples. ICML.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from analysis.errors import HumansError
from analysis.irt import IRT2PL

__all__ = ["TaskIRT"]

_STEP = 2.0
_CHUNK = 256


class TaskIRT:
    """2PL with one ability per task and a correlated N(0, Σ) prior over tasks.

    Parameters
    ----------
    max_iter : int, default 100
        Sweeps of each per-task 2PL fit.
    tol : float, default 1e-3
        Convergence tolerance of each per-task fit.
    min_a : float, optional
        Lower bound on the discriminations (:class:`analysis.irt.IRT2PL`); None leaves them free.

    Attributes
    ----------
    a_, d_ : ndarray of shape (n_items,)
        Discrimination and intercept of every item.
    tasks_ : ndarray of shape (n_items,), int
        Task code of every item.
    theta_ : ndarray of shape (n_models, n_tasks)
        Training abilities (each column mean 0, sd 1).
    sigma_ : ndarray of shape (n_tasks, n_tasks)
        Prior correlation of the task abilities (shrunk toward the identity).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=300)
    >>> tasks = np.repeat([0, 1], 40)
    >>> a, d = rng.uniform(0.8, 2, 80), rng.normal(size=80)
    >>> y = (rng.random((300, 80)) < expit(theta[:, tasks] * a + d)).astype(float)
    >>> irt = TaskIRT().fit(y, tasks)
    >>> bool(abs(irt.sigma_[0, 1] - 0.8) < 0.1)
    True
    """

    def __init__(self, *, max_iter: int = 100, tol: float = 1e-3, min_a: float | None = None):
        self.min_a = min_a
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, scores: np.ndarray, tasks: np.ndarray, item_counts: np.ndarray | None = None) -> TaskIRT:
        """Fit item parameters and the ability correlation on ``scores`` (n_models, n_items); NaN = missing.

        ``item_counts`` (n_items,), optional: how many identical items each column stands for.
        """
        y = np.asarray(scores)  # float32 stays float32: each task's block is converted by IRT2PL
        tasks = np.asarray(tasks, dtype=np.intp)
        if y.ndim != 2 or tasks.shape != (y.shape[1],):
            raise HumansError(f"TaskIRT needs a (models × items) matrix and one task per item; got {y.shape}.")
        counts = np.ones(y.shape[1]) if item_counts is None else np.asarray(item_counts, dtype=np.float64)
        codes = np.unique(tasks)
        n_tasks = int(codes.max()) + 1
        a, d = np.ones(y.shape[1]), np.zeros(y.shape[1])
        theta = np.zeros((y.shape[0], n_tasks))
        for t in codes:
            cols = np.flatnonzero(tasks == t)
            fitted = IRT2PL(max_iter=self.max_iter, tol=self.tol, min_a=self.min_a).fit(y[:, cols], counts[cols])
            a[cols], d[cols], theta[:, t] = fitted.a_, fitted.d_, fitted.theta_
        n = y.shape[0]
        corr = np.corrcoef(theta.T) if n_tasks > 1 else np.ones((1, 1))
        corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0)
        np.fill_diagonal(corr, 1.0)
        gamma = min(1.0, n_tasks / n)
        off = corr[~np.eye(n_tasks, dtype=bool)]
        rho = float(np.clip(off.mean(), 0.0, 0.99)) if len(off) else 0.0
        target = (1 - rho) * np.eye(n_tasks) + rho  # constant correlation: keeps the general factor
        self.sigma_ = (1 - gamma) * corr + gamma * target
        self._sigma_inv = np.linalg.inv(self.sigma_)
        self.a_, self.d_, self.tasks_, self.theta_ = a, d, tasks, theta
        return self

    @property
    def n_tasks(self) -> int:
        """Number of task dimensions."""
        return self.sigma_.shape[0]

    def _check_fitted(self) -> None:
        if not hasattr(self, "a_"):
            raise HumansError("this TaskIRT is not fitted yet; call fit(scores, tasks) first.")

    def ability(self, scores: np.ndarray, items: np.ndarray, n_steps: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """MAP abilities and Laplace posterior covariances of models from their scores on ``items``.

        Parameters
        ----------
        scores : ndarray of shape (n_models, k)
            Scores in [0, 1] on ``items`` (NaN = not observed).
        items : ndarray of shape (k,), int
            Item positions.
        n_steps : int, default 30
            Newton steps (the log posterior is concave).

        Returns
        -------
        theta : ndarray of shape (n_models, n_tasks)
        cov : ndarray of shape (n_models, n_tasks, n_tasks)
        """
        self._check_fitted()
        x = np.atleast_2d(np.asarray(scores, dtype=np.float64))
        items = np.asarray(items, dtype=np.intp)
        observed = ~np.isnan(x)
        x = np.where(observed, x, 0.0)
        a, d, t = self.a_[items], self.d_[items], self.tasks_[items]
        n_tasks = self.n_tasks
        onehot = np.zeros((len(items), n_tasks))
        onehot[np.arange(len(items)), t] = 1.0
        theta = np.zeros((x.shape[0], n_tasks))
        prec = np.broadcast_to(self._sigma_inv, (x.shape[0], n_tasks, n_tasks))
        for _ in range(n_steps):
            p = expit(theta[:, t] * a + d)
            resid = np.where(observed, x - p, 0.0)
            info = np.where(observed, p * (1 - p), 0.0) * a**2
            grad = (resid * a) @ onehot - theta @ self._sigma_inv
            prec = self._sigma_inv + _diag_batch(info @ onehot)
            step = np.clip(np.linalg.solve(prec, grad[..., None])[..., 0], -_STEP, _STEP)
            theta = theta + step
            if np.abs(step).max() < 1e-6:
                break
        p = expit(theta[:, t] * a + d)
        info = np.where(observed, p * (1 - p), 0.0) * a**2
        prec = self._sigma_inv + _diag_batch(info @ onehot)
        return theta, np.linalg.inv(prec)

    def probabilities(self, theta: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """:math:`p_{mj}` for abilities ``theta`` (n, n_tasks) on ``items`` (all when None), shape (n, k)."""
        self._check_fitted()
        items = np.arange(len(self.a_)) if items is None else np.asarray(items, dtype=np.intp)
        theta = np.atleast_2d(theta)
        return expit(theta[:, self.tasks_[items]] * self.a_[items] + self.d_[items])

    def full_score(
        self,
        scores: np.ndarray,
        items: np.ndarray,
        item_weights: np.ndarray,
        *,
        column_weights: np.ndarray | None = None,
        variance: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """p-IRT estimate :math:`\\hat S` (observed where seen, predicted elsewhere) of models' full scores.

        Parameters
        ----------
        scores : ndarray of shape (n_models, k)
            Scores on ``items`` (NaN = not observed: predicted like an unseen item).
        items : ndarray of shape (k,), int
            Columns of the fitted matrix that were seen.
        item_weights : ndarray of shape (k,)
            Full-score weights :math:`v_j` of the seen items.
        column_weights : ndarray of shape (n_columns, 2), optional
            Total weight :math:`\\sum v_j` and :math:`\\sum v_j^2` of the benchmark items each fitted column
            stands for (columns may be distinct response patterns); one item per column with weight
            ``1 / n_columns`` when omitted.
        variance : bool, default False
            Also return the approximate variance of :math:`S - \\hat S` (see the module docstring).

        Returns
        -------
        ndarray of shape (n_models,), and the variances when ``variance``.
        """
        x = np.atleast_2d(np.asarray(scores, dtype=np.float64))
        items = np.asarray(items, dtype=np.intp)
        v = np.asarray(item_weights, dtype=np.float64)
        n_cols, n_tasks = len(self.a_), self.n_tasks
        if column_weights is None:
            column_weights = np.column_stack([np.full(n_cols, 1.0 / n_cols), np.full(n_cols, 1.0 / n_cols**2)])
        w1, w2 = column_weights[:, 0], column_weights[:, 1]
        theta, cov = self.ability(x, items)
        obs = ~np.isnan(x)
        p_seen = self.probabilities(theta, items)
        est = np.where(obs, x - p_seen, 0.0) @ v  # swap the seen items' predictions for their scores
        var = np.zeros(len(x))
        onehot = np.zeros((n_cols, n_tasks))
        onehot[np.arange(n_cols), self.tasks_] = 1.0
        seen_onehot = onehot[items]
        for start in range(0, len(x), _CHUNK):
            rows = slice(start, start + _CHUNK)
            p = self.probabilities(theta[rows])
            est[rows] += p @ w1
            if variance:
                pq, pq_seen = p * (1 - p), np.where(obs[rows], p_seen[rows] * (1 - p_seen[rows]), 0.0)
                c = (pq * (w1 * self.a_)) @ onehot - (pq_seen * (v * self.a_[items])) @ seen_onehot
                bern = pq @ w2 - pq_seen @ v**2
                var[rows] = np.einsum("nt,nts,ns->n", c, cov[rows], c) + np.maximum(bern, 0.0)
        return (est, var) if variance else est


def _diag_batch(values: np.ndarray) -> np.ndarray:
    """Stack of diagonal matrices from rows of ``values`` (n, T) -> (n, T, T)."""
    out = np.zeros((*values.shape, values.shape[1]))
    idx = np.arange(values.shape[1])
    out[:, idx, idx] = values
    return out
