"""Prediction intervals carried by a HUMANS subset file and applied to new models.

A subset file fitted on all models can carry, beside the paper's columns, the split-conformal half-widths of its
two predictions (:mod:`analysis.conformal`), computed from the cross-validated residuals of the same method and
size over all models (``humans select`` writes them):

``interval_level, benchmark_interval_halfwidth, human_interval_halfwidth``

(the same value on every row, like ``human_regression_bias``). :func:`with_intervals` adds
``benchmark_low, benchmark_high, human_low, human_high`` to the scores of new models; files without the columns
(the paper's released subsets) give scores without intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.conformal import conformal_quantile

__all__ = ["INTERVAL_COLUMNS", "add_interval_columns", "with_intervals"]

#: Optional columns of a subset file with its prediction intervals.
INTERVAL_COLUMNS = ("interval_level", "benchmark_interval_halfwidth", "human_interval_halfwidth")


def add_interval_columns(
    table: pd.DataFrame,
    level: float,
    benchmark_residuals: np.ndarray,
    human_residuals: np.ndarray | None = None,
) -> pd.DataFrame:
    """The subset table with :data:`INTERVAL_COLUMNS` from cross-validated residuals (human: NaN when None)."""
    out = table.copy()
    out["interval_level"] = float(level)
    out["benchmark_interval_halfwidth"] = conformal_quantile(benchmark_residuals, level)
    out["human_interval_halfwidth"] = np.nan if human_residuals is None else conformal_quantile(human_residuals, level)
    return out


def with_intervals(scores: pd.DataFrame, subset: pd.DataFrame) -> pd.DataFrame:
    """Add ``benchmark_low/high`` and ``human_low/high`` (clipped to [0, 1]) when the subset file carries them.

    Parameters
    ----------
    scores : DataFrame
        ``model, human_score, benchmark_score`` (:func:`analysis.humans_subset.apply_subset`).
    subset : DataFrame
        The subset table.

    Examples
    --------
    >>> scores = pd.DataFrame({"model": ["m"], "human_score": [0.5], "benchmark_score": [0.7]})
    >>> table = pd.DataFrame({"interval_level": [0.9], "benchmark_interval_halfwidth": [0.05],
    ...                       "human_interval_halfwidth": [0.1]})
    >>> with_intervals(scores, table).round(2).to_dict("records")[0]["human_high"]
    0.6
    """
    if not all(c in subset.columns for c in INTERVAL_COLUMNS) or subset.empty:
        return scores
    out = scores.copy()
    for name, column in (("benchmark", "benchmark_interval_halfwidth"), ("human", "human_interval_halfwidth")):
        half = float(pd.to_numeric(subset[column], errors="coerce").iloc[0])
        if np.isfinite(half) or np.isinf(half):
            estimate = out[f"{name}_score"].to_numpy(float)
            out[f"{name}_low"] = np.clip(estimate - half, 0.0, 1.0)
            out[f"{name}_high"] = np.clip(estimate + half, 0.0, 1.0)
    return out
