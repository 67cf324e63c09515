"""Bradley–Terry model scores from pairwise votes, with ties, a position-advantage term and bootstrap CIs.

Model (natural-log scale; model ``i`` shown on the left against ``j``)::

    P(i preferred to j) = exp(theta_i + alpha) / (exp(theta_i + alpha) + exp(theta_j))

with ``alpha = 0`` unless a position term is requested. Ties are handled as

- ``half``: each side gets half a win (what FastChat and Talk Arena do);
- ``davidson``: P(i) : P(j) : P(tie) = pi_i : pi_j : nu * sqrt(pi_i * pi_j), with ``pi = exp(theta)`` (Davidson 1970);
- ``drop``: ties are removed.

Scores are centred (sum of theta = 0). Display scale: ``elo = 1000 + 400 * theta / ln 10``. Human score: the mean
over the other models of P(i beats j) (plus half the tie probability under Davidson), a number in [0, 1].

References
----------
Bradley, R. A. and Terry, M. E. (1952). Rank analysis of incomplete block designs. Biometrika 39, 324–345.
Davidson, R. R. (1970). On extending the Bradley–Terry model to accommodate ties. JASA 65, 317–328.
Agresti, A. (2002). Categorical Data Analysis, 2nd ed., Section 10.6 (home advantage; the 1987 AL East data).
Chiang, W.-L. et al. (2024). Chatbot Arena: an open platform for evaluating LLMs by human preference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.linalg import null_space
from threadpoolctl import threadpool_limits

from analysis.bootstrap import resampled_counts
from analysis.bt_newton import fit_newton, make_design
from analysis.comparisons import PairCounts, check_connected, counts_from_matrix, pair_counts
from analysis.errors import HumansError

__all__ = ["SCORE_COLUMNS", "BTScores", "bt_scores", "elo_scale", "human_scores"]

#: Columns of the scores table (and of the CSV that ``humans scores`` writes), in order.
SCORE_COLUMNS = ["model", "theta", "elo", "human_score", "theta_low", "theta_high", "se", "n_votes"]


def elo_scale(theta: np.ndarray) -> np.ndarray:
    """Elo-like display scale ``1000 + 400 * theta / ln 10`` of natural-log abilities."""
    return 1000.0 + 400.0 * np.asarray(theta) / np.log(10.0)


def human_scores(theta: np.ndarray, nu: float | None = None) -> np.ndarray:
    """Mean probability that each model beats each other model (ties count half).

    Parameters
    ----------
    theta : ndarray, shape (..., n)
        Abilities on the natural-log scale; a leading batch axis is allowed.
    nu : float, optional
        Davidson tie parameter; ``None`` for Bradley–Terry.

    Returns
    -------
    ndarray, shape (..., n)
        Values in [0, 1].

    Examples
    --------
    >>> human_scores(np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    theta = np.asarray(theta, dtype=float)
    n = theta.shape[-1]
    diff = theta[..., :, None] - theta[..., None, :]
    if nu is None:
        p = 1.0 / (1.0 + np.exp(-diff))
    else:
        half = 0.5 * diff
        p = (np.exp(half) + 0.5 * nu) / (np.exp(half) + np.exp(-half) + nu)
    return (p.sum(-1) - 0.5) / max(n - 1, 1)


@dataclass(frozen=True)
class BTScores:
    """Result of :func:`bt_scores`.

    Attributes
    ----------
    table : DataFrame
        :data:`SCORE_COLUMNS`, best model first. ``theta_low``/``theta_high`` are bootstrap percentile limits when
        bootstrapped (``se`` is then the bootstrap standard deviation), otherwise Wald limits from the observed
        information.
    ties : str
    nu, nu_low, nu_high : float or None
        Davidson tie parameter and its interval (``ties="davidson"`` only).
    position, position_se, position_low, position_high : float or None
        Left-side (home) advantage on the log-odds scale and its uncertainty (``position=True`` only).
    samples : DataFrame or None
        Bootstrap draws of theta (one column per model).
    level : float
    bootstrap : int
    cluster : str or None
    n_iter : int
        Newton iterations of the main fit.
    log_likelihood : float
    """

    table: pd.DataFrame
    ties: str
    level: float
    bootstrap: int
    cluster: str | None
    n_iter: int
    log_likelihood: float
    nu: float | None = None
    nu_low: float | None = None
    nu_high: float | None = None
    position: float | None = None
    position_se: float | None = None
    position_low: float | None = None
    position_high: float | None = None
    samples: pd.DataFrame | None = None

    def to_csv(self, path: str | Path) -> None:
        """Write :attr:`table` as CSV (columns :data:`SCORE_COLUMNS`)."""
        self.table.to_csv(path, index=False)


def _fold_ties(counts: np.ndarray, ties: str) -> np.ndarray:
    if ties != "half":
        return counts
    folded = counts.copy()
    folded[..., 0] += 0.5 * counts[..., 2]
    folded[..., 1] += 0.5 * counts[..., 2]
    folded[..., 2] = 0.0
    return folded


def _centred_covariance(info: np.ndarray, n_models: int) -> np.ndarray:
    """Covariance of (centred theta, extras) as the inverse information restricted to sum(theta) = 0."""
    m = info.shape[0]
    with threadpool_limits(limits=1, user_api="blas"):
        return _centred_covariance_1(info, n_models, m)


def _centred_covariance_1(info: np.ndarray, n_models: int, m: int) -> np.ndarray:
    basis = np.zeros((m, m - 1))
    basis[:n_models, : n_models - 1] = null_space(np.ones((1, n_models)))
    basis[n_models:, n_models - 1 :] = np.eye(m - n_models)
    reduced = basis.T @ info @ basis
    return basis @ np.linalg.pinv(reduced, hermitian=True) @ basis.T


def check_interval_options(level: float, bootstrap: int, cluster: str | None) -> None:
    """Raise :class:`HumansError` for a confidence ``level`` outside (0, 1), negative ``bootstrap`` rounds, or a
    ``cluster`` without bootstrap rounds (the checks every score function with intervals shares)."""
    if not 0 < level < 1:
        raise HumansError(f"level is {level}; use a confidence level between 0 and 1, such as 0.95.")
    if bootstrap < 0:
        raise HumansError(f"bootstrap is {bootstrap}; use 0 (no bootstrap) or a positive number of rounds.")
    if cluster is not None and bootstrap == 0:
        raise HumansError(f"cluster={cluster!r} needs bootstrap rounds; pass bootstrap=1000, for example.")


def bt_scores(
    votes: pd.DataFrame | PairCounts,
    *,
    ties: str = "half",
    both_bad: str = "tie",
    position: bool = False,
    bootstrap: int = 0,
    cluster: str | None = None,
    seed: int = 0,
    level: float = 0.95,
    ridge: float = 1e-6,
    progress: bool | None = None,
    source: str = "votes",
) -> BTScores:
    """Fit Bradley–Terry scores (maximum likelihood by Newton's method) with optional bootstrap intervals.

    Parameters
    ----------
    votes : DataFrame or PairCounts
        A comparisons table (``model_a``, ``model_b``, ``winner``, optional ``rater``, ``scenario``, ``weight``,
        ``left``), a square win-count matrix (``wins.loc[a, b]`` = times ``a`` beat ``b``) or pre-aggregated counts.
    ties : {"half", "davidson", "drop"}, default "half"
    both_bad : {"tie", "drop"}, default "tie"
        How "both bad" votes count.
    position : bool, default False
        Estimate a left-side advantage ``alpha`` (needs a ``left`` column).
    bootstrap : int, default 0
        Number of bootstrap rounds (0: Wald intervals only).
    cluster : {"rater", "scenario"} or None
        Resample whole raters or scenarios instead of single votes.
    seed : int, default 0
        Seed of the bootstrap's ``numpy.random.Generator``.
    level : float, default 0.95
        Confidence level of the intervals.
    ridge : float, default 1e-6
        Penalty ``ridge / 2 * ||theta||^2``: negligible when the MLE exists, finite scores when a model won or lost
        every comparison.
    progress : bool or None
        Bootstrap progress bar (``None``: shown on a terminal only).
    source : str
        Name of the input in error messages.

    Returns
    -------
    BTScores

    Raises
    ------
    HumansError
        Bad input (see :func:`analysis.comparisons.pair_counts`), a disconnected comparison graph, Davidson
        without any tie, a bad option.

    Examples
    --------
    >>> votes = pd.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "y", "x"],
    ...                       "winner": ["model_a", "tie", "model_a"]})
    >>> bt_scores(votes).table["theta"].round(4).tolist()
    [0.0, 0.0]
    """
    check_interval_options(level, bootstrap, cluster)
    if isinstance(votes, PairCounts):
        pc = votes
    elif isinstance(votes, pd.DataFrame) and "model_a" not in votes.columns and votes.shape[0] == votes.shape[1]:
        if position or cluster:
            raise HumansError(f"{source}: a win-count matrix has no sides or raters; pass a comparisons table.")
        pc = counts_from_matrix(votes, source=source)
    elif isinstance(votes, pd.DataFrame):
        pc = pair_counts(votes, ties=ties, both_bad=both_bad, position=position, cluster=cluster, source=source)
    else:
        raise HumansError(f"{source}: expected a pandas DataFrame of comparisons, got {type(votes).__name__}.")
    if ties not in ("half", "davidson", "drop"):
        raise HumansError(f"ties is {ties!r}; use 'half', 'davidson' or 'drop'.")
    if ties == "davidson" and pc.counts[:, 2].sum() == 0:
        raise HumansError(f"{source}: ties='davidson' needs at least one tie to estimate nu; use ties='half'.")
    if ties == "drop":
        pc = _drop_ties(pc)
    check_connected(pc)

    n = pc.n_models
    design = make_design(n, pc.i, pc.j, position=pc.ordered, davidson=ties == "davidson")
    fit = fit_newton(design, _fold_ties(pc.counts[None], ties), ridge=ridge)
    theta = fit.theta[0]
    cov = _centred_covariance(fit.info[0], n)
    se_all = np.sqrt(np.clip(np.diag(cov), 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    nu = float(np.exp(fit.log_nu[0])) if fit.log_nu is not None else None
    extras: dict[str, float | None] = {}
    alpha_se = se_all[n] if pc.ordered else None
    lognu_se = se_all[-1] if nu is not None else None

    samples = None
    if bootstrap:
        start = np.concatenate(
            [theta, fit.alpha if fit.alpha is not None else [], fit.log_nu if fit.log_nu is not None else []]
        )
        draws, alphas, log_nus = [], [], []
        for chunk in resampled_counts(pc, bootstrap, seed, cluster=cluster is not None, progress=progress):
            boot = fit_newton(
                design,
                _fold_ties(chunk, ties),
                ridge=ridge,
                start=start,
                tol=1e-7,
                need_info=False,
                chord_info=fit.info[0],
            )
            draws.append(boot.theta)
            if boot.alpha is not None:
                alphas.append(boot.alpha)
            if boot.log_nu is not None:
                log_nus.append(boot.log_nu)
        samples_arr = np.concatenate(draws)
        q = [(1 - level) / 2, (1 + level) / 2]
        low, high = np.quantile(samples_arr, q, axis=0)
        se = samples_arr.std(0, ddof=1)
        samples = pd.DataFrame(samples_arr, columns=list(map(str, pc.models)))
        if alphas:
            a = np.concatenate(alphas)
            extras.update(position_se=float(a.std(ddof=1)))
            extras["position_low"], extras["position_high"] = map(float, np.quantile(a, q))
        if log_nus:
            v = np.exp(np.concatenate(log_nus))
            extras["nu_low"], extras["nu_high"] = map(float, np.quantile(v, q))
    else:
        se = se_all[:n]
        low, high = theta - z * se, theta + z * se
    if pc.ordered:
        extras.setdefault("position_se", float(alpha_se))
        extras.setdefault("position_low", float(fit.alpha[0] - z * extras["position_se"]))
        extras.setdefault("position_high", float(fit.alpha[0] + z * extras["position_se"]))
    if nu is not None:
        extras.setdefault("nu_low", float(np.exp(fit.log_nu[0] - z * lognu_se)))
        extras.setdefault("nu_high", float(np.exp(fit.log_nu[0] + z * lognu_se)))

    table = pd.DataFrame(
        {
            "model": pd.Series(pc.models, dtype=object).astype(str),
            "theta": theta,
            "elo": elo_scale(theta),
            "human_score": human_scores(theta, nu),
            "theta_low": low,
            "theta_high": high,
            "se": se,
            "n_votes": pc.n_votes.astype(np.int64),
        }
    )
    table = table.sort_values(["theta", "model"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return BTScores(
        table=table,
        ties=ties,
        level=level,
        bootstrap=bootstrap,
        cluster=cluster,
        n_iter=fit.n_iter,
        log_likelihood=float(fit.log_likelihood[0]),
        nu=nu,
        position=float(fit.alpha[0]) if fit.alpha is not None else None,
        samples=samples,
        **extras,
    )


def _drop_ties(pc: PairCounts) -> PairCounts:
    if not pc.counts[:, 2].any():
        return pc
    from dataclasses import replace

    counts = pc.counts.copy()
    counts[:, 2] = 0.0
    vote_counts = pc.vote_counts.copy()
    vote_counts[:, 2] = 0.0
    clusters = pc.clusters
    if clusters is not None:
        clusters = clusters.tolil()
        clusters[:, 2::3] = 0.0
        clusters = clusters.tocsr()
        clusters.eliminate_zeros()
    return replace(pc, counts=counts, vote_counts=vote_counts, clusters=clusters)
