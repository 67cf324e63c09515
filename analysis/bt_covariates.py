"""Bradley–Terry with covariates of the two conversations: length-controlled ("style-controlled") scores.

A longer answer can win votes for being longer rather than better. Following the style control of Chatbot Arena
(Li, Angelopoulos and Chiang, 2024), each covariate of the two conversations enters the Bradley–Terry regression
as its own term, so the model strengths are estimated with the covariate held fixed. For a vote between
conversation ``a`` of model ``i`` and conversation ``b`` of model ``j``, with covariates ``f`` (assistant speech
duration, words, turns)::

    z_s      = (f_s(a) - f_s(b)) / (f_s(a) + f_s(b)) / sd_s      (relative difference, 0 when both are 0)
    P(a wins) = 1 / (1 + exp(-(theta_i - theta_j + sum_s gamma_s * z_s)))

``sd_s`` is the root mean square of the unscaled relative difference over the votes, so ``gamma_s`` is the change
in log-odds for a typical (one-sd) length difference and coefficients of different covariates are comparable. The
relative difference is antisymmetric (swapping the sides flips its sign), so it is scaled but never centred: a
centred feature would act as an intercept for whichever side the table calls ``a``.

Fitting is Newton's method on the votes aggregated per distinct design row (pair of models and covariate vector;
votes on the same two conversations share a row), with the sum-to-zero constraint on ``theta`` and a tiny ridge
as in :mod:`analysis.bt_newton`. Ties count half a win for each side (``ties="half"``) or are dropped. Intervals
are Wald intervals from the inverse observed information restricted to ``sum(theta) = 0``, or bootstrap
percentiles (votes resampled iid, or whole raters / scenarios when ``cluster`` is given).

References
----------
Bradley, R. A. and Terry, M. E. (1952). Rank analysis of incomplete block designs. Biometrika 39, 324–345.
Li, T., Angelopoulos, A. and Chiang, W.-L. (2024). Does style matter? Disentangling style and substance in
Chatbot Arena. LMSYS blog, 2024-08-29.
Dubois, Y. et al. (2024). Length-controlled AlpacaEval: a simple way to debias automatic evaluators. arXiv:2404.04475.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit
from threadpoolctl import threadpool_limits

from analysis.bradley_terry import BTScores, bt_scores, check_interval_options, elo_scale, human_scores
from analysis.comparisons import check_connected, pair_counts
from analysis.errors import HumansError

__all__ = ["COVARIATES", "ControlledScores", "bt_controlled", "covariate_features"]

#: Covariates the study export carries for each side: column ``{name}_a`` and ``{name}_b``.
COVARIATES = {
    "duration": "seconds of assistant speech",
    "words": "words in the assistant's transcript",
    "turns": "assistant turns",
}

#: Columns of :attr:`ControlledScores.coefficients`.
COEFFICIENT_COLUMNS = ["covariate", "coef", "low", "high", "se", "scale"]


@dataclass(frozen=True)
class ControlledScores:
    """Result of :func:`bt_controlled`.

    Attributes
    ----------
    table : DataFrame
        ``model, theta, elo, human_score, theta_low, theta_high, se, n_votes`` (controlled), then ``theta_raw``,
        ``theta_raw_low``, ``theta_raw_high``, ``elo_raw``, ``rank``, ``rank_raw``; best controlled model first.
    coefficients : DataFrame
        One row per covariate: ``covariate, coef, low, high, se, scale`` (``coef`` on the log-odds scale per
        ``scale`` units of relative difference; ``scale`` is ``sd_s``).
    raw : BTScores
        The plain Bradley–Terry fit of the same votes, for comparison.
    covariates : tuple of str
    level, bootstrap, cluster, ties
    """

    table: pd.DataFrame
    coefficients: pd.DataFrame
    raw: BTScores
    covariates: tuple[str, ...]
    level: float
    bootstrap: int
    cluster: str | None
    ties: str


def covariate_features(
    votes: pd.DataFrame, covariates: Sequence[str], *, source: str = "votes"
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled relative differences ``z`` (n_votes, S) from columns ``{name}_a`` / ``{name}_b``, and the scales.

    Examples
    --------
    >>> v = pd.DataFrame({"words_a": [10, 30], "words_b": [30, 10]})
    >>> z, sd = covariate_features(v, ["words"])
    >>> z[:, 0].round(3).tolist(), sd.round(3).tolist()
    ([-1.0, 1.0], [0.5])
    """
    if not covariates:
        raise HumansError("no covariates given; name at least one of " + ", ".join(COVARIATES) + ".")
    raw = np.empty((len(votes), len(covariates)))
    for k, name in enumerate(covariates):
        columns = [f"{name}_a", f"{name}_b"]
        missing = [c for c in columns if c not in votes.columns]
        if missing:
            raise HumansError(
                f"{source}: --control {name} needs the columns {', '.join(columns)} (missing: {', '.join(missing)}); "
                f"export the votes again with `humans export` (it writes them) or add them."
            )
        a = pd.to_numeric(votes[columns[0]], errors="coerce").to_numpy(float)
        b = pd.to_numeric(votes[columns[1]], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(a) | ~np.isfinite(b) | (a < 0) | (b < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise HumansError(
                f"{source} row {row + 2}: {name}_a={str(votes[columns[0]].iloc[row])!r}, "
                f"{name}_b={str(votes[columns[1]].iloc[row])!r}; covariates must be numbers of 0 or more."
            )
        total = a + b
        raw[:, k] = np.divide(a - b, total, out=np.zeros_like(total), where=total > 0)
    scale = np.sqrt((raw**2).mean(0))
    flat = [name for name, s in zip(covariates, scale, strict=True) if not s > 0]
    if flat:
        raise HumansError(
            f"{source}: covariate {flat[0]} is the same on both sides of every vote; it cannot be controlled for, "
            f"drop it from --control."
        )
    return raw / scale, scale


def bt_controlled(
    votes: pd.DataFrame,
    covariates: Sequence[str] = ("duration", "words"),
    *,
    ties: str = "half",
    both_bad: str = "tie",
    bootstrap: int = 0,
    cluster: str | None = None,
    seed: int = 0,
    level: float = 0.95,
    ridge: float = 1e-6,
    source: str = "votes",
) -> ControlledScores:
    """Fit Bradley–Terry strengths controlled for covariates of the two conversations, beside the raw fit.

    Parameters
    ----------
    votes : DataFrame
        A comparisons table (``model_a``, ``model_b``, ``winner``; optional ``rater``, ``scenario``, ``weight``)
        with ``{name}_a`` and ``{name}_b`` columns for every covariate (what ``humans export`` writes).
    covariates : sequence of str, default ("duration", "words")
        Covariate names; see :data:`COVARIATES`.
    ties : {"half", "drop"}, default "half"
    both_bad : {"tie", "drop"}, default "tie"
    bootstrap : int, default 0
        Bootstrap rounds (0: Wald intervals).
    cluster : {"rater", "scenario"} or None
        Resample whole raters or scenarios.
    seed : int, default 0
    level : float, default 0.95
    ridge : float, default 1e-6
    source : str
        Name of the input in error messages.

    Returns
    -------
    ControlledScores

    Raises
    ------
    HumansError
        Missing or bad covariate columns, a covariate without variation, a disconnected comparison graph, a bad
        option.

    Examples
    --------
    >>> v = pd.DataFrame({"model_a": ["x", "x", "y", "y"], "model_b": ["y", "y", "x", "x"],
    ...                   "winner": ["model_a", "model_b", "model_a", "tie"],
    ...                   "words_a": [10, 20, 30, 10], "words_b": [20, 10, 10, 30]})
    >>> res = bt_controlled(v, ["words"])
    >>> list(res.coefficients["covariate"])
    ['words']
    """
    if ties not in ("half", "drop"):
        raise HumansError(f"ties is {ties!r}; controlled scores support 'half' or 'drop'.")
    check_interval_options(level, bootstrap, cluster)
    if cluster not in (None, "rater", "scenario"):
        raise HumansError(f"cluster is {cluster!r}; use 'rater', 'scenario' or None.")
    unknown = [c for c in covariates if c not in COVARIATES]
    if unknown:
        raise HumansError(f"unknown covariate {unknown[0]!r}; use one or more of {', '.join(COVARIATES)}.")
    covariates = tuple(dict.fromkeys(covariates))
    if not isinstance(votes, pd.DataFrame):
        raise HumansError(f"{source}: expected a pandas DataFrame of comparisons, got {type(votes).__name__}.")
    raw = bt_scores(
        votes, ties=ties, both_bad=both_bad, bootstrap=bootstrap, cluster=cluster, seed=seed, level=level,
        source=source, progress=False,
    )  # fmt: skip
    pc = pair_counts(votes, ties=ties, both_bad=both_bad, cluster=cluster, source=source)
    check_connected(pc)
    models = [str(m) for m in pc.models]
    index = {m: k for k, m in enumerate(models)}

    winner = votes["winner"].astype(str).to_numpy()
    keep = winner != "both_bad" if both_bad == "drop" else np.ones(len(votes), dtype=bool)
    if ties == "drop":
        keep &= (winner != "tie") & (winner != "both_bad")
    table = votes.loc[keep].reset_index(drop=True)
    winner = winner[keep]
    z, scale = covariate_features(table, covariates, source=source)
    i = table["model_a"].astype(str).map(index).to_numpy()
    j = table["model_b"].astype(str).map(index).to_numpy()
    weight = pd.to_numeric(table["weight"]).to_numpy(float) if "weight" in table.columns else np.ones(len(table))
    win_a = np.where(winner == "model_a", 1.0, np.where(winner == "model_b", 0.0, 0.5))

    rows, inverse = _design_rows(i, j, z)
    n, s = len(models), len(covariates)
    design = np.zeros((len(rows), n + s))
    design[np.arange(len(rows)), rows[:, 0].astype(int)] += 1.0
    design[np.arange(len(rows)), rows[:, 1].astype(int)] -= 1.0
    design[:, n:] = rows[:, 2:]

    def aggregate(vote_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = weight * vote_weight
        wins = np.bincount(inverse, w * win_a, minlength=len(rows))
        total = np.bincount(inverse, w, minlength=len(rows))
        return wins, total

    wins, total = aggregate(np.ones(len(table)))
    beta, info = _fit(design, wins, total, n, ridge)
    cov = _constrained_inverse(info, n)
    z_crit = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    low, high = beta - z_crit * se, beta + z_crit * se
    if bootstrap:
        rng = np.random.default_rng(seed)
        groups = None
        if cluster is not None:
            labels = table[cluster].astype(str).to_numpy()
            names, groups = np.unique(labels, return_inverse=True)
        draws = np.empty((bootstrap, n + s))
        for b in range(bootstrap):
            if groups is None:
                vote_weight = rng.multinomial(len(table), np.full(len(table), 1.0 / len(table))).astype(float)
            else:
                vote_weight = rng.multinomial(len(names), np.full(len(names), 1.0 / len(names)))[groups].astype(float)
            draws[b] = _fit(design, *aggregate(vote_weight), n, ridge, start=beta, need_info=False)[0]
        q = [(1 - level) / 2, (1 + level) / 2]
        low, high = np.quantile(draws, q, axis=0)
        se = draws.std(0, ddof=1)

    theta = beta[:n]
    raw_table = raw.table.set_index("model")
    out = pd.DataFrame(
        {
            "model": models,
            "theta": theta,
            "elo": elo_scale(theta),
            "human_score": human_scores(theta),
            "theta_low": low[:n],
            "theta_high": high[:n],
            "se": se[:n],
            "n_votes": pc.n_votes.astype(np.int64),
        }
    )
    out["theta_raw"] = raw_table.loc[models, "theta"].to_numpy()
    out["theta_raw_low"] = raw_table.loc[models, "theta_low"].to_numpy()
    out["theta_raw_high"] = raw_table.loc[models, "theta_high"].to_numpy()
    out["elo_raw"] = raw_table.loc[models, "elo"].to_numpy()
    out["rank_raw"] = out["theta_raw"].rank(ascending=False, method="min").astype(np.int64)
    out = out.sort_values(["theta", "model"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(out.columns.get_loc("rank_raw"), "rank", np.arange(1, n + 1, dtype=np.int64))
    coefficients = pd.DataFrame(
        {
            "covariate": list(covariates),
            "coef": beta[n:],
            "low": low[n:],
            "high": high[n:],
            "se": se[n:],
            "scale": scale,
        }
    )
    return ControlledScores(out, coefficients, raw, covariates, level, bootstrap, cluster, ties)


def _design_rows(i: np.ndarray, j: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (i, j, z) rows and the row of each vote (votes on the same two conversations share a row)."""
    key = np.column_stack([i, j, np.round(z, 12)])
    rows, inverse = np.unique(key, axis=0, return_inverse=True)
    return rows, inverse.ravel()


def _fit(
    design: np.ndarray,
    wins: np.ndarray,
    total: np.ndarray,
    n_models: int,
    ridge: float,
    *,
    start: np.ndarray | None = None,
    need_info: bool = True,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Newton's method for the weighted logistic likelihood ``sum wins*log p + (total-wins)*log(1-p)``.

    The ridge penalises ``theta`` only; adding ``1 1^T`` to its block of the information keeps iterates centred.
    """
    m = design.shape[1]
    beta = np.zeros(m) if start is None else start.copy()
    centring = np.zeros((m, m))
    centring[:n_models, :n_models] = 1.0
    penalty = np.zeros(m)
    penalty[:n_models] = ridge

    def objective(b: np.ndarray) -> float:
        eta = design @ b
        ll = wins * -np.logaddexp(0.0, -eta) + (total - wins) * -np.logaddexp(0.0, eta)
        return float(ll.sum() - 0.5 * (penalty * b**2).sum())

    with threadpool_limits(limits=1, user_api="blas"):
        current = objective(beta)
        for _ in range(max_iter):
            p = expit(design @ beta)
            grad = design.T @ (wins - total * p) - penalty * beta
            info = (design * (total * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
            step = np.linalg.solve(info + centring, grad)
            scale = 1.0
            for _ in range(40):
                trial = objective(beta + scale * step)
                if trial >= current - 1e-12 * abs(current):
                    break
                scale *= 0.5
            beta = beta + scale * step
            current = objective(beta)
            if np.abs(scale * step).max() < tol:
                break
        else:
            raise HumansError(
                f"Newton's method did not converge within max_iter={max_iter} iterations (tol={tol}); check for "
                f"models that won or lost every comparison, or a covariate that decides every vote."
            )
        if not need_info:
            return beta, None
        p = expit(design @ beta)
        info = (design * (total * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
    return beta, info


def _constrained_inverse(info: np.ndarray, n_models: int) -> np.ndarray:
    """Covariance of (centred theta, gamma): the inverse information restricted to ``sum(theta) = 0``."""
    m = info.shape[0]
    basis = np.zeros((m, m - 1))
    # an orthonormal basis of {x : sum(x[:n]) = 0}: Helmert-like columns from the SVD of the constraint row
    constraint = np.zeros((1, m))
    constraint[0, :n_models] = 1.0
    _, _, vt = np.linalg.svd(constraint)
    basis = vt[1:].T
    reduced = basis.T @ info @ basis
    return basis @ np.linalg.pinv(reduced, hermitian=True) @ basis.T
