"""Item-level benchmark results: a models × items score matrix with the task of every item.

Three layouts are read (CSV or Parquet):

* **long**: one row per (model, item) with columns ``model, item, task, score`` and optionally ``dataset`` and
  ``metric``;
* **wide**: first column = model, then one column per item; every item belongs to one task named after the file;
* **a folder of wide CSV/Parquet files**, one per task (file stem = task), all with the same models.

Scores must lie in [0, 1]. The full-benchmark score of a model is the macro average over tasks (the mean of the
task means) or, as an option, the micro average over items. Both are a weighted sum of item scores,
:math:`S_m = \\sum_j v_j s_{mj}`, with :math:`v_j = 1 / (T\\,n_{t(j)})` (macro) or :math:`v_j = 1/n` (micro).

Missing scores (an empty cell, or no row for a model and item in a long table) are kept as NaN: real leaderboards
have gaps. A model's full score is then taken over the items it has, each task keeping its weight
(:func:`analysis.missing.observed_full_score`); every model and every item needs at least one score.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import HumansError
from analysis.missing import observed_full_score, row_sums
from analysis.table_files import read_table

__all__ = ["AVERAGES", "SCORE_DTYPE", "BenchmarkData", "from_long", "from_wide", "load_benchmark"]

#: The two ways to average item scores into a full-benchmark score.
AVERAGES = ("macro", "micro")
#: Storage type of item scores (exact for 0/1 scores; about 7 significant digits otherwise).
SCORE_DTYPE = np.float32
_LONG_REQUIRED = ("model", "item", "task", "score")
_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass(frozen=True)
class BenchmarkData:
    """Item scores of several models, with the task (and optionally dataset and metric) of every item.

    Attributes
    ----------
    scores : ndarray of shape (n_models, n_items), float32
        Item scores in [0, 1], NaN where missing (float32, :data:`SCORE_DTYPE`: 4,000 models × 30,000 items take
        480 MB; reductions over items are done in float64).
    models : ndarray of shape (n_models,), str
        Model names, unique.
    items : ndarray of shape (n_items,), str
        Item ids, unique.
    tasks : ndarray of shape (n_items,), str
        Task of each item.
    datasets, metrics : ndarray of shape (n_items,), str
        Dataset and metric of each item (the task and ``"score"`` when the input does not name them).
    """

    scores: np.ndarray
    models: np.ndarray
    items: np.ndarray
    tasks: np.ndarray
    datasets: np.ndarray = field(default=None)  # type: ignore[assignment]
    metrics: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.scores.dtype != SCORE_DTYPE:  # item scores are stored in float32: half the memory of float64
            object.__setattr__(self, "scores", np.asarray(self.scores, dtype=SCORE_DTYPE))
        if self.datasets is None:
            object.__setattr__(self, "datasets", self.tasks)
        if self.metrics is None:
            object.__setattr__(self, "metrics", np.full(len(self.items), "score", dtype=object))

    @property
    def n_models(self) -> int:
        """Number of models (rows)."""
        return self.scores.shape[0]

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return self.scores.shape[1]

    @property
    def task_names(self) -> np.ndarray:
        """The distinct tasks, in order of first appearance."""
        _, first = np.unique(self.tasks, return_index=True)
        return self.tasks[np.sort(first)]

    @property
    def task_codes(self) -> np.ndarray:
        """Integer code of each item's task (index into :attr:`task_names`)."""
        names = self.task_names
        lookup = {name: code for code, name in enumerate(names)}
        return np.fromiter((lookup[t] for t in self.tasks), dtype=np.intp, count=self.n_items)

    def item_weights(self, average: str = "macro") -> np.ndarray:
        """Weights :math:`v_j` such that the full score is ``scores @ v`` (they sum to 1).

        Parameters
        ----------
        average : {"macro", "micro"}, default "macro"
            ``macro``: every task counts equally, :math:`v_j = 1/(T n_{t(j)})`; ``micro``: every item counts
            equally, :math:`v_j = 1/n`.
        """
        _check_average(average)
        if average == "micro":
            return np.full(self.n_items, 1.0 / self.n_items)
        codes = self.task_codes
        counts = np.bincount(codes)
        return 1.0 / (len(counts) * counts[codes])

    def full_score(self, average: str = "macro") -> np.ndarray:
        """Full-benchmark score of every model, shape (n_models,): :math:`S_m = \\sum_j v_j s_{mj}`.

        With missing scores, the score over each model's observed items (tasks keep their weights).
        """
        if self.has_missing:
            return observed_full_score(self.scores, self.item_weights(average), self.task_codes)
        return row_sums(self.scores, self.item_weights(average))

    @property
    def has_missing(self) -> bool:
        """Whether any score is missing (NaN)."""
        return bool(np.isnan(self.scores).any())

    def select_models(self, pattern: str | None, min_models: int = 3) -> BenchmarkData:
        """The models whose name matches the regular expression ``pattern`` (``re.search``); all when None.

        Raises
        ------
        HumansError
            When the pattern is not a valid regular expression or matches fewer than ``min_models`` models.
        """
        if pattern is None:
            return self
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise HumansError(f"model filter {pattern!r} is not a valid regular expression ({exc}); fix it.") from exc
        keep = np.array([bool(regex.search(str(m))) for m in self.models])
        if keep.sum() < min_models:
            raise HumansError(
                f"model filter {pattern!r} matches {int(keep.sum())} of {self.n_models} models; at least "
                f"{min_models} are needed (models look like {', '.join(map(str, self.models[:3]))})."
            )
        return self.take_models(np.flatnonzero(keep))

    def take_models(self, index: np.ndarray) -> BenchmarkData:
        """The rows ``index`` (integer positions), same items."""
        return BenchmarkData(
            np.ascontiguousarray(self.scores[index]),
            self.models[index],
            self.items,
            self.tasks,
            self.datasets,
            self.metrics,
        )

    def take_items(self, index: np.ndarray) -> BenchmarkData:
        """The columns ``index`` (integer positions), same models."""
        return BenchmarkData(
            np.ascontiguousarray(self.scores[:, index]),
            self.models,
            self.items[index],
            self.tasks[index],
            self.datasets[index],
            self.metrics[index],
        )

    def to_long(self) -> pd.DataFrame:
        """The long table ``model, item, task, dataset, metric, score``."""
        n_models, n_items = self.scores.shape
        return pd.DataFrame(
            {
                "model": np.repeat(self.models, n_items),
                "item": np.tile(self.items, n_models),
                "task": np.tile(self.tasks, n_models),
                "dataset": np.tile(self.datasets, n_models),
                "metric": np.tile(self.metrics, n_models),
                "score": self.scores.ravel(),
            }
        )


