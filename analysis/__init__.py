"""Pure analysis library: preference scores, agreement, correlations and benchmark subsets.

Imports only numpy, pandas, scipy and scikit-learn (never gradio, sqlite or ``annotation_app``). The most used
functions and classes are re-exported here; each lives in a module named for what it is.

Examples
--------
>>> import pandas as pd
>>> from analysis import bt_scores
>>> votes = pd.DataFrame({"model_a": ["x", "x", "y"], "model_b": ["y", "y", "x"],
...                       "winner": ["model_a", "tie", "model_a"]})
>>> list(bt_scores(votes).table["model"])
['x', 'y']
"""

from importlib import import_module
from typing import Any

from analysis.errors import HumansError

# Public name -> (module, attribute). Resolved on first use (PEP 562), so that ``import analysis.errors``, which
# every command line start does, does not pay for scipy, scikit-learn and matplotlib.
_EXPORTS = {
    "BenchmarkData": ("analysis.benchmark_data", "BenchmarkData"),
    "load_benchmark": ("analysis.benchmark_data", "load_benchmark"),
    "BTScores": ("analysis.bradley_terry", "BTScores"),
    "bt_scores": ("analysis.bradley_terry", "bt_scores"),
    "elo_scale": ("analysis.bradley_terry", "elo_scale"),
    "human_scores": ("analysis.bradley_terry", "human_scores"),
    "bt_controlled": ("analysis.bt_covariates", "bt_controlled"),
    "counts_from_matrix": ("analysis.comparisons", "counts_from_matrix"),
    "pair_counts": ("analysis.comparisons", "pair_counts"),
    "correlate": ("analysis.correlation", "correlate"),
    "agreement": ("analysis.diagnostics", "agreement"),
    "position_bias": ("analysis.diagnostics", "position_bias"),
    "win_rate_matrix": ("analysis.diagnostics", "win_rate_matrix"),
    "evaluate_selection": ("analysis.evaluation", "evaluate_selection"),
    "apply_subset": ("analysis.humans_subset", "apply_subset"),
    "fit_humans_subsets": ("analysis.humans_subset", "fit_humans_subsets"),
    "read_subset": ("analysis.humans_subset", "read_subset"),
    "IRT2PL": ("analysis.irt", "IRT2PL"),
    "likert_scores": ("analysis.likert", "likert_scores"),
    "compare_human_regression": ("analysis.regression", "compare_human_regression"),
    "SELECTION_METHODS": ("analysis.selection", "METHODS"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
    return getattr(import_module(module), attribute)


__all__ = [
    "IRT2PL",
    "SELECTION_METHODS",
    "BTScores",
    "BenchmarkData",
    "HumansError",
    "agreement",
    "apply_subset",
    "bt_controlled",
    "bt_scores",
    "compare_human_regression",
    "correlate",
    "counts_from_matrix",
    "elo_scale",
    "evaluate_selection",
    "fit_humans_subsets",
    "human_scores",
    "likert_scores",
    "load_benchmark",
    "pair_counts",
    "position_bias",
    "read_subset",
    "win_rate_matrix",
]
