"""Plot of agreement with the full benchmark (or human scores) against subset size, one line per method.

Matplotlib's object API with the Agg canvas (no pyplot, no global backend switch, no display needed). Colours:
Paul Tol's colour-blind-safe "muted" scheme, with a distinct marker per method so lines stay apart in greyscale.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["PALETTE", "plot_selection"]

#: Paul Tol's "muted" qualitative scheme (colour-blind safe), plus its pale grey for the tenth line.
PALETTE = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#777777",
)
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "<", ">", "*")


def plot_selection(summary: pd.DataFrame, path: str | Path, metric: str = "pearson", title: str | None = None) -> Path:
    """Write a PNG of ``metric`` (mean ± sd over seeds) against subset size, one line per method.

    Parameters
    ----------
    summary : DataFrame
        :meth:`analysis.evaluation.SelectionEvaluation.summary` (columns ``method, size, <metric>, <metric>_sd``).
    path : str or Path
        Output file (``.png``).
    metric : str, default "pearson"
        Column to plot (e.g. ``spearman``, ``human_pearson``).
    title : str, optional

    Returns
    -------
    Path
    """
    fig = Figure(figsize=(7.5, 4.8), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    plain = 0
    for method, grp in summary.groupby("method", sort=False):
        # auto (the nested cross-validation's choice) in black and bold; the methods cycle through the palette
        i, plain = plain, plain + (method != "auto")
        grp = grp.sort_values("size")
        sd = grp.get(f"{metric}_sd", pd.Series(0.0, index=grp.index)).fillna(0.0)
        ax.errorbar(
            grp["size"],
            grp[metric],
            yerr=sd,
            label=method,
            color="black" if method == "auto" else PALETTE[i % len(PALETTE)],
            marker="o" if method == "auto" else _MARKERS[i % len(_MARKERS)],
            markersize=4,
            linewidth=2.4 if method == "auto" else 1.4,
            capsize=2,
        )
    ax.set_xscale("log")
    sizes = sorted(summary["size"].unique())
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("subset size (items)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.grid(alpha=0.3)
    label = metric.replace("_", " ").replace("pearson", "Pearson").replace("spearman", "Spearman")
    ax.set_title(title or f"{label} with the full score vs subset size (cross-validated over models)")
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    return path
