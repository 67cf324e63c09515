"""Pairwise comparisons in, aggregated win/tie counts out: the one place where votes are validated.

A comparisons table has one row per vote: ``model_a``, ``model_b``, ``winner`` (``model_a``, ``model_b``, ``tie`` or
``both_bad``) and optionally ``rater``, ``scenario``, ``weight`` and ``left`` (the model shown on the left, given
as ``model_a``/``model_b`` or as the model's name). Every estimator in this package works on the aggregated
:class:`PairCounts`, so its cost does not grow with the number of votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from analysis.errors import HumansError

__all__ = ["WINNERS", "PairCounts", "check_connected", "counts_from_matrix", "pair_counts"]

#: Allowed values of the ``winner`` column.
WINNERS = ("model_a", "model_b", "tie", "both_bad")
REQUIRED = ("model_a", "model_b", "winner")


@dataclass(frozen=True)
class PairCounts:
    """Votes aggregated per row of the comparison design.

    A design row ``k`` pairs model ``i[k]`` (on the left, or simply first) with ``j[k]``. Without a position term
    rows are unordered pairs with ``i < j``; with it they are ordered (left, right) pairs.

    Attributes
    ----------
    models : ndarray of str, shape (n_models,)
    i, j : ndarray of int, shape (n_rows,)
    counts : ndarray of float, shape (n_rows, 3)
        Weighted wins of ``i``, wins of ``j`` and ties, after the tie policy was applied.
    n_votes : ndarray of int, shape (n_models,)
        Votes that involve each model (all outcomes, unweighted).
    ordered : bool
        True when rows are (left, right) pairs for a position term.
    clusters : scipy.sparse.csr_matrix of shape (n_clusters, 3 * n_rows) or None
        Counts per cluster (rater or scenario), for the clustered bootstrap.
    cluster_names : ndarray or None
    mean_weight : ndarray of float, shape (n_rows, 3)
        Mean vote weight per cell (1 without weights); the iid bootstrap rescales resampled vote counts by it.
    """

    models: np.ndarray
    i: np.ndarray
    j: np.ndarray
    counts: np.ndarray
    n_votes: np.ndarray
    ordered: bool
    mean_weight: np.ndarray
    vote_counts: np.ndarray
    clusters: sparse.csr_matrix | None = None
    cluster_names: np.ndarray | None = None

    @property
    def n_models(self) -> int:
        return len(self.models)


def _require_columns(votes: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [c for c in columns if c not in votes.columns]
    if missing:
        raise HumansError(
            f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(map(str, votes.columns))}); "
            f"a comparisons table needs {', '.join(REQUIRED)}."
        )


def _bad_row(mask: np.ndarray, source: str, column: str, values: pd.Series, what: str) -> HumansError:
    row = int(np.flatnonzero(mask)[0])
    value = values.iloc[row]
    value = value.item() if isinstance(value, np.generic) else value
    return HumansError(f"{source} row {row + 1}: {column} is {value!r}; {what}.")


def pair_counts(
    votes: pd.DataFrame,
    *,
    ties: str = "half",
    both_bad: str = "tie",
    position: bool = False,
    cluster: str | None = None,
    source: str = "votes",
) -> PairCounts:
    """Validate a comparisons table and aggregate it into win/tie counts per model pair.

    Parameters
    ----------
    votes : DataFrame
        One row per vote; see the module docstring for the columns.
    ties : {"half", "davidson", "drop"}, default "half"
        ``drop`` removes ties here; ``half`` and ``davidson`` keep them in the tie column.
    both_bad : {"tie", "drop"}, default "tie"
        Whether a "both bad" vote counts as a tie or is removed.
    position : bool, default False
        Keep (left, right) order for a position-advantage term; needs a ``left`` column.
    cluster : {"rater", "scenario"} or None
        Also keep counts per cluster for the clustered bootstrap.
    source : str
        Name used in error messages (a file name).

    Returns
    -------
    PairCounts

    Raises
    ------
    HumansError
        Missing columns, unknown winner values, a model compared with itself, bad weights or ``left`` values.
    """
    if ties not in ("half", "davidson", "drop"):
        raise HumansError(f"ties is {ties!r}; use 'half', 'davidson' or 'drop'.")
    if both_bad not in ("tie", "drop"):
        raise HumansError(f"both_bad is {both_bad!r}; use 'tie' or 'drop'.")
    _require_columns(votes, REQUIRED, source)
    if position:
        _require_columns(votes, ("left",), source + " (position term)")
    if cluster is not None:
        if cluster not in ("rater", "scenario"):
            raise HumansError(f"cluster is {cluster!r}; use 'rater' or 'scenario'.")
        _require_columns(votes, (cluster,), source + f" (clustered by {cluster})")
    if len(votes) == 0:
        raise HumansError(f"{source}: the comparisons table has no rows; add votes before scoring.")

    a_raw, b_raw = votes["model_a"], votes["model_b"]
    for name, col in (("model_a", a_raw), ("model_b", b_raw)):
        empty = col.isna().to_numpy()
        if empty.any():
            raise _bad_row(empty, source, name, col, "every vote needs both model names")
    n_rows_in = len(votes)
    a, b, models = _model_codes(a_raw, b_raw)
    same = a == b
    if same.any():
        raise _bad_row(same, source, "model_b", b_raw, "a model cannot be compared with itself; fix or drop the row")

    # factorize first, then normalise the few distinct values (fast on millions of rows)
    winner_codes, winner_values = pd.factorize(votes["winner"], use_na_sentinel=True)
    lookup = {"model_a": 0, "model_b": 1, "tie": 2, "both_bad": 2 if both_bad == "tie" else 3}
    code_of = np.array([lookup.get(str(v).strip().lower(), -1) for v in winner_values] + [-1], dtype=np.int64)
    outcome = code_of[winner_codes]
    if (outcome < 0).any():
        raise _bad_row(outcome < 0, source, "winner", votes["winner"], f"use one of {', '.join(WINNERS)}")

    if "weight" in votes.columns:
        weight = pd.to_numeric(votes["weight"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(weight) | (weight < 0)
        if bad.any():
            raise _bad_row(bad, source, "weight", votes["weight"], "weights must be non-negative numbers")
    else:
        weight = np.ones(n_rows_in)

    n_models = len(models)
    n_votes = np.bincount(a, minlength=n_models) + np.bincount(b, minlength=n_models)

    if position:
        left = votes["left"].astype(str).to_numpy()
        a_names, b_names = a_raw.astype(str).to_numpy(), b_raw.astype(str).to_numpy()
        a_left = (left == "model_a") | (left == a_names)
        b_left = (left == "model_b") | (left == b_names)
        bad = ~(a_left | b_left)
        if bad.any():
            raise _bad_row(bad, source, "left", votes["left"], "use model_a, model_b or the name of one of the two")
        first, second = np.where(a_left, a, b), np.where(a_left, b, a)
    else:
        first, second = np.minimum(a, b), np.maximum(a, b)
    flipped = first != a
    outcome = np.where(flipped & (outcome < 2), 1 - outcome, outcome)

    keep = outcome < 3
    if ties == "drop":
        keep &= outcome != 2
    first, second, outcome, weight = first[keep], second[keep], outcome[keep], weight[keep]
    if len(first) == 0:
        raise HumansError(f"{source}: no decisive votes are left after dropping ties; use ties='half' or 'davidson'.")

    pair_code = first * n_models + second
    if n_models <= 2_000:  # dense pair space: O(votes) counting, no sort
        present = np.bincount(pair_code, minlength=n_models * n_models) > 0
        rows = np.flatnonzero(present)
        row_index = np.cumsum(present) - 1
        row_of_vote = row_index[pair_code]
    else:
        rows, row_of_vote = np.unique(pair_code, return_inverse=True)
    i, j = rows // n_models, rows % n_models
    cell = row_of_vote * 3 + outcome
    n_cells = 3 * len(rows)
    vote_counts = np.bincount(cell, minlength=n_cells).reshape(-1, 3).astype(float)
    weighted = "weight" in votes.columns
    counts = np.bincount(cell, weights=weight, minlength=n_cells).reshape(-1, 3) if weighted else vote_counts.copy()
    mean_weight = np.divide(counts, vote_counts, out=np.ones_like(counts), where=vote_counts > 0)

    clusters = cluster_names = None
    if cluster is not None:
        cluster_codes, cluster_names = pd.factorize(votes[cluster].astype(str).to_numpy()[keep])
        clusters = sparse.csr_matrix((weight, (cluster_codes, cell)), shape=(len(cluster_names), n_cells), dtype=float)
        clusters.sum_duplicates()
        cluster_names = np.asarray(cluster_names)

    return PairCounts(
        models=np.asarray(models, dtype=object),
        i=i,
        j=j,
        counts=counts,
        n_votes=n_votes,
        ordered=position,
        mean_weight=mean_weight,
        vote_counts=vote_counts,
        clusters=clusters,
        cluster_names=cluster_names,
    )


def _model_codes(a_raw: pd.Series, b_raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer codes of both model columns against the sorted union of their names."""
    a_codes, a_names = pd.factorize(a_raw)
    b_codes, b_names = pd.factorize(b_raw)
    a_names = np.asarray(a_names, dtype=object).astype(str)
    b_names = np.asarray(b_names, dtype=object).astype(str)
    models = np.unique(np.concatenate([a_names, b_names]))
    a = np.searchsorted(models, a_names)[a_codes].astype(np.int64)
    b = np.searchsorted(models, b_names)[b_codes].astype(np.int64)
    return a, b, models


