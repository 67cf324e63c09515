"""The output folder of `humans select`: what the writer writes, the reader reads back."""

from __future__ import annotations

import pandas as pd

from analysis.evaluation import evaluate_selection
from analysis.humans_subset import fit_humans_subsets
from analysis.regression import human_baselines
from analysis.selection_results import read_selection_results, write_selection_results
from analysis.simulate import simulate_benchmark


def test_written_folder_reads_back_identically(tmp_path):
    sim = simulate_benchmark(n_models=10, task_sizes=(30, 30), seed=1)
    ev = evaluate_selection(
        sim.data,
        methods=["random", "greedy_forward"],
        sizes=(5,),
        n_seeds=2,
        human=sim.human_scores,
        n_jobs=1,
        progress=False,
    )
    subsets = fit_humans_subsets(sim.data, sim.human_scores, methods=["random", "greedy_forward"], sizes=(5,))
    baselines = human_baselines(sim.data, sim.human_scores)
    summary = write_selection_results(tmp_path / "out", ev, subsets, baselines)
    read = read_selection_results(tmp_path / "out")
    pd.testing.assert_frame_equal(read.results, ev.results, check_dtype=False)
    pd.testing.assert_frame_equal(read.summary(), summary, check_dtype=False)
    pd.testing.assert_frame_equal(read.baselines, baselines, check_dtype=False)
    assert set(read.subsets) == {("random", 5), ("greedy_forward", 5)}
    assert len(read.predictions) == len(ev.predictions)
    assert (tmp_path / "out" / "human_correlation_vs_size.png").read_bytes()[:4] == b"\x89PNG"
