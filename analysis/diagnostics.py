"""Quality diagnostics of pairwise votes: win-rate matrix, position bias and inter-rater agreement.

Agreement is Krippendorff's alpha (ordinal) over items rated more than once, where an item is a model pair (within
a scenario when a ``scenario`` column exists) and a vote is coded from the pair's alphabetical order as
0 (first model preferred), 1 (tie or both bad), 2 (second model preferred).

References
----------
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for Communication.
"""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from scipy import stats

from analysis.comparisons import REQUIRED, WINNERS
from analysis.errors import HumansError

__all__ = ["Agreement", "PositionBias", "agreement", "binomial_half_pvalues", "position_bias", "win_rate_matrix"]


def _check(votes: pd.DataFrame, extra: tuple[str, ...], source: str) -> pd.Series:
    missing = [c for c in (*REQUIRED, *extra) if c not in votes.columns]
    if missing:
        raise HumansError(
            f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(map(str, votes.columns))})."
        )
    winner = votes["winner"].astype(str).str.strip().str.lower()
    bad = ~winner.isin(WINNERS).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise HumansError(
            f"{source} row {row + 1}: winner is {votes['winner'].iloc[row]!r}; use one of {', '.join(WINNERS)}."
        )
    return winner


def win_rate_matrix(votes: pd.DataFrame, *, source: str = "votes") -> pd.DataFrame:
    """Share of votes each row model won against each column model (ties and "both bad" count half).

    Returns
    -------
    DataFrame, shape (n_models, n_models)
        NaN where two models were never compared (and on the diagonal).
    """
    winner = _check(votes, (), source)
    a, b = votes["model_a"].astype(str).to_numpy(), votes["model_b"].astype(str).to_numpy()
    score_a = np.select([winner == "model_a", winner == "model_b"], [1.0, 0.0], 0.5)
    long = pd.DataFrame({"row": np.r_[a, b], "col": np.r_[b, a], "score": np.r_[score_a, 1 - score_a]})
    table = long.pivot_table(index="row", columns="col", values="score", aggfunc="mean")
    models = sorted(set(a) | set(b))
    table = table.reindex(index=models, columns=models)
    table.index.name = table.columns.name = None
    return table


@dataclass(frozen=True)
class PositionBias:
    """Share of decisive votes that went to the left side, with exact two-sided binomial tests against 1/2.

    Attributes
    ----------
    left_share, p_value : float
    n : int
        Decisive votes (ties and "both bad" excluded).
    per_rater : DataFrame or None
        ``rater``, ``n``, ``left_share``, ``p_value`` (most biased first) when a ``rater`` column exists.
    """

    left_share: float
    p_value: float
    n: int
    per_rater: pd.DataFrame | None


def binomial_half_pvalues(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Exact two-sided binomial test of p = 1/2 for many (k successes, n trials) at once.

    The Binomial(n, 1/2) distribution is symmetric, so the two-sided p-value (the probability of outcomes no
    likelier than ``k``, as in :func:`scipy.stats.binomtest`) is ``min(1, 2 · min(P(X ≤ k), P(X ≥ k)))``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    tail = np.minimum(stats.binom.cdf(k, n, 0.5), stats.binom.sf(k - 1, n, 0.5))
    return np.minimum(1.0, 2.0 * tail)


def position_bias(votes: pd.DataFrame, *, source: str = "votes") -> PositionBias:
    """Measure how often raters chose the left side (needs a ``left`` column).

    Overall and per rater: the share of decisive votes (ties and 'both bad' excluded) that went to the side
    shown on the left, with an exact two-sided binomial test against 1/2.
    """
    winner = _check(votes, ("left",), source)
    left = votes["left"].astype(str).to_numpy()
    a = votes["model_a"].astype(str).to_numpy()
    a_left = (left == "model_a") | (left == a)
    decisive = winner.isin(["model_a", "model_b"]).to_numpy()
    chose_left = (winner.to_numpy() == "model_a") == a_left
    if not decisive.any():
        raise HumansError(f"{source}: no decisive votes; position bias needs votes for one side.")
    k, n = int(chose_left[decisive].sum()), int(decisive.sum())
    overall = stats.binomtest(k, n, 0.5)
    per_rater = None
    if "rater" in votes.columns:
        frame = pd.DataFrame({"rater": votes["rater"].astype(str).to_numpy()[decisive], "left": chose_left[decisive]})
        grouped = frame.groupby("rater")["left"].agg(["sum", "count"]).reset_index()
        per_rater = (
            pd.DataFrame(
                {
                    "rater": grouped["rater"],
                    "n": grouped["count"].astype(np.int64),
                    "left_share": grouped["sum"] / grouped["count"],
                    "p_value": binomial_half_pvalues(grouped["sum"].to_numpy(), grouped["count"].to_numpy()),
                }
            )
            .sort_values(["p_value", "rater"], kind="stable")
            .reset_index(drop=True)
        )
    return PositionBias(k / n, float(overall.pvalue), n, per_rater)


@dataclass(frozen=True)
class Agreement:
    """Krippendorff's alpha over items rated more than once."""

    alpha: float
    n_items: int
    n_ratings: int


def agreement(votes: pd.DataFrame, *, level: str = "ordinal", source: str = "votes") -> Agreement:
    """Krippendorff's alpha of pairwise votes on items rated more than once.

    Parameters
    ----------
    votes : DataFrame
        A comparisons table; ``scenario`` (if present) is part of the item.
    level : {"ordinal", "nominal", "interval"}, default "ordinal"
        Level of measurement of the 0/1/2 vote codes.

    Returns
    -------
    Agreement

    Raises
    ------
    HumansError
        When no item was rated twice.
    """
    winner = _check(votes, (), source).to_numpy()
    a, b = votes["model_a"].astype(str).to_numpy(), votes["model_b"].astype(str).to_numpy()
    first_is_a = a <= b
    code = np.where(np.isin(winner, ["tie", "both_bad"]), 1, np.where((winner == "model_a") == first_is_a, 0, 2))
    lo, hi = np.where(first_is_a, a, b), np.where(first_is_a, b, a)
    scenario = votes["scenario"].astype(str).to_numpy() if "scenario" in votes.columns else np.full(len(a), "")
    item = pd.factorize(pd.Series(scenario) + "\x1f" + lo + "\x1f" + hi)[0]
    counts = np.zeros((item.max() + 1, 3))
    np.add.at(counts, (item, code), 1)
    counts = counts[counts.sum(1) >= 2]
    if len(counts) == 0:
        raise HumansError(
            f"{source}: no item (model pair within a scenario) was rated more than once; agreement "
            "needs repeated ratings."
        )
    alpha = krippendorff.alpha(value_counts=counts, level_of_measurement=level, value_domain=[0, 1, 2])
    return Agreement(float(alpha), len(counts), int(counts.sum()))
