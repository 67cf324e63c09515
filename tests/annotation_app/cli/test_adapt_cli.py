"""``humans adapt`` end to end on a file, through click's CliRunner."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from analysis.simulate import simulate_benchmark
from annotation_app.cli import cli


def test_adapt_writes_results_and_predictions_in_the_select_layout(tmp_path):
    data = simulate_benchmark(n_models=40, task_sizes=(60, 40), seed=2).data
    data.to_long().to_csv(tmp_path / "items.csv", index=False)
    out = tmp_path / "out"
    args = ["adapt", str(tmp_path / "items.csv"), "--budget", "5,10", "--folds", "4", "--jobs", "1", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    res = pd.read_csv(out / "results.csv")
    assert list(res.columns[:8]) == ["method", "size", "seed", "estimator", "pearson", "spearman", "kendall", "mae"]
    assert res["size"].tolist() == [5, 10] and set(res["method"]) == {"adaptive"}
    pred = pd.read_csv(out / "predictions.csv")
    assert len(pred) == 2 * 40
    assert (pred["estimate_low"] <= pred["estimate"]).all() and (pred["estimate"] <= pred["estimate_high"]).all()
    assert "coverage" in result.output


def test_adapt_errors_are_one_line(tmp_path):
    data = simulate_benchmark(n_models=12, task_sizes=(30,), seed=2).data
    data.to_long().to_csv(tmp_path / "items.csv", index=False)
    for args, message in [
        (["--budget", "ten"], "--budget 'ten' must be an integer"),
        (["--budget", "500"], "budget(s) [500] must be between 1 and the 30 items"),
        (["--target-se", "-1", "--budget", "5"], "target_se -1.0 must be a positive number"),
    ]:
        result = CliRunner().invoke(cli, ["adapt", str(tmp_path / "items.csv"), "--jobs", "1", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output