def _check_average(average: str) -> None:
    if average not in AVERAGES:
        raise HumansError(f"average {average!r} is not one of {', '.join(AVERAGES)}; pick one of them.")


def _check_range(scores: np.ndarray, source: str, models: np.ndarray, items: np.ndarray) -> None:
    """Raise when a score is outside [0, 1] (naming up to three cells), or a model or item has no score at all."""
    missing = np.isnan(scores)
    if missing.any():
        for axis, names, what in ((1, models, "model"), (0, items, "item")):
            empty = np.flatnonzero(missing.all(axis=axis))
            if len(empty):
                raise HumansError(
                    f"{source}: {what} {names[empty[0]]!r} has no score at all ({len(empty)} such {what}s); "
                    f"drop it or add its scores."
                )
    bad = ~((scores >= 0.0) & (scores <= 1.0) | missing)
    if not bad.any():
        return
    rows, cols = np.nonzero(bad)
    shown = "; ".join(
        f"model {models[r]!r} item {items[c]!r} = {float(scores[r, c])!r}"
        for r, c in zip(rows[:3], cols[:3], strict=True)
    )
    raise HumansError(f"{source}: {len(rows)} score(s) are outside [0, 1] ({shown}); rescale them to [0, 1].")


def from_wide(frame: pd.DataFrame, task: str, source: str = "wide table") -> BenchmarkData:
    """Benchmark data from a wide table: first column = model, one column per item, all items of ``task``."""
    if frame.shape[1] < 2:
        raise HumansError(f"{source}: a wide table needs a model column and at least one item column.")
    models = frame.iloc[:, 0].astype(str).to_numpy(dtype=object)
    items = np.asarray(frame.columns[1:].astype(str), dtype=object)
    try:
        scores = frame.iloc[:, 1:].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise HumansError(f"{source}: item columns must hold numbers in [0, 1] ({exc}); fix the cells.") from exc
    return from_wide_arrays(scores, models, items, task, source)


