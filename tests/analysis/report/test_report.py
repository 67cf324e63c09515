"""The report builder on simulated inputs: which sections appear, that numbers come from the analysis functions,
that data is escaped, and clear errors."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

from analysis.correlation import correlate
from analysis.errors import HumansError
from analysis.evaluation import evaluate_selection
from analysis.humans_subset import fit_humans_subsets
from analysis.report import SelectionResults, build_report, read_selection_results
from analysis.simulate import simulate_benchmark, simulate_votes

SECTION = re.compile(r'<section id="([\w-]+)">')
IMAGE = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def sections(document: str) -> list[str]:
    return SECTION.findall(document)


@pytest.fixture(scope="module")
def votes() -> pd.DataFrame:
    frame = simulate_votes([0.8, 0.3, 0.0, -1.1], models=["alpha", "beta", "<b>gamma</b>", "delta"], raters=12,
                           votes_per_rater=20, scenarios=4, nu=0.3, position=0.4, seed=5)  # fmt: skip
    rng = np.random.default_rng(1)
    frame["likert_a"] = rng.integers(1, 6, len(frame))
    frame["likert_b"] = rng.integers(1, 6, len(frame))
    frame["time_to_vote_s"] = rng.lognormal(3.0, 0.3, len(frame))
    return frame


@pytest.fixture(scope="module")
def bench():
    sim = simulate_benchmark(n_models=8, task_sizes=(40, 30, 20), seed=3)
    ev = evaluate_selection(sim.data, methods=["random", "anchor_points"], sizes=(5, 10), n_seeds=2,
                            human=sim.human_scores, n_jobs=1, progress=False)  # fmt: skip
    subsets = fit_humans_subsets(sim.data, sim.human_scores, methods=["random", "anchor_points"], sizes=(5, 10))
    selection = SelectionResults(ev.results, ev.predictions, None, subsets, "sel")
    return sim, selection


def test_votes_give_the_study_sections_in_order(votes):
    document = build_report(votes, bootstrap=50)
    assert sections(document) == ["leaderboard", "win-rates", "likert", "quality", "agreement"]
    images = IMAGE.findall(document)
    assert len(images) == 5  # forest, heatmap, Likert bars, funnel, vote times
    assert all(base64.b64decode(i).lstrip().startswith(b"<?xml") for i in images)
    assert "<b>gamma</b>" not in document and "&lt;b&gt;gamma&lt;/b&gt;" in document
    assert "50 rounds resampling raters" in document


def test_study_sections_need_their_columns(votes):
    plain = votes[["model_a", "model_b", "winner"]]
    assert sections(build_report(plain, bootstrap=0)) == ["leaderboard", "win-rates", "agreement"]
    likert_only = pd.DataFrame({"model": ["a", "a", "b", "b"], "rating": [4, 5, 2, 1], "rater": ["x", "y", "x", "y"]})
    document = build_report(likert_only)
    assert sections(document) == ["likert"]
    assert "1–5 scale" in document


def test_flagged_raters_and_checks_are_left_out_of_the_scores(votes):
    marked = votes.assign(rater_flagged=votes["rater"].eq("r000"), kind="trial")
    marked.loc[marked.index[:5], "kind"] = "attention"
    document = build_report(marked, bootstrap=0)
    kept = (~marked["rater"].eq("r000") & marked["kind"].eq("trial")).sum()
    assert f"scores from {kept} votes" in document
    assert "<th>flagged</th>" in document  # the rater table marks them


def test_benchmark_section_reports_the_correlations_of_correlate(bench):
    sim, selection = bench
    human = sim.human_frame()
    document = build_report(benchmark=sim.data, human=human, selection=selection, subset="anchor_points_10")
    assert sections(document) == ["human-vs-benchmark", "selection"]
    full = pd.DataFrame({"model": sim.data.models, "score": sim.data.full_score("macro")})
    expected = correlate(human, full, b_col="score").table
    for row in expected.itertuples():
        assert f"{row.estimate:.3f}" in document and f"{row.low:.3f}" in document
    assert "Subset shown: <b>anchor_points</b> with 10 items" in document
    assert "HUMANS regression on 10 items (anchor_points), LOO" in document


def test_votes_scores_are_the_human_scores_when_none_are_given(bench, votes):
    sim, selection = bench
    document = build_report(votes, benchmark=sim.data, selection=selection, bootstrap=0)
    assert "human-vs-benchmark" in sections(document)
    assert "only 0 model(s) appear in both" in document  # study models are not benchmark models: said, not hidden


def test_default_subset_is_the_best_human_pearson(bench):
    _, selection = bench
    summary = selection.summary()
    best = summary.sort_values(["human_pearson", "size"], ascending=[False, True]).iloc[0]
    document = build_report(selection=selection)
    assert f"Subset shown: <b>{best['method']}</b> with {best['size']} items" in document


def test_errors_are_clear(bench):
    sim, selection = bench
    with pytest.raises(HumansError, match="nothing to report"):
        build_report()
    with pytest.raises(HumansError, match="a benchmark alone has nothing to compare with"):
        build_report(benchmark=sim.data)
    with pytest.raises(HumansError, match=r"subset 'lasso_10' is not in sel; use one of random_5, "):
        build_report(selection=selection, subset="lasso_10")


def test_read_selection_results(tmp_path, bench):
    _, selection = bench
    with pytest.raises(HumansError, match="no such folder"):
        read_selection_results(tmp_path / "missing")
    with pytest.raises(HumansError, match=r"results.csv: not found; pass the --out folder of `humans select`"):
        read_selection_results(tmp_path)
    pd.DataFrame({"method": ["x"], "size": [1]}).to_csv(tmp_path / "results.csv", index=False)
    with pytest.raises(HumansError, match=r"missing column\(s\) seed, pearson"):
        read_selection_results(tmp_path)
    selection.results.to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "subsets").mkdir()
    selection.subsets["random", 5].to_csv(tmp_path / "subsets" / "random_5.csv", index=False)
    read = read_selection_results(tmp_path)
    assert read.has_human and read.predictions is None and list(read.subsets) == [("random", 5)]
    pd.testing.assert_frame_equal(read.summary(), selection.summary(), check_dtype=False)


def test_the_selection_section_flags_untrusted_methods_with_their_evidence():
    sim = simulate_benchmark(n_models=10, seed=2)
    ev = evaluate_selection(sim.data, methods=["random", "k_center"], sizes=(5,), n_seeds=1, n_jobs=1, progress=False)
    document = build_report(selection=SelectionResults(ev.results, ev.predictions, None, {}, "sel"))
    assert "k_center is not trusted: it loses to random at every size on real data" in document
    assert "random is not trusted" not in document
