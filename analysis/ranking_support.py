"""Can these votes support a ranking? The reasons why not, before a leaderboard shows numbers that look precise.

A Bradley–Terry fit always returns numbers: with one rater and six votes it prints Elo scores of 2497 and −1467
with zero-width intervals. :func:`ranking_support` lists what makes such numbers meaningless:

- **separation**: the maximum-likelihood strengths are finite only when, for every split of the models into two
  groups, some model of each group won (or tied) against some model of the other (Zermelo 1929; Ford 1957).
  Equivalently the directed graph with an edge *loser → winner* for every decisive vote and both edges for a tie
  is strongly connected. Otherwise the likelihood keeps growing as the groups move apart, and only the solver's
  ridge keeps the scores finite: their size is the ridge's choice, not the data's;
- **too few raters**: a ranking from fewer than :data:`MIN_RATERS` people is one person's taste, and intervals
  that resample raters collapse to zero width;
- **too few votes**: a model in fewer than :data:`MIN_VOTES_PER_MODEL` votes has an interval wider than the
  whole leaderboard.

The thresholds are conventions for a live dashboard, not tests; pass other values where a study needs them.

References
----------
Zermelo, E. (1929). Die Berechnung der Turnier-Ergebnisse als ein Maximumproblem der Wahrscheinlichkeitsrechnung.
Mathematische Zeitschrift 29, 436–460.
Ford, L. R. (1957). Solution of a ranking problem from binary comparisons. American Mathematical Monthly 64(8),
28–33.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["MIN_RATERS", "MIN_VOTES_PER_MODEL", "ranking_support"]

#: Fewest distinct raters whose votes make a ranking.
MIN_RATERS = 3
#: Fewest votes each model must be in.
MIN_VOTES_PER_MODEL = 10


def ranking_support(
    votes: pd.DataFrame, *, min_raters: int = MIN_RATERS, min_votes_per_model: int = MIN_VOTES_PER_MODEL
) -> list[str]:
    """Reasons why ``votes`` cannot support a ranking of the models; an empty list when they can.

    Parameters
    ----------
    votes : DataFrame
        A comparisons table: ``model_a``, ``model_b``, ``winner`` (``model_a``, ``model_b``, ``tie`` or
        ``both_bad``) and, when known, ``rater``.
    min_raters : int, default 3
        Fewest distinct raters (checked only when the table has a ``rater`` column).
    min_votes_per_model : int, default 10
        Fewest votes each model must be in.

    Returns
    -------
    list of str
        One sentence per reason, naming the models or the counts found.

    Examples
    --------
    >>> votes = pd.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "z", "z"],
    ...                       "winner": ["model_a", "model_a", "tie"], "rater": ["r1", "r1", "r1"]})
    >>> for reason in ranking_support(votes, min_votes_per_model=2):
    ...     print(reason)
    only 1 rater voted; a ranking needs at least 3 (intervals that resample raters are zero-width with one)
    'x' won every vote against the others: its strength is unbounded, not estimated
    """
    reasons: list[str] = []
    if len(votes) == 0:
        return ["no votes yet"]
    if "rater" in votes.columns:
        n_raters = votes["rater"].nunique()
        if n_raters < min_raters:
            reasons.append(
                f"only {n_raters} rater{'s' if n_raters != 1 else ''} voted; a ranking needs at least {min_raters} "
                "(intervals that resample raters are zero-width with one)"
            )
    a, b = votes["model_a"].astype(str).to_numpy(), votes["model_b"].astype(str).to_numpy()
    models, codes = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = codes[: len(a)], codes[len(a) :]
    per_model = np.bincount(ia, minlength=len(models)) + np.bincount(ib, minlength=len(models))
    thin = [f"'{m}' ({int(n)})" for m, n in zip(models, per_model, strict=True) if n < min_votes_per_model]
    if thin:
        shown = ", ".join(thin[:5]) + (f" and {len(thin) - 5} more" if len(thin) > 5 else "")
        reasons.append(f"too few votes per model (at least {min_votes_per_model} needed): {shown}")
    reasons += _separation(models, ia, ib, votes["winner"].astype(str).to_numpy())
    return reasons


def _separation(models: np.ndarray, ia: np.ndarray, ib: np.ndarray, winner: np.ndarray) -> list[str]:
    """Groups of models that never lost (or never won) against the rest: the MLE does not exist."""
    n = len(models)
    if n < 2:
        return []
    a_won, b_won = winner == "model_a", winner == "model_b"
    even = ~(a_won | b_won)  # ties and "both bad" count half each way, like ties="half"
    rows = np.concatenate([ib[a_won], ia[b_won], ia[even], ib[even]])  # loser -> winner
    cols = np.concatenate([ia[a_won], ib[b_won], ib[even], ia[even]])
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    count, labels = connected_components(graph, directed=True, connection="strong")
    if count == 1:
        return []
    # a component no edge leaves never lost to the rest; one no edge enters never won against the rest
    leaves = np.zeros(count, dtype=bool)
    enters = np.zeros(count, dtype=bool)
    for r, c in zip(rows, cols, strict=True):
        if labels[r] != labels[c]:
            leaves[labels[r]] = True
            enters[labels[c]] = True

    def named(group: int) -> str:
        names = models[labels == group].tolist()
        shown = ", ".join(f"'{m}'" for m in names[:4]) + (" ..." if len(names) > 4 else "")
        return shown if len(names) == 1 else f"the group {shown}"

    compared = leaves | enters
    won = [g for g in range(count) if compared[g] and not leaves[g]]
    lost = [g for g in range(count) if compared[g] and not enters[g]]
    out = [f"{named(g)} won every vote against the others: its strength is unbounded, not estimated" for g in won]
    if not out:
        out = [f"{named(g)} lost every vote against the others: its strength is unbounded, not estimated" for g in lost]
    if not compared.all():
        groups = " and ".join(
            "{" + ", ".join(f"'{m}'" for m in models[labels == g]) + "}" for g in np.flatnonzero(~compared)
        )
        out.append(f"{groups} never compared with the other models, directly or through other models")
    return out
