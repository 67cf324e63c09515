"""Self-consistency of raters on re-shown pairs: per rater and for the study, with Wilson intervals.

A re-show repeats a pair the rater judged earlier with the sides swapped; it is consistent when the rater picks
the same conversation (or tie) again. The study's consistency pools every re-show; a rater's is their own share.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22, 209–212.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy.stats import norm

from analysis.errors import HumansError

__all__ = ["ConsistencySummary", "consistency_summary", "wilson_interval"]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (``(nan, nan)`` when ``n`` is 0).

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(81, 263)]  # Newcombe (1998), Table I
    [0.2553, 0.3662]
    """
    if n == 0:
        return math.nan, math.nan
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class ConsistencySummary:
    """Per-rater table (``rater, reshows, consistent, consistency, low, high, below``) and the study's pooled
    figures (``raters, reshows, consistent, consistency, low, high``)."""

    raters: pd.DataFrame
    study: dict


def consistency_summary(
    raters: pd.DataFrame, *, level: float = 0.95, min_consistency: float | None = None
) -> ConsistencySummary:
    """Summarise re-shows given per rater (``rater``, ``reshows``, ``consistent``).

    Examples
    --------
    >>> s = consistency_summary(pd.DataFrame({"rater": ["a", "b"], "reshows": [2, 2], "consistent": [2, 1]}))
    >>> s.study["consistency"], s.raters["consistency"].tolist()
    (0.75, [1.0, 0.5])
    """
    missing = {"rater", "reshows", "consistent"} - set(raters.columns)
    if missing:
        raise HumansError(f"consistency needs the columns rater, reshows, consistent; missing {sorted(missing)}.")
    table = raters[["rater", "reshows", "consistent"]].copy()
    table["reshows"] = pd.to_numeric(table["reshows"]).astype(int)
    table["consistent"] = pd.to_numeric(table["consistent"]).astype(int)
    if (table["consistent"] > table["reshows"]).any() or (table["consistent"] < 0).any():
        raise HumansError("consistent re-shows must lie between 0 and the number of re-shows for every rater.")
    table = table[table["reshows"] > 0].reset_index(drop=True)
    table["consistency"] = table["consistent"] / table["reshows"]
    bounds = [wilson_interval(c, n, level) for c, n in zip(table["consistent"], table["reshows"], strict=True)]
    table["low"] = [b[0] for b in bounds]
    table["high"] = [b[1] for b in bounds]
    table["below"] = table["consistency"] < min_consistency if min_consistency is not None else False
    n, c = int(table["reshows"].sum()), int(table["consistent"].sum())
    low, high = wilson_interval(c, n, level)
    study = {
        "raters": len(table),
        "reshows": n,
        "consistent": c,
        "consistency": c / n if n else math.nan,
        "low": low,
        "high": high,
    }
    return ConsistencySummary(table, study)
