"""The output folder of ``humans select``: written after the evaluation, read back for the report.

Layout (one writer, one reader, so the two cannot drift apart):

``results.csv``
    one row per method, size and seed (:attr:`analysis.evaluation.SelectionEvaluation.results`);
``summary.csv``
    mean and sd over seeds per method and size;
``predictions.csv``
    out-of-fold estimates (and intervals) per model;
``human_baselines.csv``
    with human scores: the raw full score and the full-benchmark regression;
``subsets/<method>/n<size>.csv`` and ``subsets/<method>/README.md``
    HUMANS subset files fitted on all models, one dataset per method with one split per size (the paper's released
    layout, :func:`analysis.humans_format.write_subset_splits`; ``datasets.load_dataset`` and ``humans
    apply-subset`` read it); folders written by older versions as ``subsets/<method>_<size>.csv`` are still read;
``correlation_vs_size.png``, ``human_correlation_vs_size.png``
    the summary plotted against subset size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import HumansError
from analysis.evaluation import SelectionEvaluation
from analysis.humans_format import list_subset_splits, split_size, write_subset_splits
from analysis.humans_subset import read_subset
from analysis.selection_plot import plot_selection
from analysis.table_files import read_table

__all__ = ["SelectionResults", "read_selection_results", "write_selection_results"]

_SUBSET_NAME = re.compile(r"^(?P<method>.+)_(?P<size>\d+)$")
_RESULT_COLUMNS = ("method", "size", "seed", "pearson")


@dataclass(frozen=True)
class SelectionResults:
    """What ``humans select`` wrote.

    Attributes
    ----------
    results : DataFrame
        ``results.csv``: one row per method, size and seed (``pearson``, ``spearman``, ``kendall``, ``mae`` and,
        with human scores, the same with a ``human_`` prefix).
    predictions : DataFrame or None
        ``predictions.csv``: out-of-fold estimates per model.
    baselines : DataFrame or None
        ``human_baselines.csv``: agreement of the raw full score and of a task-mean regression with the human score.
    subsets : dict
        ``(method, size) -> subset table`` from ``subsets/<method>/n<size>.csv`` (or the flat
        ``subsets/<method>_<size>.csv`` of folders written by older versions).
    source : str
        The folder, for captions.
    """

    results: pd.DataFrame
    predictions: pd.DataFrame | None = None
    baselines: pd.DataFrame | None = None
    subsets: dict[tuple[str, int], pd.DataFrame] = field(default_factory=dict)
    source: str = "selection results"

    def summary(self) -> pd.DataFrame:
        """Mean and sd over seeds per (method, size) (:meth:`analysis.evaluation.SelectionEvaluation.summary`)."""
        return SelectionEvaluation(self.results, pd.DataFrame()).summary()

    @property
    def has_human(self) -> bool:
        """Whether the selection was run with human scores (``human_*`` columns)."""
        return "human_pearson" in self.results.columns


def _read_csv(path: Path, required: bool) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            raise HumansError(f"{path}: not found; pass the --out folder of `humans select` (it holds results.csv).")
        return None
    return read_table(path)


def read_selection_results(folder: str | Path) -> SelectionResults:
    """Read ``results.csv`` (required), ``predictions.csv``, ``human_baselines.csv`` and the subsets.

    Raises
    ------
    HumansError
        When the folder or ``results.csv`` is missing or lacks the columns ``humans select`` writes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise HumansError(f"{folder}: no such folder; pass the --out folder of `humans select`.")
    results = _read_csv(folder / "results.csv", required=True)
    missing = [c for c in _RESULT_COLUMNS if c not in results.columns]
    if missing or results.empty:
        raise HumansError(
            f"{folder / 'results.csv'}: missing column(s) {', '.join(missing) or '(no rows)'}; it is not the "
            "results.csv of `humans select`."
        )
    subsets = {}
    for method_dir in sorted(p for p in (folder / "subsets").glob("*") if p.is_dir()):  # the paper's n<size> splits
        for split in list_subset_splits(method_dir):
            if split_size(split) is not None:
                subsets[method_dir.name, split_size(split)] = read_subset(method_dir, split)
    for path in sorted((folder / "subsets").glob("*.csv")):  # older folders: flat <method>_<size>.csv
        match = _SUBSET_NAME.match(path.stem)
        if match and (match["method"], int(match["size"])) not in subsets:
            subsets[match["method"], int(match["size"])] = read_subset(path)
    return SelectionResults(
        results=results,
        predictions=_read_csv(folder / "predictions.csv", required=False),
        baselines=_read_csv(folder / "human_baselines.csv", required=False),
        subsets=subsets,
        source=str(folder),
    )


def write_selection_results(
    folder: str | Path,
    evaluation: SelectionEvaluation,
    subsets: dict[tuple[str, int], pd.DataFrame],
    baselines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Write the output folder of ``humans select`` (see the module docstring); returns the summary table.

    Raises
    ------
    HumansError
        When the folder cannot be written.
    """
    folder = Path(folder)
    summary = evaluation.summary()
    try:
        (folder / "subsets").mkdir(parents=True, exist_ok=True)
        evaluation.results.to_csv(folder / "results.csv", index=False)
        summary.to_csv(folder / "summary.csv", index=False)
        evaluation.predictions.to_csv(folder / "predictions.csv", index=False)
        for method in dict.fromkeys(m for m, _ in subsets):  # one dataset per method, one split per size
            tables = {size: table for (m, size), table in subsets.items() if m == method}
            write_subset_splits(tables, folder / "subsets" / method, title=f"HUMANS subsets chosen by {method}")
        plot_selection(summary, folder / "correlation_vs_size.png")
        if baselines is not None:
            baselines.to_csv(folder / "human_baselines.csv", index=False)
            plot_selection(
                summary,
                folder / "human_correlation_vs_size.png",
                metric="human_pearson",
                title="Cross-validated Pearson of the subset regression with the human score",
            )
    except OSError as exc:
        raise HumansError(f"{folder}: cannot write the results ({exc.strerror}); choose a writable folder.") from exc
    return summary
