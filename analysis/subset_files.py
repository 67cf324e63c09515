"""The HUMANS subset files of an evaluation: one per method and size, ``auto`` included, with intervals.

Each file is fitted on all models (:func:`analysis.humans_subset.fit_humans_subsets`). ``auto``'s file uses the
choice that ``auto`` makes on all models by the same nested procedure as in every fold
(:func:`analysis.evaluation.choose_auto`; with human scores, the method whose regression predicts them best). With
an interval level, every file also carries split-conformal half-widths from the evaluation's cross-validated
residuals of that method and size (seed 0) over all models (:mod:`analysis.subset_intervals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.benchmark_data import BenchmarkData
from analysis.evaluation import AUTO, SelectionEvaluation, choose_auto
from analysis.humans_subset import fit_humans_subsets
from analysis.subset_intervals import add_interval_columns

__all__ = ["fit_selection_subsets"]


def fit_selection_subsets(
    data: BenchmarkData,
    evaluation: SelectionEvaluation,
    methods: list[str],
    sizes: tuple[int, ...],
    *,
    human: np.ndarray | None = None,
    estimator: str | None = None,
    regressor: str = "stacked",
    average: str = "macro",
    interval_level: float | None = None,
) -> dict[tuple[str, int], pd.DataFrame]:
    """Subset table per (method, size) of ``methods`` (``auto`` included), with interval columns when asked.

    Returns
    -------
    dict mapping (method, size) to a subset table (:data:`analysis.humans_subset.SUBSET_COLUMNS`, plus
    :data:`analysis.subset_intervals.INTERVAL_COLUMNS` with ``interval_level``).
    """
    plain = [m for m in methods if m != AUTO]
    subsets = fit_humans_subsets(data, human, methods=plain, sizes=sizes, regressor=regressor, average=average)
    if AUTO in methods:
        choice = choose_auto(data, sizes, human=human, estimator=estimator, regressor=regressor, average=average)
        chosen = {size: (human_best if human is not None else best).method for size, (best, human_best) in
                  choice.items()}  # fmt: skip
        for method in dict.fromkeys(chosen.values()):  # one training set per chosen method, for all its sizes
            its_sizes = tuple(size for size, m in chosen.items() if m == method)
            tables = fit_humans_subsets(data, human, methods=[method], sizes=its_sizes, regressor=regressor,
                                        average=average)  # fmt: skip
            for size in its_sizes:
                subsets[AUTO, size] = tables[method, size].assign(chosen_method=method)
        subsets = {**{k: v for k, v in subsets.items() if k[0] != AUTO}, **{(AUTO, s): subsets[AUTO, s] for s in sizes}}
    if interval_level is None:
        return subsets
    pred = evaluation.predictions
    for (method, size), table in subsets.items():
        rows = pred[(pred["method"] == method) & (pred["size"] == size) & (pred["seed"] == 0)]
        bench = (rows["estimate"] - rows["full_score"]).to_numpy()
        hum = (rows["human_estimate"] - rows["human_score"]).to_numpy() if human is not None else None
        subsets[method, size] = add_interval_columns(table, interval_level, bench, hum)
    return subsets
