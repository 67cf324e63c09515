"""Figures of the admin dashboard (matplotlib, colour-blind-safe): the leaderboard's forest plot and the win-rate
heatmap. Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["OKABE_ITO", "forest_plot", "win_rate_heatmap"]

#: The Okabe–Ito palette (distinguishable with every common colour-vision deficiency).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def forest_plot(board: pd.DataFrame, level: float = 0.95) -> Figure:
    """Elo-scale scores with their intervals, best model on top.

    Parameters
    ----------
    board : DataFrame
        ``model``, ``theta``, ``theta_low``, ``theta_high`` (natural-log scale), best first.
    level : float
        Confidence level, for the axis label.
    """
    scale = 400.0 / np.log(10.0)
    n = len(board)
    fig = Figure(figsize=(6.4, 0.45 * n + 1.3), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    centre = 1000.0 + scale * board["theta"].to_numpy(float)
    low = 1000.0 + scale * board["theta_low"].to_numpy(float)
    high = 1000.0 + scale * board["theta_high"].to_numpy(float)
    ax.hlines(y, low, high, color=OKABE_ITO[0], linewidth=2.5)
    ax.plot(centre, y, "o", color=OKABE_ITO[3], markersize=7, zorder=3)
    ax.axvline(1000.0, color="0.6", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, board["model"].astype(str).tolist())
    ax.set_title(f"Bradley–Terry scores (Elo scale) with {level:.0%} intervals", fontsize=11, loc="left")
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def win_rate_heatmap(matrix: pd.DataFrame) -> Figure:
    """Share of votes the row model won against the column model (ties count half), as an annotated heatmap.

    Uses the diverging ColorBrewer PuOr map (colour-blind safe) centred on 0.5; never-compared cells stay blank.
    """
    n = len(matrix)
    fig = Figure(figsize=(1.0 * n + 2.6, 0.8 * n + 1.4), layout="constrained")
    ax = fig.add_subplot()
    values = matrix.to_numpy(float)
    image = ax.imshow(np.ma.masked_invalid(values), cmap="PuOr", vmin=0.0, vmax=1.0)
    labels = matrix.index.astype(str).tolist()
    ax.set_xticks(range(n), labels, rotation=30, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("against")
    fig.suptitle("Win rate: row model vs column model", fontsize=11)
    for i in range(n):
        for j in range(n):
            if np.isfinite(values[i, j]):
                dark = abs(values[i, j] - 0.5) > 0.3
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label="win rate (ties count half)")
    return fig
