"""Correlation between two per-model score tables: Pearson, Spearman and Kendall tau-b with bootstrap intervals.

Intervals resample models with replacement (percentile bootstrap); p-values come from permuting one score
column against the other (two-sided, ``(1 + #|r_perm| >= |r|) / (1 + permutations)``). All three coefficients
are computed for a whole batch of resamples at once.

References
----------
Kendall, M. G. (1945). The treatment of ties in ranking problems. Biometrika 33, 239–251.
Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from analysis.errors import HumansError

__all__ = ["METHODS", "CorrelationResult", "batch_correlations", "correlate", "pick_score_column"]

METHODS = ("pearson", "spearman", "kendall")
#: Columns tried, in order, when the score column is not named.
PREFERRED_COLUMNS = ("human_score", "score")


@dataclass(frozen=True)
class CorrelationResult:
    """Result of :func:`correlate`.

    Attributes
    ----------
    table : DataFrame
        One row per method: ``method``, ``estimate``, ``low``, ``high``, ``p_value``, ``n_models``.
    merged : DataFrame
        ``model``, ``a``, ``b`` for the models found in both tables.
    only_in_a, only_in_b : list of str
        Model names that did not match.
    a_col, b_col : str
    """

    table: pd.DataFrame
    merged: pd.DataFrame
    only_in_a: list[str]
    only_in_b: list[str]
    a_col: str
    b_col: str


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean(-1, keepdims=True)
    yc = y - y.mean(-1, keepdims=True)
    denom = np.sqrt((xc**2).sum(-1) * (yc**2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (xc * yc).sum(-1) / np.where(denom > 0, denom, 1), np.nan)


def _kendall_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    sx = np.sign(x[..., :, None] - x[..., None, :])
    sy = np.sign(y[..., :, None] - y[..., None, :])
    num = (sx * sy).sum((-1, -2))
    denom = np.sqrt((sx**2).sum((-1, -2)) * (sy**2).sum((-1, -2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, num / np.where(denom > 0, denom, 1), np.nan)


def batch_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson, Spearman and Kendall tau-b along the last axis.

    Parameters
    ----------
    x, y : ndarray, shape (..., n)

    Returns
    -------
    ndarray, shape (3, ...)
        NaN where a sample is constant.

    Examples
    --------
    >>> batch_correlations(np.array([1.0, 2, 3]), np.array([1.0, 3, 2])).round(3).tolist()
    [0.5, 0.5, 0.333]
    """
    rx, ry = rankdata(x, axis=-1), rankdata(y, axis=-1)
    return np.stack([_pearson(x, y), _pearson(rx, ry), _kendall_b(x, y)])


def _batched(fn, x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """Apply ``batch_correlations`` in chunks that keep the (chunk, n, n) sign matrices small."""
    chunk = max(1, 2_000_000 // max(n * n, 1))
    return np.concatenate([fn(x[s : s + chunk], y[s : s + chunk]) for s in range(0, len(x), chunk)], axis=1)


def pick_score_column(frame: pd.DataFrame, column: str | None, on: str, source: str) -> str:
    """The score column to use: ``column`` if given, else human_score, score, or the only numeric column."""
    if column is not None:
        if column not in frame.columns:
            raise HumansError(
                f"{source}: no column {column!r} (found: {', '.join(map(str, frame.columns))}); pass an existing one."
            )
        return column
    for name in PREFERRED_COLUMNS:
        if name in frame.columns:
            return name
    numeric = [c for c in frame.columns if c != on and pd.api.types.is_numeric_dtype(frame[c])]
    if len(numeric) == 1:
        return numeric[0]
    raise HumansError(
        f"{source}: cannot tell which column holds the scores (numeric columns: "
        f"{', '.join(map(str, numeric)) or 'none'}); name it with a_col/b_col (--a-col/--b-col)."
    )


def correlate(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    on: str = "model",
    a_col: str | None = None,
    b_col: str | None = None,
    bootstrap: int = 1000,
    permutations: int = 10000,
    level: float = 0.95,
    seed: int = 0,
    a_name: str = "A",
    b_name: str = "B",
) -> CorrelationResult:
    """Correlate two per-model score tables joined on model names.

    Parameters
    ----------
    a, b : DataFrame
        Each has a model column ``on`` and a numeric score column.
    on : str, default "model"
    a_col, b_col : str, optional
        Score columns; by default ``human_score``, then ``score``, then the only numeric column.
    bootstrap : int, default 1000
        Resamples of models for the percentile intervals.
    permutations : int, default 10000
        Permutations for the p-values.
    level : float, default 0.95
    seed : int, default 0
    a_name, b_name : str
        Names of the tables in error messages.

    Returns
    -------
    CorrelationResult

    Raises
    ------
    HumansError
        Missing columns, duplicated model names, fewer than three models in common.
    """
    cols = {}
    for frame, col, name, key in ((a, a_col, a_name, "a"), (b, b_col, b_name, "b")):
        if on not in frame.columns:
            raise HumansError(f"{name}: no column {on!r} to join on (found: {', '.join(map(str, frame.columns))}).")
        cols[key] = pick_score_column(frame, col, on, name)
        dup = frame[on].astype(str).duplicated()
        if dup.any():
            raise HumansError(
                f"{name}: model {frame[on].astype(str)[dup].iloc[0]!r} appears more than once; keep one row per model."
            )
    left = pd.DataFrame({"model": a[on].astype(str), "a": pd.to_numeric(a[cols["a"]], errors="coerce")})
    right = pd.DataFrame({"model": b[on].astype(str), "b": pd.to_numeric(b[cols["b"]], errors="coerce")})
    merged = left.merge(right, on="model", how="inner").dropna().sort_values("model").reset_index(drop=True)
    only_a = sorted(set(left["model"]) - set(right["model"]))
    only_b = sorted(set(right["model"]) - set(left["model"]))
    n = len(merged)
    if n < 3:
        raise HumansError(
            f"only {n} model(s) appear in both {a_name} and {b_name} with a score; correlations need at least 3 "
            f"(unmatched in {a_name}: {', '.join(only_a[:10]) or 'none'}; "
            f"in {b_name}: {', '.join(only_b[:10]) or 'none'})."
        )
    x, y = merged["a"].to_numpy(float), merged["b"].to_numpy(float)
    estimate = batch_correlations(x, y)
    rng = np.random.default_rng(seed)
    q = [(1 - level) / 2, (1 + level) / 2]
    if bootstrap:
        idx = rng.integers(0, n, (bootstrap, n))
        boots = _batched(batch_correlations, x[idx], y[idx], n)
        low, high = np.nanquantile(boots, q, axis=1)
    else:
        low = high = np.full(3, np.nan)
    if permutations:
        perm = rng.permuted(np.broadcast_to(y, (permutations, n)), axis=1)
        null = _batched(batch_correlations, np.broadcast_to(x, (permutations, n)), perm, n)
        extreme = (np.abs(null) >= np.abs(estimate)[:, None] - 1e-12).sum(1)
        p_value = (1 + extreme) / (1 + permutations)
    else:
        p_value = np.full(3, np.nan)
    table = pd.DataFrame(
        {"method": METHODS, "estimate": estimate, "low": low, "high": high, "p_value": p_value, "n_models": n}
    )
    return CorrelationResult(table, merged, only_a, only_b, cols["a"], cols["b"])
