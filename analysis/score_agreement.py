"""How closely estimated scores track true scores, model by model: correlations and absolute error.

Not to be confused with the agreement *between raters* (Krippendorff's α, :func:`analysis.diagnostics.agreement`):
here one vector of per-model estimates (a subset's estimate of the full score, a regression's prediction of the
human score) is compared with the vector of true per-model scores by

* Pearson's :math:`r`, Spearman's :math:`\\rho` and Kendall's :math:`\\tau_b` (NaN when either vector is
  constant, where a correlation is undefined);
* the mean absolute error :math:`\\frac{1}{n}\\sum_m |\\hat s_m - s_m|`;
* with intervals, their empirical coverage :math:`\\frac{1}{n}\\sum_m 1[l_m \\le s_m \\le u_m]`.

References
----------
Kendall, M. G. (1945). The treatment of ties in ranking problems. Biometrika 33, 239–251.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["METRICS", "interval_coverage", "score_agreement"]

#: Agreement measures between estimated and true scores, in the order of results tables.
METRICS = ("pearson", "spearman", "kendall", "mae")


def score_agreement(estimate: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Pearson r, Spearman ρ, Kendall τ-b and mean absolute error between two score vectors.

    Parameters
    ----------
    estimate, truth : ndarray of shape (n_models,)

    Returns
    -------
    dict
        ``pearson, spearman, kendall, mae`` (the correlations are NaN when either vector is constant).

    Examples
    --------
    >>> out = score_agreement(np.array([0.1, 0.2, 0.4]), np.array([0.1, 0.3, 0.5]))
    >>> round(out["mae"], 3), out["spearman"]
    (0.067, 1.0)
    """
    estimate, truth = np.asarray(estimate, float), np.asarray(truth, float)
    out = {"mae": float(np.mean(np.abs(estimate - truth)))}
    if np.ptp(estimate) < 1e-15 or np.ptp(truth) < 1e-15:
        out.update(pearson=np.nan, spearman=np.nan, kendall=np.nan)
    else:
        out["pearson"] = float(np.corrcoef(estimate, truth)[0, 1])
        out["spearman"] = float(stats.spearmanr(estimate, truth).statistic)
        out["kendall"] = float(stats.kendalltau(estimate, truth).statistic)
    return {k: out[k] for k in METRICS}


def interval_coverage(low: np.ndarray, high: np.ndarray, truth: np.ndarray) -> float:
    """Share of models whose true score lies in their interval ``[low, high]``.

    Examples
    --------
    >>> interval_coverage(np.array([0.0, 0.5]), np.array([0.2, 0.6]), np.array([0.1, 0.7]))
    0.5
    """
    truth = np.asarray(truth, float)
    return float(np.mean((np.asarray(low, float) <= truth) & (truth <= np.asarray(high, float))))
