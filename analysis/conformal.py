"""Split-conformal prediction intervals from cross-validated residuals.

Given the absolute residuals :math:`R_1..R_n` of :math:`n` models that the predictor did not see when it was fitted
(cross-validated residuals of the training models), the split-conformal interval for a new model at level
:math:`1-\\alpha` is :math:`\\hat y \\pm \\hat q`. If the new model is exchangeable with the :math:`n`, its residual
falls below the :math:`k`-th smallest of them with probability :math:`k/(n+1)`. The classic choice
:math:`k = \\lceil (n+1)(1-\\alpha) \\rceil` guarantees at least :math:`1-\\alpha` but over-covers by up to
:math:`1/(n+1)` — 5 points with the 17 training models of a leave-one-out over 18 models. We interpolate linearly
between the order statistics at the fractional rank :math:`(n+1)(1-\\alpha)`, so the expected coverage is the
stated level rather than above it (infinite when the rank exceeds :math:`n`: too few models for the level). Scores
live in [0, 1], so intervals are clipped to it.

References
----------
Vovk, V., Gammerman, A., Shafer, G. (2005). *Algorithmic Learning in a Random World*. Springer.
Lei, J., G'Sell, M., Rinaldo, A., Tibshirani, R. J., Wasserman, L. (2018). Distribution-free predictive inference
for regression. JASA 113, 1094–1111.
"""

from __future__ import annotations

import math

import numpy as np

from analysis.errors import HumansError

__all__ = ["DEFAULT_LEVEL", "check_level", "conformal_interval", "conformal_quantile"]

#: Default coverage of prediction intervals.
DEFAULT_LEVEL = 0.9


def check_level(level: float) -> float:
    """The interval level as a float in (0, 1), or a :class:`HumansError` naming the value."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise HumansError(f"interval level {level} must be between 0 and 1 (e.g. 0.9 for 90 % intervals).")
    return level


def conformal_quantile(residuals: np.ndarray, level: float = DEFAULT_LEVEL) -> float:
    """Half-width: the absolute residuals' order statistic at fractional rank (n + 1) · level (interpolated).

    Examples
    --------
    >>> conformal_quantile(np.arange(1, 20) / 100, 0.9)  # n = 19: rank 18, the 18th smallest
    0.18
    >>> round(conformal_quantile(np.arange(1, 21) / 100, 0.9), 4)  # n = 20: rank 18.9, between 18th and 19th
    0.189
    >>> conformal_quantile(np.array([0.1, 0.2]), 0.9)  # too few residuals for 90 %
    inf
    """
    r = np.sort(np.abs(np.asarray(residuals, dtype=np.float64)))
    r = r[np.isfinite(r)]
    rank = (len(r) + 1) * level
    if rank > len(r) or len(r) == 0:
        return math.inf
    low = max(math.floor(rank), 1)
    if low >= len(r):
        return float(r[-1])
    frac = max(rank - low, 0.0)
    return float(r[low - 1] + frac * (r[low] - r[low - 1]))


def conformal_interval(
    estimate: np.ndarray, residuals: np.ndarray, level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` = estimate ∓ :func:`conformal_quantile`, clipped to [0, 1]."""
    q = conformal_quantile(residuals, level)
    estimate = np.asarray(estimate, dtype=np.float64)
    return np.clip(estimate - q, 0.0, 1.0), np.clip(estimate + q, 0.0, 1.0)
