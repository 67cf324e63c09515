"""HUMANS subset files: a small set of items with weights that predict human preference and the full benchmark.

A subset has one row per item and the fields of the paper's released subsets:

``item_id, task, dataset, metric, human_preference_weight, full_benchmark_weight, human_regression_bias``

(files and dataset folders in the released layouts are read by :mod:`analysis.humans_format`).

Applied to a model's scores :math:`s_i` on those items it gives

.. math:: \\text{human score} = \\operatorname{clip}\\big(b + \\sum_i w_i s_i,\\ 0,\\ 1\\big), \\qquad
          \\text{benchmark score} = \\sum_i v_i s_i,

with :math:`w_i` = ``human_preference_weight``, :math:`b` = ``human_regression_bias`` (the same on every row) and
:math:`v_i` = ``full_benchmark_weight`` (summing to 1: the selector's weighted-mean estimate of the full score).

The stacked regression (the default of ``humans select``, :class:`analysis.regression.StackedRidge`) also uses the
model's mean score :math:`z_t` on every task of the full benchmark. Its file holds it exactly: one column
``human_task_mean_weight__<task>`` per task (the same value on every row, like ``full_benchmark_items``, the
number of items of those tasks, and ``full_benchmark_items_sha256``, the fingerprint of their ids that
:func:`apply_subset` checks, so task means over another version of the benchmark are refused), and

.. math:: \\text{human score} = \\operatorname{clip}\\big(b + \\sum_t c_t z_t + \\sum_i w_i s_i,\\ 0,\\ 1\\big),

so :func:`apply_subset` gives the predictions that were evaluated, and needs the model's scores on the full
benchmark for the human score (the benchmark score still needs the subset's items only). The paper's evaluator
formula, which knows only the items, holds for subsets fitted with ``ridge``, ``lasso`` or ``ols``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.benchmark_data import BenchmarkData
from analysis.errors import HumansError
from analysis.humans_format import SUBSET_COLUMNS, read_subset_source
from analysis.missing import weighted_mean_observed

__all__ = [
    "SUBSET_COLUMNS",
    "TASK_ITEMS_COLUMN",
    "TASK_ITEMS_FINGERPRINT_COLUMN",
    "TASK_MEAN_WEIGHT_PREFIX",
    "apply_subset",
    "fit_humans_subsets",
    "items_fingerprint",
    "make_subset_table",
    "read_subset",
]

#: Column prefix of a stacked subset's weights on the model's task means of the full benchmark.
TASK_MEAN_WEIGHT_PREFIX = "human_task_mean_weight__"
#: Column of a stacked subset: how many items the weighed tasks have in the full benchmark.
TASK_ITEMS_COLUMN = "full_benchmark_items"
#: Column of a stacked subset: fingerprint of the item ids of the weighed tasks (:func:`items_fingerprint`).
TASK_ITEMS_FINGERPRINT_COLUMN = "full_benchmark_items_sha256"


def make_subset_table(
    data: BenchmarkData,
    items: np.ndarray,
    full_benchmark_weight: np.ndarray,
    human_preference_weight: np.ndarray | None = None,
    human_regression_bias: float = 0.0,
    task_mean_weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The subset file's table for items at positions ``items`` of ``data`` (human weights 0 when None).

    ``task_mean_weights`` (task -> weight of the model's mean on that task of the full benchmark, for the stacked
    regression) adds one ``human_task_mean_weight__<task>`` column per task and ``full_benchmark_items``.
    """
    items = np.asarray(items)
    w = np.zeros(len(items)) if human_preference_weight is None else np.asarray(human_preference_weight, float)
    table = pd.DataFrame(
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
    for task, weight in (task_mean_weights or {}).items():
        table[TASK_MEAN_WEIGHT_PREFIX + str(task)] = float(weight)
    if task_mean_weights:
        weighed = data.items[np.isin(data.tasks, list(task_mean_weights))]
        table[TASK_ITEMS_COLUMN] = len(weighed)
        table[TASK_ITEMS_FINGERPRINT_COLUMN] = items_fingerprint(weighed)
    return table


def items_fingerprint(item_ids) -> str:
    """SHA-256 (hex) of the sorted, distinct item ids joined by newlines: the same set of items, the same string."""
    text = "\n".join(sorted({str(item) for item in item_ids}))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    ``human_preference_weight`` (coefficients) and ``human_regression_bias`` (intercept); ``stacked``
    (:class:`analysis.regression.StackedRidge`, the model that :mod:`analysis.evaluation` evaluates) adds its weights
    on the task means, ``human_task_mean_weight__<task>``. Without human scores the human weights and bias are 0.
    The training set (distinct patterns, IRT fit) is shared by all methods and sizes.

    Parameters
    ----------
    data : BenchmarkData
    human : ndarray of shape (n_models,), optional
        Human scores aligned with ``data.models``.
    methods : sequence of str, default ("irt_fisher",)
    sizes : tuple of int, default (50,)
    regressor : {"stacked", "ridge", "lasso", "ols"}, default "ridge"
    average : {"macro", "micro"}, default "macro"
    random_state : int, optional

    Returns
    -------
    dict mapping (method, size) to a DataFrame with :data:`SUBSET_COLUMNS`.
    """
    from analysis.regression import StackedRidge, fit_regressor, task_means
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
    features = task_means(data) if regressor == "stacked" else None
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
            reg = fit_regressor(train.scores[:, items], human, regressor, features)  # missing scores: item means
            if isinstance(reg, StackedRidge):
                tasks = dict(zip(data.task_names, reg.task_coef_, strict=True))
                out[method, size] = make_subset_table(data, items, v, reg.item_coef_, reg.bias_, tasks)
            else:
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
        score (NaN): the regression needs every item. A stacked subset (``human_task_mean_weight__<task>``
        columns) adds :math:`\\sum_t c_t z_t` over the models' task means :math:`z_t` in ``data`` (the full
        benchmark's items of each task).

    Raises
    ------
    HumansError
        When the item scores lack some of the subset's items, or a task that a stacked subset weighs.
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
    human = np.clip(bias + x @ subset["human_preference_weight"].to_numpy(float) + _task_term(subset, data), 0.0, 1.0)
    bench = weighted_mean_observed(x, subset["full_benchmark_weight"].to_numpy(float))
    out = pd.DataFrame({"model": data.models, "human_score": human, "benchmark_score": bench})
    for weight in (c for c in subset.columns if c.endswith("_human_preference_weight")):  # per-dimension releases
        dim = weight.removesuffix("_human_preference_weight")
        b = float(subset[f"{dim}_human_regression_bias"].iloc[0])
        out[f"human_{dim}_score"] = np.clip(b + x @ subset[weight].to_numpy(float), 0.0, 1.0)
    return out


def _task_term(subset: pd.DataFrame, data: BenchmarkData) -> np.ndarray | float:
    """:math:`\\sum_t c_t z_t` of a stacked subset over the models' task means (0 for the paper's layout)."""
    columns = [c for c in subset.columns if str(c).startswith(TASK_MEAN_WEIGHT_PREFIX)]
    if not columns or subset.empty:
        return 0.0
    from analysis.regression import task_means

    code = {str(name): k for k, name in enumerate(data.task_names)}
    absent = [c.removeprefix(TASK_MEAN_WEIGHT_PREFIX) for c in columns if c.removeprefix(TASK_MEAN_WEIGHT_PREFIX)
              not in code]  # fmt: skip
    if absent:
        raise HumansError(
            f"the subset's human score weighs the model's mean on task {absent[0]!r}, which the item scores lack "
            f"({len(absent)} of {len(columns)} tasks absent); score the models on the full benchmark."
        )
    weighed = np.isin(data.task_codes, [code[c.removeprefix(TASK_MEAN_WEIGHT_PREFIX)] for c in columns])
    n_items = int(weighed.sum())
    remedy = (
        "score the models on the full benchmark the subset was fitted on, or use a subset fitted with --regressor "
        "ridge (a score from the subset's items alone)."
    )
    if TASK_ITEMS_COLUMN in subset.columns and n_items != int(subset[TASK_ITEMS_COLUMN].iloc[0]):
        raise HumansError(
            f"the subset's human score weighs the model's mean on each task of the full benchmark, but the item "
            f"scores hold {n_items} of its {int(subset[TASK_ITEMS_COLUMN].iloc[0])} items; {remedy}"
        )
    if TASK_ITEMS_FINGERPRINT_COLUMN in subset.columns and items_fingerprint(data.items[weighed]) != str(
        subset[TASK_ITEMS_FINGERPRINT_COLUMN].iloc[0]
    ):
        raise HumansError(
            f"the subset's human score weighs the model's mean on each task of the full benchmark, and the item "
            f"scores hold {n_items} items of those tasks, but not the same ones (their ids differ); {remedy}"
        )
    means = task_means(data)
    weights = np.array([float(pd.to_numeric(subset[c]).iloc[0]) for c in columns])
    return means[:, [code[c.removeprefix(TASK_MEAN_WEIGHT_PREFIX)] for c in columns]] @ weights
