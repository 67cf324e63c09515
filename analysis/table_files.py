"""Reading tables from files (CSV, TSV, Parquet): the one place where a file becomes a DataFrame.

Every reader of the project (benchmark results, human scores, subset files, vote tables, the output folder of
``humans select``) goes through :func:`read_table`, so every read problem reads the same way: the path, what is
wrong, what to do — ``votes.tsv: cannot be read as tsv (ParserError: ...); check the file.``
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import HumansError

__all__ = ["TABLE_SUFFIXES", "read_table"]

#: File suffixes read as tables, and their format.
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: str | Path, *, dtype: dict | None = None) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file (by its suffix), turning every read problem into a :class:`HumansError`.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv``, ``.parquet`` or ``.pq`` file.
    dtype : dict, optional
        Column types for CSV/TSV (e.g. ``{"item": str}`` to keep item ids as text).

    Returns
    -------
    DataFrame

    Raises
    ------
    HumansError
        ``<path>: no such file; check the path.``, ``<path>: unknown file type ...`` or
        ``<path>: cannot be read as <format> (<reason>); check the file.``

    Examples
    --------
    >>> read_table("nowhere.csv")
    Traceback (most recent call last):
    ...
    analysis.errors.HumansError: nowhere.csv: no such file; check the path.
    """
    path = Path(path)
    if not path.is_file():
        raise HumansError(f"{path}: no such file; check the path.")
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise HumansError(f"{path}: unknown file type {path.suffix!r}; use .csv, .tsv or .parquet.")
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if kind == "tsv" else ",", dtype=dtype)
    except Exception as exc:  # parser errors of pandas and pyarrow come in many classes
        raise HumansError(f"{path}: cannot be read as {kind} ({type(exc).__name__}: {exc}); check the file.") from exc
