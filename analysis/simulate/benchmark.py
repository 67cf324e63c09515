"""A seeded benchmark with a known truth: multidimensional IRT skills, tasks of different sizes, human utility.

Generative model
----------------
* Models :math:`m = 1..M` have skills :math:`\\theta_m \\in \\mathbb{R}^D`, drawn from :math:`N(0, \\Sigma)` with
  unit variances and correlation ``skill_correlation`` between every two skills (good models tend to be good at
  everything).
* Task :math:`t` (``task_sizes[t]`` items) mixes the skills in proportions :math:`\\pi_t \\sim
  \\mathrm{Dirichlet}(c\\,\\bar\\pi)` with mean :math:`\\bar\\pi` = ``skill_shares`` and concentration
  :math:`c` = ``task_concentration`` (large :math:`c`: every task mixes the skills alike, so task means cannot
  separate them; small :math:`c`: tasks specialise).
* Item :math:`j` of task :math:`t` measures one skill :math:`k_j \\sim \\mathrm{Categorical}(\\pi_t)` with
  discrimination :math:`a_j \\sim U(0.8, 2)` and difficulty :math:`b_j \\sim N(0, 1)`; a model answers it right with
  probability :math:`\\sigma(a_j(\\theta_{m k_j} - b_j))` (a multidimensional 2PL with simple structure), scores
  0/1.
* People value skill :math:`d` with weight :math:`u_d` (``human_weights``), more than the benchmark does for some
  skills. Utility :math:`U_m = \\gamma \\sum_d u_d \\theta_{md}` (:math:`\\gamma` = ``human_scale``), and under
  Bradley–Terry the probability that people prefer model :math:`m` to :math:`m'` is :math:`\\sigma(U_m - U_{m'})`.
  The true human score is the mean probability of beating each other model, :math:`h_m = \\frac{1}{M-1}\\sum_{m'
  \\ne m} \\sigma(U_m - U_{m'}) \\in [0, 1]`, the same scale ``humans scores`` reports; optional Gaussian noise
  (``human_noise``) stands for a finite study, clipped to [0, 1].

Pairwise votes from the utility are simulated in :mod:`analysis.simulate.votes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError

__all__ = ["SimulatedBenchmark", "simulate_benchmark"]


@dataclass(frozen=True)
class SimulatedBenchmark:
    """A simulated benchmark and the truth behind it.

    Attributes
    ----------
    data : BenchmarkData
        0/1 item scores of the models (tasks ``task0``, ``task1``, ...).
    skills : ndarray of shape (n_models, n_skills)
        True skills :math:`\\theta`.
    item_skill : ndarray of shape (n_items,), int
        The skill each item measures.
    human_weights : ndarray of shape (n_skills,)
        Weights :math:`u` of the human utility.
    utility : ndarray of shape (n_models,)
        Human utility :math:`U_m` (Bradley–Terry strength, natural-log scale).
    human_scores : ndarray of shape (n_models,)
        Human scores in [0, 1] (with noise when ``human_noise`` > 0).
    true_human_scores : ndarray of shape (n_models,)
        Noise-free human scores.
    """

    data: BenchmarkData
    skills: np.ndarray
    item_skill: np.ndarray
    human_weights: np.ndarray
    utility: np.ndarray
    human_scores: np.ndarray
    true_human_scores: np.ndarray

    def human_frame(self) -> pd.DataFrame:
        """``model, human_score`` as ``humans scores`` writes it."""
        return pd.DataFrame({"model": self.data.models, "human_score": self.human_scores})


def simulate_benchmark(
    *,
    n_models: int = 24,
    task_sizes: tuple[int, ...] = (500, 400, 300, 250, 200, 150, 120, 100, 80, 60),
    skill_shares: tuple[float, ...] = (0.1, 0.3, 0.3, 0.3),
    task_concentration: float = 30.0,
    skill_correlation: float = 0.3,
    human_weights: tuple[float, ...] = (1.0, 0.2, 0.2, 0.2),
    human_scale: float = 1.5,
    human_noise: float = 0.0,
    seed: int = 0,
) -> SimulatedBenchmark:
    """Simulate item scores and human scores from a known multidimensional IRT truth (see module docstring).

    Parameters
    ----------
    n_models : int, default 24
        Number of models.
    task_sizes : tuple of int
        Items per task (tasks of different sizes).
    skill_shares : tuple of float, default (0.1, 0.3, 0.3, 0.3)
        Mean share of the items that measure each skill (its length is the number of skills D).
    task_concentration : float, default 30
        Dirichlet concentration of the tasks' skill mixes around ``skill_shares``.
    skill_correlation : float, default 0.3
        Correlation between any two skills across models.
    human_weights : tuple of float, default (1.0, 0.2, 0.2, 0.2)
        Weight of each skill in the human utility (length D).
    human_scale : float, default 1.5
        Scale :math:`\\gamma` of the utility (log-odds per unit of weighted skill).
    human_noise : float, default 0.0
        Standard deviation of Gaussian noise added to the human scores.
    seed : int, default 0
        Seed of the :class:`numpy.random.Generator`.

    Returns
    -------
    SimulatedBenchmark

    Examples
    --------
    >>> sim = simulate_benchmark(n_models=10, task_sizes=(50, 30), seed=1)
    >>> sim.data.scores.shape, sim.human_scores.shape
    ((10, 80), (10,))
    """
    shares = np.asarray(skill_shares, dtype=float)
    weights = np.asarray(human_weights, dtype=float)
    n_skills = len(shares)
    if len(weights) != n_skills:
        raise HumansError(f"human_weights has {len(weights)} entries but skill_shares has {n_skills}; match them.")
    if n_models < 3 or not task_sizes or min(task_sizes) < 1:
        raise HumansError("simulate_benchmark needs at least 3 models and tasks of at least 1 item.")
    if (shares <= 0).any():
        raise HumansError(f"skill_shares must be positive; got {skill_shares}.")
    rng = np.random.default_rng(seed)
    cov = np.full((n_skills, n_skills), skill_correlation) + (1 - skill_correlation) * np.eye(n_skills)
    skills = rng.multivariate_normal(np.zeros(n_skills), cov, size=n_models)
    shares = shares / shares.sum()
    tasks, item_skill = [], []
    for t, size in enumerate(task_sizes):
        mix = rng.dirichlet(task_concentration * shares)
        item_skill.append(rng.choice(n_skills, size=size, p=mix))
        tasks.append(np.full(size, f"task{t}", dtype=object))
    k = np.concatenate(item_skill)
    n_items = len(k)
    a = rng.uniform(0.8, 2.0, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    p = expit(a * (skills[:, k] - b))
    scores = (rng.random(p.shape) < p).astype(np.float64)
    utility = human_scale * skills @ weights
    beat = expit(utility[:, None] - utility[None, :])
    np.fill_diagonal(beat, 0.0)
    true_human = beat.sum(axis=1) / (n_models - 1)
    human = np.clip(true_human + rng.normal(0.0, human_noise, n_models), 0.0, 1.0) if human_noise > 0 else true_human
    width = len(str(n_models - 1))
    data = BenchmarkData(
        scores,
        np.array([f"model{m:0{width}d}" for m in range(n_models)], dtype=object),
        np.array([f"item{j}" for j in range(n_items)], dtype=object),
        np.concatenate(tasks),
    )
    return SimulatedBenchmark(data, skills, k, weights, utility, human, true_human)
