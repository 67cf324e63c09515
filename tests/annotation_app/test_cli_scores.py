"""``humans scores`` and ``humans correlate`` on real files through click's runner."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.bradley_terry import SCORE_COLUMNS
from analysis.simulate import simulate_votes
from annotation_app.cli import cli


@pytest.fixture
def votes_csv(tmp_path):
    path = tmp_path / "votes.csv"
    simulate_votes(
        [0.0, 0.4, 1.2], models=["alpha", "beta", "gamma"], raters=10, votes_per_rater=40, nu=0.5, position=0.2, seed=1
    ).to_csv(path, index=False)
    return path


def test_scores_prints_leaderboard_and_writes_csv(votes_csv, tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        cli, ["scores", str(votes_csv), "--bootstrap", "200", "--cluster", "rater", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:2] == ["1", "gamma"]
    assert "200 bootstrap rounds by rater" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == SCORE_COLUMNS
    assert list(table["model"]) == ["gamma", "beta", "alpha"]
    assert (table["theta_low"] < table["theta"]).all()


def test_scores_reads_parquet_with_davidson_and_position(votes_csv, tmp_path):
    parquet = tmp_path / "votes.parquet"
    pd.read_csv(votes_csv).to_parquet(parquet)
    result = CliRunner().invoke(cli, ["scores", str(parquet), "--ties", "davidson", "--position"])
    assert result.exit_code == 0, result.output
    assert "Davidson nu = " in result.output and "left-side advantage = +" in result.output


@pytest.mark.parametrize(
    "content,message",
    [
        ("model_a,model_b\nx,y\n", "missing column(s) winner"),
        ("model_a,model_b,winner\nx,y,model_a\nx,y,A\n", "row 2: winner is 'A'"),
        ("model_a,model_b,winner\nx,y,model_a\nz,w,model_a\n", "the comparison graph is disconnected"),
    ],
)
def test_scores_user_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["scores", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_scores_missing_file_and_database(tmp_path):
    result = CliRunner().invoke(cli, ["scores", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no such file" in result.output
    result = CliRunner().invoke(cli, ["scores", str(tmp_path / "study.db")])
    assert result.exit_code == 1 and "study.db does not exist" in result.output


def test_correlate_prints_three_coefficients_and_unmatched(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    pd.DataFrame({"model": ["m1", "m2", "m3", "m4", "m5"], "human_score": [0.1, 0.3, 0.5, 0.6, 0.9]}).to_csv(a)
    pd.DataFrame({"name": ["m1", "m2", "m3", "m4", "m6"], "acc": [0.2, 0.1, 0.4, 0.8, 0.5]}).to_csv(b, index=False)
    result = CliRunner().invoke(cli, ["correlate", str(a), str(b), "--on", "name"])
    assert result.exit_code == 1 and "no column 'name' to join on" in result.output
    pd.DataFrame({"model": ["m1", "m2", "m3", "m4", "m6"], "acc": [0.2, 0.1, 0.4, 0.8, 0.5]}).to_csv(b, index=False)
    result = CliRunner().invoke(cli, ["correlate", str(a), str(b), "--b-col", "acc", "--permutations", "500"])
    assert result.exit_code == 0, result.output
    for method in ("pearson", "spearman", "kendall"):
        assert method in result.output
    assert "4 models matched (human_score vs acc)" in result.output
    assert "only in A (1): m5" in result.output and "only in B (1): m6" in result.output
