"""``humans select`` and ``humans apply-subset`` end to end on files, through click's CliRunner."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.humans_subset import SUBSET_COLUMNS, TASK_MEAN_WEIGHT_PREFIX
from analysis.selection import METHODS
from analysis.simulate import simulate_benchmark
from analysis.subset_intervals import INTERVAL_COLUMNS
from annotation_app.cli import cli


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A simulated benchmark written as a folder of wide CSVs (one per task) plus a human scores CSV."""
    root = tmp_path_factory.mktemp("select")
    sim = simulate_benchmark(n_models=12, task_sizes=(120, 80, 40), seed=11)
    folder = root / "items"
    folder.mkdir()
    data = sim.data
    for task in data.task_names:
        cols = data.tasks == task
        table = pd.DataFrame(data.scores[:, cols].astype(int), columns=data.items[cols])
        table.insert(0, "userid", data.models)
        table.to_csv(folder / f"{task}.csv", index=False)
    sim.human_frame().to_csv(root / "scores.csv", index=False)
    return root, sim


def test_select_writes_results_summary_plots_and_subsets(study):
    root, _ = study
    out = root / "out"
    args = ["select", str(root / "items"), "--human", str(root / "scores.csv"), "--methods", "random,irt_fisher",
            "--sizes", "5,20", "--seeds", "2", "--jobs", "1", "--regressor", "ols", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "best:" in result.output and "optimistic; --methods auto gives an honest choice" in result.output
    assert "90% prediction intervals cover" in result.output
    res = pd.read_csv(out / "results.csv")
    assert list(res.columns[:8]) == ["method", "size", "seed", "estimator", "pearson", "spearman", "kendall", "mae"]
    assert "human_pearson" in res.columns
    assert len(res) == 2 * 2 + 2
    assert (out / "correlation_vs_size.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "human_correlation_vs_size.png").exists()
    base = pd.read_csv(out / "human_baselines.csv")
    assert base["comparison"].tolist() == ["full_score", "full_benchmark_regression"]
    assert "human score (LOO Pearson): full_score" in result.output
    assert sorted(p.relative_to(out / "subsets").as_posix() for p in (out / "subsets").rglob("*.*")) == [
        "irt_fisher/README.md", "irt_fisher/n20.csv", "irt_fisher/n5.csv",
        "random/README.md", "random/n20.csv", "random/n5.csv"]  # fmt: skip
    split = pd.read_csv(out / "subsets" / "irt_fisher" / "n20.csv")
    assert tuple(split.columns) == SUBSET_COLUMNS + INTERVAL_COLUMNS and len(split) == 20  # ols: no task term

    applied = CliRunner().invoke(cli, ["apply-subset", str(out / "subsets" / "irt_fisher"), str(root / "items"),
                                       "--split", "n20"])  # fmt: skip
    assert applied.exit_code == 0, applied.output
    lines = applied.output.strip().splitlines()
    assert lines[0] == "model,human_score,benchmark_score,benchmark_low,benchmark_high,human_low,human_high"
    assert len(lines) == 1 + 12
    applied = pd.read_csv(io.StringIO(applied.output))
    assert (applied["benchmark_low"] <= applied["benchmark_score"]).all()
    assert (applied["human_score"] <= applied["human_high"]).all()


def test_auto_is_scored_by_nested_cross_validation_and_gets_a_subset_file(study):
    root, sim = study
    out = root / "auto"
    args = ["select", str(root / "items"), "--human", str(root / "scores.csv"), "--methods", "auto,random",
            "--sizes", "8", "--seeds", "1", "--cv", "kfold", "--folds", "3", "--jobs", "1", "--interval-level", "0.8",
            "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "auto (nested cross-validation): Pearson" in result.output and "chosen per fold:" in result.output
    res = pd.read_csv(out / "results.csv").set_index("method")
    assert res.loc["auto", "estimator"] == "auto"
    assert sum(int(part.rsplit("×", 1)[1]) for part in res.loc["auto", "chosen"].split(", ")) == 3  # one per fold
    assert 0 <= res.loc["auto", "coverage"] <= 1 and 0 <= res.loc["auto", "human_coverage"] <= 1
    assert set(pd.read_csv(out / "summary.csv")["method"]) == {"auto", "random"}
    pred = pd.read_csv(out / "predictions.csv")
    for col in ("estimate_low", "estimate_high", "human_estimate_low", "human_estimate_high", "chosen", "fold"):
        assert col in pred.columns
    assert (pred["estimate_low"] <= pred["estimate"]).all() and (pred["estimate"] <= pred["estimate_high"]).all()
    auto = pd.read_csv(out / "subsets" / "auto" / "n8.csv")
    assert len(auto) == 8 and auto["chosen_method"].iloc[0] in set(METHODS)
    assert auto["interval_level"].iloc[0] == 0.8
    stack = [f"{TASK_MEAN_WEIGHT_PREFIX}{task}" for task in sim.data.task_names]  # the stacked regression's term
    assert all(c in auto.columns for c in stack)
    applied = CliRunner().invoke(cli, ["apply-subset", str(out / "subsets" / "auto"), str(root / "items")])
    assert applied.exit_code == 0 and "human_low,human_high" in applied.output.splitlines()[0]


def test_apply_subset_scores_a_single_new_model(study, tmp_path):
    root, sim = study
    out = root / "out1"
    args = ["select", str(root / "items"), "--methods", "stratified", "--sizes", "6", "--seeds", "1", "--jobs", "1",
            "--estimator", "mean", "--out", str(out)]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert set(pd.read_csv(out / "results.csv")["estimator"]) == {"mean"}
    long = sim.data.take_models([0]).to_long()
    long.to_csv(tmp_path / "new.csv", index=False)
    result = CliRunner().invoke(
        cli, ["apply-subset", str(out / "subsets" / "stratified" / "n6.csv"), str(tmp_path / "new.csv")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("model00,")


@pytest.mark.parametrize(
    "args,message",
    [
        (["select", "nowhere"], "nowhere: no such file or folder"),
        (["select", "{items}", "--sizes", "5,x"], "--sizes '5,x' must be comma-separated integers"),
        (["select", "{items}", "--methods", "random,magic"], "--methods: unknown method(s) magic"),
        (["select", "{items}", "--human", "{root}/missing.csv"], "missing.csv: no such file; check the path."),
        (["select", "{items}", "--models", "nomatch"], "model filter 'nomatch' matches 0 of 12 models"),
        (["apply-subset", "{root}/missing.csv", "{items}"], "missing.csv: no such file; check the path."),
        (["select", "{items}", "--estimator", "pirt", "--methods", "random"], "estimator 'pirt' needs IRT methods"),
    ],
)
def test_user_mistakes_are_one_line_errors(study, args, message):
    root, _ = study
    args = [a.format(items=root / "items", root=root) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert message in result.output
