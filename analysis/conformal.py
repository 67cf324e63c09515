"""Split-conformal prediction intervals from cross-validated residuals.

Given the absolute residuals :math:`R_1..R_n` of :math:`n` models that the predictor did not see when it was fitted
(cross-validated residuals of the training models), the split-conformal interval for a new model at level
:math:`1-\\alpha` is :math:`\\hat y \\pm \\hat q` with :math:`\\hat q` the :math:`\\lceil (n+1)(1-\\alpha) \\rceil`-th
smallest residual (infinite when that exceeds :math:`n`). If the new model is exchangeable with the :math:`n`, the
interval covers its true score with probability at least :math:`1-\\alpha` (and at most :math:`1-\\alpha + 1/(n+1)`
for continuous residuals). Scores live in [0, 1], so intervals are clipped to it.

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
    """Half-width :math:`\\hat q`: the :math:`\\lceil (n+1)\\,\\mathrm{level} \\rceil`-th smallest absolute residual.

    Examples
    --------
    >>> conformal_quantile(np.arange(1, 20) / 100, 0.9)  # n = 19: the 18th smallest
    0.18
    >>> conformal_quantile(np.array([0.1, 0.2]), 0.9)  # too few residuals for 90 %
    inf
    """
    r = np.sort(np.abs(np.asarray(residuals, dtype=np.float64)))
    r = r[np.isfinite(r)]
    k = math.ceil((len(r) + 1) * level)
    return float(r[k - 1]) if 1 <= k <= len(r) else math.inf


def conformal_interval(
    estimate: np.ndarray, residuals: np.ndarray, level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` = estimate ∓ :func:`conformal_quantile`, clipped to [0, 1]."""
    q = conformal_quantile(residuals, level)
    estimate = np.asarray(estimate, dtype=np.float64)
    return np.clip(estimate - q, 0.0, 1.0), np.clip(estimate + q, 0.0, 1.0)
