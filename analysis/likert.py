"""Per-model Likert satisfaction scores, rescaled to [0, 1], with t intervals and optional rater normalisation.

A rating ``x`` on a scale ``lo..hi`` is rescaled to ``(x - lo) / (hi - lo)``. With ``normalize=True`` each
rater's ratings are first z-scored (removing the rater's own leniency and spread) and mapped back to the scale
through the pooled mean and standard deviation: ``x' = mean + sd * (x - mean_r) / sd_r``; a rater with a single
rating or no spread contributes the pooled mean. Intervals are Student-t intervals of the per-model mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import HumansError

__all__ = ["likert_scores"]


def likert_scores(
    ratings: pd.DataFrame,
    *,
    scale: tuple[int, int] = (1, 5),
    normalize: bool = False,
    level: float = 0.95,
    source: str = "ratings",
) -> pd.DataFrame:
    """Mean Likert rating per model on [0, 1] with a confidence interval.

    Parameters
    ----------
    ratings : DataFrame
        Columns ``model`` and ``rating`` (numbers on ``scale``); ``rater`` when ``normalize=True``.
    scale : (int, int), default (1, 5)
        Lowest and highest point of the scale.
    normalize : bool, default False
        Z-normalise each rater's ratings before averaging (see the module docstring).
    level : float, default 0.95
    source : str
        Name of the input in error messages.

    Returns
    -------
    DataFrame
        ``model``, ``score``, ``low``, ``high``, ``sd``, ``n``, best first; ``score`` in [0, 1].

    Examples
    --------
    >>> likert_scores(pd.DataFrame({"model": ["a", "a", "b"], "rating": [5, 4, 1]}))["score"].tolist()
    [0.875, 0.0]
    """
    lo, hi = scale
    if not hi > lo:
        raise HumansError(f"scale is {scale}; give the lowest and the highest point, such as (1, 5).")
    needed = ["model", "rating"] + (["rater"] if normalize else [])
    missing = [c for c in needed if c not in ratings.columns]
    if missing:
        raise HumansError(
            f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(map(str, ratings.columns))})."
        )
    value = pd.to_numeric(ratings["rating"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(value) | (value < lo) | (value > hi)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        found = ratings["rating"].iloc[row]
        found = found.item() if isinstance(found, np.generic) else found
        raise HumansError(f"{source} row {row + 1}: rating is {found!r}; use a number from {lo} to {hi}.")
    if normalize:
        rater = ratings["rater"].astype(str).to_numpy()
        frame = pd.DataFrame({"rater": rater, "x": value})
        grouped = frame.groupby("rater")["x"]
        mean_r, sd_r = grouped.transform("mean").to_numpy(), grouped.transform("std").to_numpy()
        z = np.where(np.nan_to_num(sd_r) > 0, (value - mean_r) / np.where(sd_r > 0, sd_r, 1), 0.0)
        value = value.mean() + value.std(ddof=1) * z if len(value) > 1 else value
    scaled = (value - lo) / (hi - lo)
    frame = pd.DataFrame({"model": ratings["model"].astype(str).to_numpy(), "x": scaled})
    summary = frame.groupby("model")["x"].agg(["mean", "std", "count"]).reset_index()
    n = summary["count"].to_numpy()
    sd = summary["std"].to_numpy()
    t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), np.nan)
    out = pd.DataFrame(
        {
            "model": summary["model"],
            "score": summary["mean"],
            "low": summary["mean"] - half,
            "high": summary["mean"] + half,
            "sd": sd,
            "n": n.astype(np.int64),
        }
    )
    return out.sort_values(["score", "model"], ascending=[False, True], kind="stable").reset_index(drop=True)