def counts_from_matrix(wins: pd.DataFrame, *, source: str = "win matrix") -> PairCounts:
    """Aggregated counts from a square win-count matrix (``wins.loc[a, b]`` = times ``a`` beat ``b``).

    Parameters
    ----------
    wins : DataFrame, shape (n_models, n_models)
        Index and columns are the same model names; the diagonal is ignored; missing entries count as 0.

    Returns
    -------
    PairCounts
        Unordered rows without ties.
    """
    if list(map(str, wins.index)) != list(map(str, wins.columns)):
        raise HumansError(f"{source}: rows and columns must list the same models in the same order.")
    values = wins.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    values = np.nan_to_num(values, nan=0.0)
    if (values < 0).any():
        raise HumansError(f"{source}: win counts must be non-negative (found {values.min()}).")
    n = len(values)
    iu, ju = np.triu_indices(n, 1)
    counts = np.column_stack([values[iu, ju], values[ju, iu], np.zeros(len(iu))])
    used = counts.sum(1) > 0
    counts, iu, ju = counts[used], iu[used], ju[used]
    if len(counts) == 0:
        raise HumansError(f"{source}: every win count is zero; there is nothing to fit.")
    n_votes = np.rint(values.sum(0) + values.sum(1)).astype(np.int64)
    return PairCounts(
        models=np.asarray(list(map(str, wins.index)), dtype=object),
        i=iu,
        j=ju,
        counts=counts,
        n_votes=n_votes,
        ordered=False,
        mean_weight=np.ones_like(counts),
        vote_counts=counts.copy(),
    )


def check_connected(pc: PairCounts) -> None:
    """Raise a :class:`HumansError` naming the groups when the comparison graph is disconnected.

    Bradley–Terry scores are only comparable within a connected set of models: two groups that were never
    compared with each other have no common scale.
    """
    used = pc.counts.sum(1) > 0
    n = pc.n_models
    graph = sparse.coo_matrix((np.ones(used.sum()), (pc.i[used], pc.j[used])), shape=(n, n))
    n_groups, labels = connected_components(graph, directed=False)
    if n_groups > 1:
        groups = [sorted(map(str, pc.models[labels == g])) for g in range(n_groups)]
        groups.sort(key=lambda g: (-len(g), g))
        shown = "; ".join("{" + ", ".join(g[:8]) + (", ..." if len(g) > 8 else "") + "}" for g in groups[:5])
        raise HumansError(
            f"the comparison graph is disconnected: {n_groups} groups of models were never compared with each "
            f"other ({shown}); add comparisons between the groups or score each group separately."
        )
