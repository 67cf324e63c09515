"""The HUMANS paper's released formats: subset files split by size, and the evaluator's results JSON.

**Subsets.** The released subsets are a Hugging Face dataset with one split per size (``n10``, ``n20``, ``n30``,
``n50``, ``n100``, ``n200``) and one row per item with the fields ``item_id, task, dataset, metric,
human_preference_weight, full_benchmark_weight, human_regression_bias`` (plus the item's inputs, which scoring
does not need). Later releases carry one weight and bias per human dimension
(``overall_human_preference_weight``, ``overall_human_regression_bias``, ...); the ``overall`` ones stand in for the
plain fields when those are absent, and every dimension gets its own score (``human_<dimension>_score``).
:func:`read_subset_source` reads one split from

* a file: ``.csv``, ``.jsonl`` / ``.json`` (JSON Lines or a JSON list of rows), ``.parquet``;
* a folder written by ``datasets.DatasetDict.save_to_disk`` (``dataset_dict.json`` and one Arrow folder per
  split) or ``Dataset.save_to_disk`` (one split);
* a folder of data files whose names give the split: ``n50.csv``, ``data/n50-00000-of-00001.parquet`` (the Hub's
  layout), ...

:func:`write_subset_splits` writes the subsets of one selection method in that layout: ``n<size>.csv`` per size
and a ``README.md`` whose YAML header maps the splits to the files, so ``datasets.load_dataset(folder,
split="n50")`` -- what the paper's evaluator calls -- loads them.

**Results.** The paper's evaluator saves one JSON file per evaluated model with a ``details`` list of
``{"item_id", "task", "dataset", "metric", "score", ...}``; :func:`read_evaluator_results` turns one or several of
them into the long item-score table (``model, item, task, dataset, metric, score``), the model named by a
``model`` key when the file has one, else by the file name.

Applied to a model's item scores :math:`s_i` the evaluator computes
:math:`\\text{human} = \\operatorname{clip}(b + \\sum_i w_i s_i, 0, 1)` and :math:`\\text{benchmark} = \\sum_i v_i
s_i` (:func:`analysis.humans_subset.apply_subset`).

References
----------
Gan, Held & Yang (2026), "Putting HUMANS first: Efficient LAM Evaluation with Human Preference Alignment";
the released evaluator is ``github.com/Woodygan/humans-benchmark`` (its layout is described here, not copied).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import HumansError
from analysis.table_files import TABLE_SUFFIXES, read_table

__all__ = [
    "SUBSET_COLUMNS",
    "list_subset_splits",
    "read_evaluator_results",
    "read_subset_source",
    "split_name",
    "split_size",
    "write_subset_splits",
]

#: Fields of a HUMANS subset, in the released order.
SUBSET_COLUMNS = (
    "item_id",
    "task",
    "dataset",
    "metric",
    "human_preference_weight",
    "full_benchmark_weight",
    "human_regression_bias",
)
_NUMERIC = ("human_preference_weight", "full_benchmark_weight", "human_regression_bias")
_SPLIT = re.compile(r"^n(\d+)$")
_SHARD = re.compile(r"-\d{5}-of-\d{5}$")
_DATA_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet", ".pq")
_DIMENSION_PREFIX = "overall_"
_DIMENSION_WEIGHT = re.compile(r"(?P<dim>[a-z][a-z0-9_]*?)_human_preference_weight")


def split_name(size: int) -> str:
    """The split that holds the subset of ``size`` items: ``n<size>`` (``split_name(50) == "n50"``)."""
    return f"n{int(size)}"


def split_size(split: str) -> int | None:
    """The size a split name stands for (``"n50"`` -> 50), None when it is not such a name."""
    match = _SPLIT.match(split)
    return int(match[1]) if match else None


def _read_file(path: Path) -> pd.DataFrame:
    """One data file as a table (item ids kept as text)."""
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:  # CSV, TSV, Parquet: the project's one table reader
        return read_table(path, dtype={"item_id": str, "item": str})
    try:
        if suffix == ".arrow":
            import pyarrow as pa

            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all().to_pandas()
        elif suffix in (".jsonl", ".json"):
            text = path.read_text(encoding="utf-8").strip()
            lines = text.splitlines()
            rows = json.loads(text) if text.startswith("[") else [json.loads(line) for line in lines if line]
            table = pd.DataFrame(rows)
        else:
            raise HumansError(f"{path}: unknown file type {suffix!r}; use .csv, .jsonl, .json or .parquet.")
    except FileNotFoundError as exc:
        raise HumansError(f"{path}: no such file; check the path.") from exc
    except Exception as exc:  # parser errors of pandas, pyarrow and json come in many classes
        kind = {".arrow": "Arrow", ".jsonl": "JSON Lines", ".json": "JSON"}[suffix]
        raise HumansError(f"{path}: cannot be read as {kind} ({type(exc).__name__}: {exc}); check the file.") from exc
    return table


def list_subset_splits(folder: str | Path) -> dict[str, list[Path]]:
    """The splits of a subset folder and the data files of each (see the module docstring for the layouts).

    Raises
    ------
    HumansError
        When the folder holds no data files.
    """
    folder = Path(folder)
    manifest = folder / "dataset_dict.json"
    if manifest.is_file():  # DatasetDict.save_to_disk
        splits = json.loads(manifest.read_text(encoding="utf-8")).get("splits", [])
        return {s: sorted((folder / s).glob("*.arrow")) for s in splits}
    if (folder / "state.json").is_file():  # Dataset.save_to_disk: one split, named by the folder
        return {folder.name: sorted(folder.glob("*.arrow"))}
    splits: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in _DATA_SUFFIXES and path.is_file() and not path.name.startswith("."):
            splits.setdefault(_SHARD.sub("", path.stem), []).append(path)
    if not splits:
        raise HumansError(
            f"{folder}: the folder holds no subset data (CSV, JSON Lines, Parquet, or a `save_to_disk` folder); "
            "point to a HUMANS subset file or dataset folder."
        )
    return splits


def _choose_split(splits: dict[str, list[Path]], split: str | None, source: Path) -> str:
    names = sorted(splits, key=lambda s: (split_size(s) is None, split_size(s) or 0, s))
    if split is not None:
        wanted = split_name(int(split)) if str(split).isdigit() else str(split)
        if wanted not in splits:
            raise HumansError(f"{source}: no split {wanted!r}; it holds {', '.join(names)}; choose one with --split.")
        return wanted
    if len(names) == 1:
        return names[0]
    raise HumansError(
        f"{source}: holds the splits {', '.join(names)}; choose one with --split (e.g. --split {names[0]})."
    )


def read_subset_source(path: str | Path, split: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """Read one split of a HUMANS subset from a file or a dataset folder, checked.

    Parameters
    ----------
    path : str or Path
        A subset file (CSV, JSON Lines, Parquet) or a dataset folder (see the module docstring).
    split : str, optional
        The split of a folder with several (``"n50"`` or ``"50"``); required only when there are several.

    Returns
    -------
    table : DataFrame
        The columns :data:`SUBSET_COLUMNS` (numbers as float, item ids as text), one row per item.
    split : str or None
        The split read (None for a single file).

    Raises
    ------
    HumansError
        Naming the file, the row or column, and what to do.
    """
    path = Path(path)
    if path.is_dir():
        splits = list_subset_splits(path)
        chosen = _choose_split(splits, split, path)
        files = splits[chosen]
        table = pd.concat([_read_file(f) for f in files], ignore_index=True) if files else pd.DataFrame()
        source = f"{path} (split {chosen})"
    elif path.exists():
        chosen, table, source = None, _read_file(path), str(path)
    else:
        raise HumansError(f"{path}: no such file; check the path.")
    return check_subset_table(table, source), chosen


def check_subset_table(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """The table's :data:`SUBSET_COLUMNS`, checked; ``item`` is read as ``item_id``, the ``overall_``
    per-dimension weights stand in for missing plain ones, and every ``<dimension>_human_preference_weight`` /
    ``<dimension>_human_regression_bias`` pair is kept (after the plain columns)."""
    table = table.copy()
    if "item_id" not in table.columns and "item" in table.columns:
        table = table.rename(columns={"item": "item_id"})
    for col in ("human_preference_weight", "human_regression_bias"):
        if col not in table.columns and _DIMENSION_PREFIX + col in table.columns:
            table[col] = table[_DIMENSION_PREFIX + col]
    missing = [c for c in SUBSET_COLUMNS if c not in table.columns]
    if missing:
        raise HumansError(
            f"{source}: missing column(s) {', '.join(missing)}; a HUMANS subset has {', '.join(SUBSET_COLUMNS)}."
        )
    if table.empty:
        raise HumansError(f"{source}: the subset has no items; point to a subset with at least one row.")
    for col in _NUMERIC:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if len(bad):
            raise HumansError(
                f"{source} row {bad[0] + 2}: {col} {table[col].iloc[bad[0]]!r} is not a number; fix the value."
            )
        table[col] = values.astype(float)
    dimensions = [c for c in table.columns if _DIMENSION_WEIGHT.fullmatch(str(c))]
    for weight in dimensions:
        bias = weight.replace("_human_preference_weight", "_human_regression_bias")
        if bias not in table.columns:
            raise HumansError(f"{source}: {weight} has no {bias}; a human dimension needs both.")
        for col in (weight, bias):
            values = pd.to_numeric(table[col], errors="coerce")
            if values.isna().any():
                row = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise HumansError(f"{source} row {row + 2}: {col} {table[col].iloc[row]!r} is not a number.")
            table[col] = values.astype(float)
    table["item_id"] = table["item_id"].astype(str)
    if table["item_id"].duplicated().any():
        dup = table["item_id"][table["item_id"].duplicated()].iloc[0]
        raise HumansError(f"{source}: item_id {dup!r} is listed twice; keep one row per item.")
    if table["human_regression_bias"].nunique() > 1:
        raise HumansError(f"{source}: human_regression_bias differs between rows; it is one number for the subset.")
    rest = [c for c in table.columns if c not in SUBSET_COLUMNS]  # dimensions, interval half-widths, inputs
    return table[[*SUBSET_COLUMNS, *rest]].reset_index(drop=True)


def write_subset_splits(tables: dict[int, pd.DataFrame], folder: str | Path, *, title: str = "HUMANS subsets") -> Path:
    """Write subsets of several sizes as one dataset: ``n<size>.csv`` per size and a ``README.md`` card.

    The card's YAML header declares one split per size and the fields' types, so
    ``datasets.load_dataset(str(folder), split="n50")`` returns the rows with ``item_id`` as text.

    Parameters
    ----------
    tables : dict
        ``size -> table`` with :data:`SUBSET_COLUMNS`.
    folder : str or Path
        Created when absent; files of the same names are replaced.
    title : str
        Heading of the card.

    Returns
    -------
    Path
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = sorted(tables)
    columns = list(SUBSET_COLUMNS) + [c for c in tables[sizes[0]].columns if c not in SUBSET_COLUMNS] if sizes else []
    for size in sizes:  # the released fields first, then any extra (e.g. interval half-widths)
        tables[size][columns].to_csv(folder / f"{split_name(size)}.csv", index=False)
    numeric = {c for c in columns if c in _NUMERIC or (sizes and pd.api.types.is_numeric_dtype(tables[sizes[0]][c]))}
    features = "".join(
        f"    - name: {json.dumps(str(c))}\n      dtype: {'float64' if c in numeric else 'string'}\n" for c in columns
    )
    data_files = "".join(f"      - split: {split_name(s)}\n        path: {split_name(s)}.csv\n" for s in sizes)
    card = (
        "---\n"
        f"dataset_info:\n  features:\n{features}"
        f"configs:\n  - config_name: default\n    data_files:\n{data_files}"
        "---\n\n"
        f"# {title}\n\n"
        "One split per subset size (`n<size>`), one row per item. Scores of a model on the items, `s_i`, give\n"
        "`human = clip(human_regression_bias + sum_i human_preference_weight_i * s_i, 0, 1)` and\n"
        "`benchmark = sum_i full_benchmark_weight_i * s_i`. Load a split with\n"
        f'`datasets.load_dataset("<this folder>", split="{split_name(sizes[0]) if sizes else "n50"}")` or score\n'
        "models with `humans apply-subset <this folder> ITEM_SCORES --split n<size>`.\n"
    )
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def _results_rows(path: Path) -> tuple[str, list[dict]]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HumansError(f"{path}: file not found; check the path.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HumansError(f"{path}: cannot be read as JSON ({exc}); give the evaluator's results file.") from exc
    details = payload.get("details") if isinstance(payload, dict) else None
    if not isinstance(details, list):
        raise HumansError(
            f"{path}: no 'details' list; an evaluator results file holds one entry per item with item_id and score."
        )
    model = str(payload.get("model") or payload.get("model_name") or path.stem)
    return model, details


def read_evaluator_results(paths: str | Path | list[Path]) -> pd.DataFrame:
    """Item scores from evaluator results JSON files (one model each) as a long table.

    Parameters
    ----------
    paths : path or list of paths
        Results files of the paper's evaluator: ``{"details": [{"item_id", "task", "dataset", "metric",
        "score"}, ...], ...}``. The model is the file's ``model`` (or ``model_name``) entry, else its name.

    Returns
    -------
    DataFrame
        ``model, item, task, dataset, metric, score``: one row per model and item. An item the evaluator could
        not score has score 0 in the file (the evaluator counts it so) and keeps it here.

    Raises
    ------
    HumansError
        When a file is not JSON, has no ``details`` list, an entry lacks ``item_id`` or ``score``, or two files
        name the same model.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    frames, seen = [], {}
    for path in paths:
        model, details = _results_rows(path)
        if model in seen:
            raise HumansError(f"{path}: model {model!r} is also in {seen[model]}; give each model one results file.")
        seen[model] = path
        for index, row in enumerate(details):
            if not isinstance(row, dict) or "item_id" not in row or "score" not in row:
                found = sorted(row) if isinstance(row, dict) else row
                raise HumansError(f"{path} details[{index}]: needs item_id and score; it has {found!r}.")
        frame = pd.DataFrame(details)
        frames.append(
            pd.DataFrame(
                {
                    "model": model,
                    "item": frame["item_id"].astype(str),
                    "task": frame.get("task", pd.Series("", index=frame.index)).fillna("").astype(str),
                    "dataset": frame.get("dataset", pd.Series("", index=frame.index)).fillna("").astype(str),
                    "metric": frame.get("metric", pd.Series("", index=frame.index)).fillna("").astype(str),
                    "score": pd.to_numeric(frame["score"], errors="coerce"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
