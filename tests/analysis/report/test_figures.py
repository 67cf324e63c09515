"""What a reader sees in the report's figures: plain tick numbers, labels that do not overlap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analysis.report.figures import score_scatter, vote_times


def tick_labels(fig, axis="x") -> list[str]:
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    lo, hi = ax.get_xlim()
    return [t.get_text() for t in ticks if t.get_text() and lo <= t.get_position()[0] <= hi]


@pytest.mark.parametrize("high", [30.0, 400.0, 5000.0])
def test_vote_time_ticks_are_plain_numbers(rng, high):
    labels = tick_labels(vote_times(rng.uniform(2.0, high, 200)))
    assert len(labels) >= 2
    for text in labels:
        assert "×" not in text and "$" not in text and "10^" not in text, labels
        float(text.replace("−", "-"))


def label_boxes(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts if t.get_text()]


def test_eighteen_model_labels_do_not_overlap(rng):
    """18 models crowded on a line, like the paper's scatter of human score against benchmark score."""
    x = np.sort(rng.uniform(0.4, 0.8, 18))
    y = 0.2 + 0.9 * (x - 0.4) + rng.normal(0, 0.02, 18)
    names = [f"model-{i:02d}-checkpoint_best" for i in range(18)]
    panel = {"x": x, "y": y, "labels": names, "xlabel": "b", "ylabel": "h", "title": "t", "caption": "r"}
    fig = score_scatter([panel, {**panel, "y": y[::-1]}])
    boxes = label_boxes(fig)
    assert len(boxes) == 36
    overlaps = [
        (a, b) for a, b in itertools.combinations(range(len(boxes)), 2)
        if boxes[a].x1 - 1 > boxes[b].x0 and boxes[b].x1 - 1 > boxes[a].x0
        and boxes[a].y1 - 1 > boxes[b].y0 and boxes[b].y1 - 1 > boxes[a].y0
    ]  # fmt: skip
    assert overlaps == []