def from_long(frame: pd.DataFrame, source: str = "long table") -> BenchmarkData:
    """Benchmark data from a long table with columns ``model, item, task, score`` [+ ``dataset``, ``metric``]."""
    missing = [c for c in _LONG_REQUIRED if c not in frame.columns]
    if missing:
        raise HumansError(
            f"{source}: missing column(s) {', '.join(missing)}; a long table needs model, item, task, score "
            "(a wide table has the model in its first column and one column per item)."
        )
    score = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=np.float64)
    blank = frame["score"].isna().to_numpy()  # an empty score is a missing score, text is an error
    bad = np.flatnonzero(~((score >= 0.0) & (score <= 1.0) | blank))
    if len(bad):
        rows = ", ".join(str(int(r) + 2) for r in bad[:5])  # +2: header line and 1-based rows
        raise HumansError(
            f"{source} row(s) {rows}: score {frame['score'].tolist()[bad[0]]!r} is missing or outside [0, 1] "
            f"({len(bad)} such rows); rescale scores to [0, 1]."
        )
    dup = frame.duplicated(["model", "item"], keep="first").to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise HumansError(
            f"{source} row {r + 2}: model {frame['model'].iloc[r]!r} item {frame['item'].iloc[r]!r} appears "
            "twice; keep one score per model and item."
        )
    model_codes, models = pd.factorize(frame["model"].astype(str))
    item_codes, items = pd.factorize(frame["item"].astype(str))
    scores = np.full((len(models), len(items)), np.nan)  # a model without a row for an item: missing
    scores[model_codes, item_codes] = score
    _check_range(scores, source, np.asarray(models, dtype=object), np.asarray(items, dtype=object))
    first = np.unique(item_codes, return_index=True)[1]  # first row of each item code, codes are 0..n-1 in order

    def per_item(column: str, default: np.ndarray | None) -> np.ndarray | None:
        if column not in frame.columns:
            return default
        return frame[column].astype(str).to_numpy(dtype=object)[first]

    tasks = per_item("task", None)
    return BenchmarkData(
        scores,
        np.asarray(models, dtype=object),
        np.asarray(items, dtype=object),
        tasks,
        per_item("dataset", None),
        per_item("metric", None),
    )


def _check_unique(values: np.ndarray, what: str, source: str) -> None:
    uniq, counts = np.unique(values, return_counts=True)
    if (counts > 1).any():
        raise HumansError(f"{source}: {what} {uniq[counts > 1][0]!r} appears more than once; make {what}s unique.")


