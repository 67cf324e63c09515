"""HUMANS subset files: a small set of items with weights that predict human preference and the full benchmark.

A subset has one row per item and the fields of the paper's released subsets:

``item_id, task, dataset, metric, human_preference_weight, full_benchmark_weight, human_regression_bias``

(files and dataset folders in the released layouts are read by :mod:`analysis.humans_format`).

Applied to a model's scores :math:`s_i` on those items it gives

.. math:: \\text{human score} = \\operatorname{clip}\\big(b + \\sum_i w_i s_i,\\ 0,\\ 1\\big), \\qquad
          \\text{benchmark score} = \\sum_i v_i s_i,

with :math:`w_i` = ``human_preference_weight``, :math:`b` = ``human_regression_bias`` (the same on every row) and
:math:`v_i` = ``full_benchmark_weight`` (summing to 1: the selector's weighted-mean estimate of the full score).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.humans_format import SUBSET_COLUMNS, read_subset_source
from analysis.missing import weighted_mean_observed

__all__ = ["SUBSET_COLUMNS", "apply_subset", "fit_humans_subsets", "make_subset_table", "read_subset"]


def make_subset_table(
    data: BenchmarkData,
    items: np.ndarray,
    full_benchmark_weight: np.ndarray,
    human_preference_weight: np.ndarray | None = None,
    human_regression_bias: float = 0.0,
) -> pd.DataFrame:
    """The subset file's table for items at positions ``items`` of ``data`` (human weights 0 when None)."""
    items = np.asarray(items)
    w = np.zeros(len(items)) if human_preference_weight is None else np.asarray(human_preference_weight, float)
    return pd.DataFrame(
        {
            "item_id": data.items[items],
            "task": data.tasks[items],
            "dataset": data.datasets[items],
            "metric": data.metrics[items],
            "human_preference_weight": w,
            "full_benchmark_weight": np.asarray(full_benchmark_weight, float),
            "human_regression_bias": float(human_regression_bias),
        },
        columns=list(SUBSET_COLUMNS),
    )


def fit_humans_subsets(
    data: BenchmarkData,
    human: np.ndarray | None = None,
    *,
    methods: list[str] | tuple[str, ...] = ("irt_fisher",),
    sizes: tuple[int, ...] = (50,),
    regressor: str = "ridge",
    average: str = "macro",
    random_state: int | None = 0,
) -> dict[tuple[str, int], pd.DataFrame]:
    """Select subsets on all models and fit their weights; returns the subset table of every (method, size).

    The selector (target = the full score) gives the items and ``full_benchmark_weight``. With human scores, a
    method that uses its target re-selects with the human score as target (its ``full_benchmark_weight`` is then
    uniform, the plain mean of the items), and a ``regressor`` fit of the human score on the items' scores gives
    ``human_preference_weight`` (coefficients) and ``human_regression_bias`` (intercept). Without human scores the
    human weights and bias are 0. The training set (distinct patterns, IRT fit) is shared by all methods and sizes.

    Parameters
    ----------
    data : BenchmarkData
    human : ndarray of shape (n_models,), optional
        Human scores aligned with ``data.models``.
    methods : sequence of str, default ("irt_fisher",)
    sizes : tuple of int, default (50,)
    regressor : {"ridge", "lasso", "ols"}, default "ridge"
    average : {"macro", "micro"}, default "macro"
    random_state : int, optional

    Returns
    -------
    dict mapping (method, size) to a DataFrame with :data:`SUBSET_COLUMNS`.
    """
    from analysis.regression import fit_regressor
    from analysis.selection import METHODS, TrainingSet

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise HumansError(f"unknown selection method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}.")
    if not methods:
        return {}
    train = TrainingSet.from_benchmark(data, average=average)
    hum_train = None
    if human is not None:
        human = np.asarray(human, float)
        hum_train = train.with_target(human)
    out = {}
    for method in methods:
        cls = METHODS[method]
        for size in sizes:
            sel = cls(size=size, random_state=random_state).fit(train)
            items, v = sel.items_, sel.weights_
            if human is None:
                out[method, size] = make_subset_table(data, items, v)
                continue
            if cls.uses_target:
                items = cls(size=size, random_state=random_state).fit(hum_train).items_
                v = np.full(len(items), 1.0 / len(items))
            reg = fit_regressor(train.scores[:, items], human, regressor)  # missing scores: item means
            out[method, size] = make_subset_table(data, items, v, reg.coef_, float(reg.intercept_))
    return out


def read_subset(path: str | Path, split: str | None = None) -> pd.DataFrame:
    """Read and check a HUMANS subset: a CSV, JSON Lines or Parquet file, or one split of a dataset folder.

    See :func:`analysis.humans_format.read_subset_source` for the layouts; raises :class:`HumansError` naming the
    file and problem.
    """
    return read_subset_source(path, split)[0]


def apply_subset(subset: pd.DataFrame, data: BenchmarkData) -> pd.DataFrame:
    """Human and benchmark scores of every model in ``data`` from a subset table.

    Returns
    -------
    DataFrame
        ``model, human_score, benchmark_score`` with human score = clip(b + Σ wᵢ sᵢ, 0, 1) and benchmark score =
        Σ vᵢ sᵢ; and ``human_<dimension>_score`` likewise for every ``<dimension>_human_preference_weight`` of the
        subset (the paper's later releases: overall, understanding, naturalness, ...). A model missing some of the
        subset's scores (NaN) gets the benchmark score over the items it has (weights renormalised) and no human
        score (NaN): the regression needs every item.

    Raises
    ------
    HumansError
        When the item scores lack some of the subset's items.
    """
    position = pd.Index(data.items).get_indexer(subset["item_id"].astype(str))
    if (position < 0).any():
        absent = subset["item_id"][position < 0]
        raise HumansError(
            f"the item scores lack {len(absent)} of the subset's {len(subset)} items (e.g. {absent.iloc[0]!r}); "
            "score the models on every item of the subset."
        )
    x = data.scores[:, position]
    bias = float(subset["human_regression_bias"].iloc[0]) if len(subset) else 0.0
    human = np.clip(bias + x @ subset["human_preference_weight"].to_numpy(float), 0.0, 1.0)
    bench = weighted_mean_observed(x, subset["full_benchmark_weight"].to_numpy(float))
    out = pd.DataFrame({"model": data.models, "human_score": human, "benchmark_score": bench})
    for weight in (c for c in subset.columns if c.endswith("_human_preference_weight")):  # per-dimension releases
        dim = weight.removesuffix("_human_preference_weight")
        b = float(subset[f"{dim}_human_regression_bias"].iloc[0])
        out[f"human_{dim}_score"] = np.clip(b + x @ subset[weight].to_numpy(float), 0.0, 1.0)
    return out
