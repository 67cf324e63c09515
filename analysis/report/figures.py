"""The report's figures: matplotlib :class:`~matplotlib.figure.Figure` objects built without pyplot.

Every figure is meant to survive a black-and-white printer: the Okabe–Ito palette (distinguishable with every common
colour-vision deficiency), a marker and line style per series so series stay apart in greyscale, axis labels with
units, and numbers written on heatmap cells and stacked bars.

References
----------
Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and presentations that are friendly
to colorblind people. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from scipy import stats

__all__ = [
    "OKABE_ITO",
    "forest_plot",
    "likert_bars",
    "place_labels",
    "position_funnel",
    "score_scatter",
    "size_curves",
    "vote_times",
    "win_rate_heatmap",
]

#: Okabe–Ito colours without the yellow (too pale on paper), in the order series get them.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
_LINESTYLES = ("-", "--", "-.", ":")
ELO_PER_THETA = 400.0 / np.log(10.0)


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)


def forest_plot(board: pd.DataFrame, level: float = 0.95, interval: str = "bootstrap") -> Figure:
    """Elo-scale Bradley–Terry scores with their intervals, best model on top.

    Parameters
    ----------
    board : DataFrame
        ``model``, ``theta``, ``theta_low``, ``theta_high`` (natural-log scale), best first.
    level : float, default 0.95
        Confidence level, for the axis label.
    interval : str, default "bootstrap"
        How the interval was computed, for the axis label.
    """
    n = len(board)
    fig = Figure(figsize=(7.0, 0.42 * n + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    elo = 1000.0 + ELO_PER_THETA * board[["theta", "theta_low", "theta_high"]].to_numpy(float)
    ax.hlines(y, elo[:, 1], elo[:, 2], color=OKABE_ITO[0], linewidth=2.5)
    ax.plot(elo[:, 0], y, "o", color=OKABE_ITO[1], markersize=7, zorder=3)
    ax.axvline(1000.0, color="0.55", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, board["model"].astype(str).tolist())
    ax.set_xlabel(f"Bradley–Terry score, Elo scale (1000 + 400·θ / ln 10), {level:.0%} {interval} interval")
    ax.grid(axis="x", color="0.9")
    _style(ax)
    return fig


def win_rate_heatmap(matrix: pd.DataFrame) -> Figure:
    """Share of votes the row model won against the column model (ties count half), numbers on the cells.

    ColorBrewer's diverging PuOr map (colour-blind safe) centred on 0.5; never-compared cells stay blank.
    """
    n = len(matrix)
    fig = Figure(figsize=(0.9 * n + 3.0, 0.75 * n + 1.6), layout="constrained")
    ax = fig.add_subplot()
    values = matrix.to_numpy(float)
    image = ax.imshow(np.ma.masked_invalid(values), cmap="PuOr", vmin=0.0, vmax=1.0)
    labels = matrix.index.astype(str).tolist()
    ax.set_xticks(range(n), matrix.columns.astype(str).tolist(), rotation=30, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("against (column model)")
    ax.set_ylabel("row model")
    for i in range(n):
        for j in range(n):
            if np.isfinite(values[i, j]):
                dark = abs(values[i, j] - 0.5) > 0.3
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label="win rate of the row model (ties count half)", shrink=0.85)
    return fig


def likert_bars(counts: pd.DataFrame, question: str = "rating") -> Figure:
    """100 % stacked bars of the rating distribution per model, with the share written on wide segments.

    Parameters
    ----------
    counts : DataFrame
        One row per model (index), one column per scale point (1..S, ascending), values = number of ratings.
    question : str
        What was rated, for the legend title.
    """
    n, points = counts.shape
    shares = counts.to_numpy(float) / counts.to_numpy(float).sum(1, keepdims=True)
    fig = Figure(figsize=(7.5, 0.45 * n + 1.7), layout="constrained")
    ax = fig.add_subplot()
    cmap = _colormap("PuOr")
    colours = [cmap(x) for x in np.linspace(0.1, 0.9, points)]
    y = np.arange(n)[::-1]
    left = np.zeros(n)
    for k in range(points):
        ax.barh(y, shares[:, k], left=left, color=colours[k], edgecolor="white", label=str(counts.columns[k]))
        for yi, lo, w in zip(y, left, shares[:, k], strict=True):
            if w >= 0.07:
                dark = abs(k / max(points - 1, 1) - 0.5) > 0.3
                ax.text(
                    lo + w / 2, yi, f"{w:.0%}", ha="center", va="center", fontsize=8, color="white" if dark else "black"
                )
        left += shares[:, k]
    ax.set_yticks(y, counts.index.astype(str).tolist())
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel("share of ratings (%)")
    ax.legend(title=question, ncol=points, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    _style(ax)
    return fig


def position_funnel(per_rater: pd.DataFrame, overall: float, flagged: pd.Series | None = None) -> Figure:
    """Each rater's share of decisive votes for the left side against their number of decisive votes.

    The grey funnel is the central 95 % range of a rater without position bias (binomial, p = 1/2); points outside
    it are raters whose choices depend on the side.

    Parameters
    ----------
    per_rater : DataFrame
        ``rater``, ``n``, ``left_share`` (as :func:`analysis.diagnostics.position_bias` returns).
    overall : float
        Left share over all decisive votes.
    flagged : Series of bool, optional
        Flag per rater (indexed by rater), drawn as a separate series.
    """
    fig = Figure(figsize=(7.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    n_max = int(per_rater["n"].max()) if len(per_rater) else 1
    grid = np.arange(1, max(n_max, 2) + 1)
    low, high = stats.binom.interval(0.95, grid, 0.5)
    ax.fill_between(grid, low / grid, high / grid, color="0.88", step="mid", label="95 % range without bias")
    is_flagged = np.zeros(len(per_rater), dtype=bool)
    if flagged is not None:
        is_flagged = per_rater["rater"].map(flagged).fillna(False).to_numpy(bool)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(per_rater))
    x = per_rater["n"].to_numpy(float) + jitter
    ax.plot(
        x[~is_flagged],
        per_rater["left_share"].to_numpy(float)[~is_flagged],
        "o",
        color=OKABE_ITO[0],
        alpha=0.75,
        label="rater",
    )
    if is_flagged.any():
        ax.plot(
            x[is_flagged],
            per_rater["left_share"].to_numpy(float)[is_flagged],
            "X",
            color=OKABE_ITO[1],
            markersize=8,
            label="flagged rater",
        )
    ax.axhline(0.5, color="0.4", linewidth=0.8, linestyle="--")
    ax.axhline(overall, color=OKABE_ITO[2], linewidth=1.4, linestyle="-.", label=f"all votes: {overall:.1%}")
    ax.set_ylim(-0.03, 1.03)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel("decisive votes of the rater (ties and 'both bad' excluded)")
    ax.set_ylabel("share of votes for the left side")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(color="0.93")
    _style(ax)
    return fig


def vote_times(seconds: np.ndarray) -> Figure:
    """Histogram of the time from a trial being shown to its vote (log-spaced bins, seconds)."""
    seconds = np.asarray(seconds, dtype=float)
    seconds = seconds[np.isfinite(seconds) & (seconds > 0)]
    fig = Figure(figsize=(7.0, 2.9), layout="constrained")
    ax = fig.add_subplot()
    lo, hi = max(seconds.min(), 0.1), max(seconds.max(), 1.0)
    bins = np.geomspace(lo, hi * 1.01, 30) if hi > lo else 10
    ax.hist(seconds, bins=bins, color=OKABE_ITO[5], edgecolor="white")
    ax.set_xscale("log")
    # plain numbers at 1-2-5 steps ("20", not matplotlib's "2×10¹")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    median = float(np.median(seconds))
    ax.axvline(median, color=OKABE_ITO[1], linestyle="--", label=f"median {median:.0f} s")
    ax.set_xlabel("time from trial shown to vote (s, log scale)")
    ax.set_ylabel("votes")
    ax.legend(fontsize=8)
    _style(ax)
    return fig


def score_scatter(panels: list[dict]) -> Figure:
    """Human score against one or more benchmark scores, one panel each, models labelled.

    Parameters
    ----------
    panels : list of dict
        Each with ``x``, ``y`` (arrays), ``labels`` (model names), ``xlabel``, ``ylabel``, ``title`` and
        ``caption`` (the correlation coefficients, written under the title).
    """
    k = len(panels)
    cols = min(k, 2)
    rows = -(-k // cols)
    fig = Figure(figsize=(5.2 * cols + 0.4, 4.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[k:]:
        ax.set_visible(False)
    for i, (ax, p) in enumerate(zip(axes[:k], panels, strict=True)):
        x, y = np.asarray(p["x"], float), np.asarray(p["y"], float)
        ax.plot(x, y, _MARKERS[i], color=OKABE_ITO[i % len(OKABE_ITO)], markersize=6, alpha=0.85)
        if len(x) >= 2 and np.ptp(x) > 0:
            slope, intercept = np.polyfit(x, y, 1)
            xs = np.linspace(x.min(), x.max(), 2)
            ax.plot(xs, intercept + slope * xs, color="0.45", linewidth=1, linestyle="--")
        ax.set_xlabel(p["xlabel"])
        ax.set_ylabel(p["ylabel"])
        ax.set_title(f"{p['title']}\n{p['caption']}", fontsize=9, loc="left")
        ax.grid(color="0.93")
        _style(ax)
    labelled = [(ax, p) for ax, p in zip(axes[:k], panels, strict=True) if len(p["x"]) <= 24]
    if labelled:
        fig.draw_without_rendering()  # final layout first: labels are placed in display space
        for ax, p in labelled:
            place_labels(ax, np.asarray(p["x"], float), np.asarray(p["y"], float), [str(n) for n in p["labels"]])
    return fig


#: Where a label may sit around its point, nearest first (offsets in points).
_LABEL_OFFSETS = [
    (dx * r, dy * r)
    for r in (4, 10, 18)
    for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1.2), (0, -1.2))
]


def place_labels(ax, x: np.ndarray, y: np.ndarray, labels: list[str], fontsize: float = 7) -> list:
    """Label each point so that no two labels overlap, nor a label a point, nor the axes' edge (when possible).

    Greedy placement in display space: points are taken from the most crowded first, and each label goes to the
    nearest of :data:`_LABEL_OFFSETS` whose box is free; when none is, to the one with the least overlap. Labels
    set further than the nearest ring get a thin leader line.

    Returns
    -------
    list of matplotlib.text.Annotation
    """
    fig = ax.figure
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    points = ax.transData.transform(np.column_stack([x, y]))
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72.0
    marker = 4.0 * scale
    taken = [(px - marker, py - marker, px + marker, py + marker) for px, py in points]
    crowd = [(np.hypot(*(points - p).T) < 40 * scale).sum() for p in points]
    annotations = []
    for index in sorted(range(len(labels)), key=lambda i: -crowd[i]):
        best, best_cost = None, np.inf
        for dx, dy in _LABEL_OFFSETS:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            text = ax.annotate(
                labels[index],
                (x[index], y[index]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                color="0.2",
            )
            box = text.get_window_extent(renderer)
            rect = (box.x0, box.y0, box.x1, box.y1)
            own = taken[index]
            cost = sum(_overlap(rect, other) for other in taken if other is not own)
            outside = max(0.0, frame.x0 - box.x0) + max(0.0, box.x1 - frame.x1)
            outside += max(0.0, frame.y0 - box.y0) + max(0.0, box.y1 - frame.y1)
            cost += 50.0 * outside
            if cost < best_cost:
                if best is not None:
                    best[0].remove()
                best, best_cost = (text, rect, (dx, dy)), cost
            else:
                text.remove()
            if cost == 0:
                break
        text, rect, (dx, dy) = best
        if abs(dx) > 4 or abs(dy) > 5:
            ax.annotate(
                "",
                (x[index], y[index]),
                xytext=(dx, dy),
                textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": "0.6", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3},
            )
        taken.append(rect)
        annotations.append(text)
    return annotations


def _overlap(a: tuple, b: tuple) -> float:
    """Area shared by two (x0, y0, x1, y1) boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def size_curves(summary: pd.DataFrame, metrics: list[tuple[str, str]], baselines: dict[str, float] | None = None):
    """Mean ± sd (over seeds) of correlation metrics against subset size, one line per selection method.

    Parameters
    ----------
    summary : DataFrame
        ``method``, ``size`` and, per metric, ``<metric>`` and ``<metric>_sd``
        (:meth:`analysis.evaluation.SelectionEvaluation.summary`).
    metrics : list of (column, y label)
        One panel each.
    baselines : dict, optional
        Horizontal reference lines (label -> value) drawn on the panels of ``human_*`` metrics.
    """
    k = len(metrics)
    fig = Figure(figsize=(7.5, 4.3 * k), layout="constrained")
    axes = fig.subplots(k, 1, squeeze=False)[:, 0]
    sizes = sorted(summary["size"].unique())
    for ax, (metric, ylabel) in zip(axes, metrics, strict=True):
        for i, (method, grp) in enumerate(summary.groupby("method", sort=False)):
            grp = grp.sort_values("size")
            sd = grp[f"{metric}_sd"] if f"{metric}_sd" in grp else pd.Series(0.0, index=grp.index)
            ax.errorbar(
                grp["size"],
                grp[metric],
                yerr=sd.fillna(0.0),
                label=method,
                color=OKABE_ITO[i % len(OKABE_ITO)],
                marker=_MARKERS[i % len(_MARKERS)],
                linestyle=_LINESTYLES[(i // len(OKABE_ITO)) % len(_LINESTYLES)],
                markersize=4.5,
                linewidth=1.3,
                capsize=2,
            )
        if baselines and metric.startswith("human_"):
            for j, (name, value) in enumerate(baselines.items()):
                ax.axhline(
                    value,
                    color="0.3",
                    linewidth=1.2,
                    linestyle=_LINESTYLES[(j + 1) % len(_LINESTYLES)],
                    label=f"{name} ({value:.2f})",
                )
            ax.legend(fontsize=7, ncol=2, loc="lower right")
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlabel("subset size (items, log scale)")
        ax.set_ylabel(ylabel)
        ax.grid(color="0.93")
        _style(ax)
    axes[0].legend(fontsize=7, ncol=2, loc="lower right")
    return fig


def _colormap(name: str):
    from matplotlib import colormaps

    return colormaps[name]
