"""Read a CSV of human scores per model (what ``humans scores`` writes, or any model + one numeric column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import HumansError
from analysis.table_files import read_table

__all__ = ["align_human_scores", "read_human_scores"]


def read_human_scores(path: str | Path) -> pd.Series:
    """Human score per model from a CSV.

    The model column is ``model`` (else the first column); the score column is ``human_score`` when present,
    else the only other numeric column.

    Returns
    -------
    Series indexed by model name.
    """
    path = Path(path)
    table = read_table(path)
    if table.shape[1] < 2 or table.empty:
        raise HumansError(f"{path}: needs a model column and a numeric score column, one row per model.")
    model_col = "model" if "model" in table.columns else table.columns[0]
    if "human_score" in table.columns:
        score_col = "human_score"
    else:
        numeric = [c for c in table.columns if c != model_col and pd.api.types.is_numeric_dtype(table[c])]
        if len(numeric) != 1:
            raise HumansError(
                f"{path}: found {len(numeric)} numeric columns ({', '.join(map(str, numeric)) or 'none'}); name the "
                "one to use human_score or keep just model and one numeric column."
            )
        score_col = numeric[0]
    scores = pd.to_numeric(table[score_col], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(scores.to_numpy(float)))
    if len(bad):
        raise HumansError(f"{path} row {bad[0] + 2}: {score_col} {table[score_col].iloc[bad[0]]!r} is not a number.")
    models = table[model_col].astype(str)
    if models.duplicated().any():
        raise HumansError(f"{path}: model {models[models.duplicated()].iloc[0]!r} appears twice; keep one row each.")
    return pd.Series(scores.to_numpy(float), index=models.to_numpy(), name=score_col)


def align_human_scores(scores: pd.Series, models: np.ndarray, source: str = "human scores") -> np.ndarray:
    """Human scores in the order of ``models``; raises when a model has none."""
    missing = [m for m in models if m not in scores.index]
    if missing:
        raise HumansError(
            f"{source}: no score for {len(missing)} of the {len(models)} benchmark models (e.g. {missing[0]!r}); "
            "add them or filter the benchmark with --models."
        )
    return scores.loc[list(models)].to_numpy(float)