def _read_wide_csv_fast(path: Path, task: str) -> BenchmarkData | None:
    """Parse a plain numeric wide CSV straight into float32 (pandas needs ~0.3 s per 3,000 columns and float64).

    Cells are found by their separators in the raw bytes: an empty cell is a missing score, a one-character cell a
    digit, and only longer cells (decimals) go through Python's float. Returns None when the file is not a simple
    wide table (quoted cells, a long table, ragged rows, text cells), so the caller falls back to the general
    reader and its error messages.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    header, _, body = raw.partition(b"\n")
    names = next(csv.reader([header.decode("utf-8-sig").rstrip("\r")]))
    if len(names) < 2 or set(_LONG_REQUIRED) <= set(names) or b'"' in body:
        return None
    models, rest = [], []
    for line in body.splitlines():
        if line.strip():
            model, _, values = line.partition(b",")
            models.append(model.decode("utf-8"))
            rest.append(values)
    if not rest:
        return None
    scores = _parse_cells(b"\n".join(rest) + b"\n", len(rest), len(names) - 1)
    if scores is None:
        return None
    return from_wide_arrays(scores, models, names[1:], task, str(path))


def _parse_cells(blob: bytes, n_rows: int, n_cols: int) -> np.ndarray | None:
    """``n_rows`` lines of ``n_cols`` comma-separated numbers (each line ending in a newline) as float32; empty
    cells are NaN. None when a row has another number of cells or a cell is not a number."""
    arr = np.frombuffer(blob, dtype=np.uint8)
    ends = np.flatnonzero((arr == 44) | (arr == 10))  # the separator after each cell
    if len(ends) != n_rows * n_cols or not (arr[ends[n_cols - 1 :: n_cols]] == 10).all():
        return None
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    length = ends - starts
    del ends
    out = np.full(len(starts), np.nan, dtype=SCORE_DTYPE)
    one = np.flatnonzero(length == 1)
    digit = arr[starts[one]] - 48
    if (digit > 9).any():  # uint8: a character below '0' wraps around too
        return None
    out[one] = digit
    longer = np.flatnonzero(length > 1)
    if len(longer):
        try:
            out[longer] = [float(blob[starts[i] : starts[i] + length[i]]) for i in longer]
        except ValueError:
            return None
    return out.reshape(n_rows, n_cols)


def from_wide_arrays(scores: np.ndarray, models, items, task: str, source: str) -> BenchmarkData:
    """Benchmark data from a score matrix with model and item names, all items of ``task`` (validated)."""
    models = np.asarray(models, dtype=object)
    items = np.asarray(items, dtype=object)
    _check_unique(models, "model", source)
    _check_unique(items, "item", source)
    _check_range(scores, source, models, items)
    return BenchmarkData(scores, models, items, np.full(len(items), task, dtype=object))


def _read_wide(path: Path, task: str) -> BenchmarkData:
    if path.suffix.lower() == ".csv":
        fast = _read_wide_csv_fast(path, task)
        if fast is not None:
            return fast
    frame = read_table(path)
    return from_long(frame, source=str(path)) if _is_long(frame) else from_wide(frame, task, str(path))


def _is_long(frame: pd.DataFrame) -> bool:
    return all(c in frame.columns for c in _LONG_REQUIRED)


def _concat_tasks(parts: list[BenchmarkData], source: str) -> BenchmarkData:
    """Side-by-side concatenation of per-task tables that hold the same models (rows aligned by name)."""
    models = parts[0].models
    blocks = []
    for part in parts:
        if len(part.models) != len(models) or not np.array_equal(part.models, models):
            if set(part.models) != set(models):
                extra = sorted(set(part.models) ^ set(models))[:3]
                raise HumansError(
                    f"{source}: task {part.tasks[0]!r} has different models than task {parts[0].tasks[0]!r} "
                    f"(e.g. {', '.join(map(repr, extra))}); every file needs the same models."
                )
            order = pd.Index(part.models).get_indexer(models)
            part = part.take_models(order)
        blocks.append(part)
    items = np.concatenate([p.items for p in blocks])
    _check_unique(items, "item", source)
    return BenchmarkData(
        np.hstack([p.scores for p in blocks]),
        models,
        items,
        np.concatenate([p.tasks for p in blocks]),
        np.concatenate([p.datasets for p in blocks]),
        np.concatenate([p.metrics for p in blocks]),
    )


def load_benchmark(path: str | Path, models: str | None = None, *, min_models: int = 2) -> BenchmarkData:
    """Load item-level benchmark results from a long or wide table, or from a folder of wide tables.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.parquet`` file (long if it has columns ``model, item, task, score``, wide otherwise, in
        which case the task is the file stem), or a folder of wide files, one per task (file stem = task); or the
        HUMANS evaluator's results ``.json`` (a folder of them: one model each; see
        :func:`analysis.humans_format.read_evaluator_results`).
    models : str, optional
        Regular expression; keep only the models whose name matches (``re.search``).
    min_models : int, default 2
        Fewest models accepted (1 to score a single new model with a subset).

    Returns
    -------
    BenchmarkData

    Raises
    ------
    HumansError
        When the path is missing, a file cannot be parsed, scores are outside [0, 1] or missing, or files
        disagree on the models.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"model": ["a", "b", "c"], "q1": [1, 0, 1], "q2": [1, 1, 0]})
    >>> table.to_csv(folder / "qa.csv", index=False)
    >>> data = load_benchmark(folder)
    >>> data.scores.shape, list(data.tasks)
    ((3, 2), ['qa', 'qa'])
    """
    path = Path(path)
    if path.is_dir() and not any(p.suffix.lower() in _TABLE_SUFFIXES for p in path.iterdir()):
        results = sorted(path.glob("*.json"))
    else:
        results = [path] if path.suffix.lower() == ".json" else []
    if results:  # the HUMANS evaluator's results files, one model each
        from analysis.humans_format import read_evaluator_results

        data = from_long(read_evaluator_results(results), source=str(path))
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _TABLE_SUFFIXES)
        if not files:
            raise HumansError(
                f"{path}: the folder holds no .csv or .parquet files (nor results .json of the HUMANS evaluator); "
                "point to item-level results."
            )
        parts = [_read_wide(file, file.stem) for file in files]
        data = parts[0] if len(parts) == 1 else _concat_tasks(parts, str(path))
    elif path.exists():
        data = _read_wide(path, path.stem)
    else:
        raise HumansError(f"{path}: no such file or folder; give a long/wide CSV or Parquet file or a folder of them.")
    if data.n_models < min_models:
        raise HumansError(f"{path}: found {data.n_models} model(s); at least {min_models} are needed.")
    return data.select_models(models, min_models=min_models)
