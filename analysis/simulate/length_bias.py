"""Seeded pairwise votes with a known length bias, to validate length-controlled scores.

Each model answers every scenario with one conversation whose assistant speech lasts
``exp(log_length[model] + N(0, length_sd^2))`` seconds (words: 2.5 per second, rounded). A vote between
conversation ``a`` (model ``i``) and ``b`` (model ``j``) follows :mod:`analysis.bt_covariates`::

    P(a wins) = 1 / (1 + exp(-(theta_i - theta_j + length_bias * (d_a - d_b) / (d_a + d_b))))

so raters favour the longer conversation by ``length_bias`` log-odds per unit of relative difference, whatever
the models' true strengths ``theta``. A model that talks more is then over-rated by plain Bradley–Terry.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import HumansError

__all__ = ["simulate_length_biased_votes"]

WORDS_PER_SECOND = 2.5


def simulate_length_biased_votes(
    theta: Sequence[float] | np.ndarray,
    log_length: Sequence[float] | np.ndarray,
    *,
    length_bias: float = 2.0,
    length_sd: float = 0.4,
    scenarios: int = 30,
    raters: int = 40,
    votes_per_rater: int = 30,
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Simulate a comparisons table with covariate columns and a known length bias.

    Parameters
    ----------
    theta : array-like, shape (n_models,)
        True strengths (natural-log scale, centred or not).
    log_length : array-like, shape (n_models,)
        Mean log duration (seconds) of each model's assistant speech.
    length_bias : float, default 2.0
        Log-odds added per unit of relative duration difference ``(d_a - d_b) / (d_a + d_b)``.
    length_sd : float, default 0.4
        Spread of a conversation's log duration around its model's mean (what makes length separable from the
        model).
    scenarios, raters, votes_per_rater : int
    seed : int or numpy.random.Generator

    Returns
    -------
    DataFrame
        ``model_a, model_b, winner, rater, scenario, duration_a, duration_b, words_a, words_b, turns_a, turns_b``.

    Examples
    --------
    >>> simulate_length_biased_votes([0.0, 0.5], [2.0, 3.0], raters=2, votes_per_rater=3).shape
    (6, 11)
    """
    theta = np.asarray(theta, dtype=float)
    log_length = np.asarray(log_length, dtype=float)
    n = len(theta)
    if n < 2 or len(log_length) != n:
        raise HumansError(f"theta has {n} models and log_length {len(log_length)}; give one length per model, n >= 2.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    duration = np.exp(log_length[:, None] + rng.normal(0.0, length_sd, (n, scenarios)))
    words = np.maximum(1, np.round(duration * WORDS_PER_SECOND * np.exp(rng.normal(0, 0.1, (n, scenarios)))))
    turns = 1 + rng.poisson(1.0, (n, scenarios))

    total = raters * votes_per_rater
    a = rng.integers(0, n, total)
    b = (a + rng.integers(1, n, total)) % n
    scen = rng.integers(0, scenarios, total)
    da, db = duration[a, scen], duration[b, scen]
    eta = theta[a] - theta[b] + length_bias * (da - db) / (da + db)
    a_wins = rng.random(total) < 1.0 / (1.0 + np.exp(-eta))
    names = np.array([f"m{k:02d}" for k in range(n)], dtype=object)
    return pd.DataFrame(
        {
            "model_a": names[a],
            "model_b": names[b],
            "winner": np.where(a_wins, "model_a", "model_b"),
            "rater": [f"r{k:03d}" for k in np.repeat(np.arange(raters), votes_per_rater)],
            "scenario": [f"s{k:03d}" for k in scen],
            "duration_a": da.round(3),
            "duration_b": db.round(3),
            "words_a": words[a, scen].astype(np.int64),
            "words_b": words[b, scen].astype(np.int64),
            "turns_a": turns[a, scen].astype(np.int64),
            "turns_b": turns[b, scen].astype(np.int64),
        }
    )
