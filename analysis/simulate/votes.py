"""Seeded simulation of pairwise votes from known Bradley–Terry abilities.

Each rater casts ``votes_per_rater`` votes on uniformly drawn model pairs, scenarios and sides. The outcome of a
vote between ``i`` on the left and ``j`` on the right follows the model of :mod:`analysis.bradley_terry`::

    d = theta_i - theta_j + position (+ rater noise)
    P(i) : P(j) : P(tie) = exp(d / 2) : exp(-d / 2) : nu     (nu = 0: no ties, plain Bradley–Terry)

Departures from independence that real studies have, each off by default:

- ``rater_sd``: every rater sees abilities shifted by their own N(0, rater_sd^2) draw per model (noisy raters);
- ``stickiness``: a rater who meets the same pair again repeats their earlier verdict with this probability,
  otherwise decides afresh (votes stay marginally Bradley–Terry but are correlated within a rater);
- ``careless``: this share of raters answer at random (``careless_mode="random"``) or always pick the left side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import HumansError

__all__ = ["simulate_votes"]


def simulate_votes(
    theta: Sequence[float] | np.ndarray,
    *,
    models: Sequence[str] | None = None,
    raters: int = 20,
    votes_per_rater: int = 50,
    scenarios: int = 10,
    nu: float = 0.0,
    position: float = 0.0,
    rater_sd: float = 0.0,
    stickiness: float = 0.0,
    careless: float = 0.0,
    careless_mode: str = "random",
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Simulate a comparisons table from known abilities.

    Parameters
    ----------
    theta : array-like, shape (n_models,)
        True abilities on the natural-log scale.
    models : sequence of str, optional
        Model names (default ``m00``, ``m01``, ...).
    raters, votes_per_rater, scenarios : int
        Study size: ``raters * votes_per_rater`` votes over ``scenarios`` scenarios.
    nu : float, default 0
        Davidson tie parameter (0: no ties).
    position : float, default 0
        Log-odds advantage of the left side.
    rater_sd : float, default 0
        Standard deviation of each rater's own ability shifts.
    stickiness : float in [0, 1], default 0
        Probability that a rater repeats their previous verdict on a pair they have already judged.
    careless : float in [0, 1], default 0
        Share of careless raters.
    careless_mode : {"random", "left"}
        Careless raters pick a side at random, or always the left one.
    seed : int or numpy.random.Generator

    Returns
    -------
    DataFrame
        Columns ``model_a``, ``model_b``, ``winner`` (model_a / model_b / tie), ``rater``, ``scenario``, ``left``
        (the name of the model shown on the left).

    Examples
    --------
    >>> simulate_votes([0.0, 1.0], raters=2, votes_per_rater=3).shape
    (6, 6)
    """
    theta = np.asarray(theta, dtype=float)
    n = len(theta)
    if n < 2:
        raise HumansError(f"theta has {n} model(s); simulate at least two.")
    if not 0 <= stickiness <= 1 or not 0 <= careless <= 1:
        raise HumansError(f"stickiness={stickiness} and careless={careless} must both lie in [0, 1].")
    if careless_mode not in ("random", "left"):
        raise HumansError(f"careless_mode is {careless_mode!r}; use 'random' or 'left'.")
    names = np.asarray(list(models) if models is not None else [f"m{k:02d}" for k in range(n)], dtype=object)
    if len(names) != n:
        raise HumansError(f"models has {len(names)} names for {n} abilities; give one name per ability.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    total = raters * votes_per_rater
    rater = np.repeat(np.arange(raters), votes_per_rater)
    first = rng.integers(0, n, total)
    second = (first + rng.integers(1, n, total)) % n
    lo, hi = np.minimum(first, second), np.maximum(first, second)
    scenario = rng.integers(0, scenarios, total)
    lo_left = rng.random(total) < 0.5
    left, right = np.where(lo_left, lo, hi), np.where(lo_left, hi, lo)

    shift = rng.normal(0.0, rater_sd, (raters, n)) if rater_sd > 0 else np.zeros((raters, n))
    ability = theta[None, :] + shift
    d = ability[rater, left] - ability[rater, right] + position
    half = 0.5 * d
    norm = np.exp(half) + np.exp(-half) + nu
    p_left, p_tie = np.exp(half) / norm, nu / norm
    u = rng.random(total)
    # outcome from the pair's point of view: 0 = lo wins, 1 = hi wins, 2 = tie
    left_wins = u < p_left
    tie = (u >= p_left) & (u < p_left + p_tie)
    outcome = np.where(tie, 2, np.where(left_wins == lo_left, 0, 1))

    if stickiness > 0:
        order = np.lexsort((np.arange(total), lo * n + hi, rater))
        key = (rater * n * n + lo * n + hi)[order]
        new_group = np.r_[True, key[1:] != key[:-1]]
        fresh = new_group | (rng.random(total) >= stickiness)
        source = np.maximum.accumulate(np.where(fresh, np.arange(total), 0))
        outcome[order] = outcome[order][source]

    if careless > 0:
        careless_rater = rng.random(raters) < careless
        sloppy = careless_rater[rater]
        pick_left = rng.random(total) < 0.5 if careless_mode == "random" else np.ones(total, dtype=bool)
        outcome = np.where(sloppy, np.where(pick_left == lo_left, 0, 1), outcome)

    a_first = rng.random(total) < 0.5
    model_a, model_b = np.where(a_first, lo, hi), np.where(a_first, hi, lo)
    winner_model = np.where(outcome == 0, lo, hi)
    winner = np.where(outcome == 2, "tie", np.where(winner_model == model_a, "model_a", "model_b"))
    return pd.DataFrame(
        {
            "model_a": names[model_a],
            "model_b": names[model_b],
            "winner": winner,
            "rater": [f"r{k:03d}" for k in rater],
            "scenario": [f"s{k:03d}" for k in scenario],
            "left": names[left],
        }
    )
