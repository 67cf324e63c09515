"""Mistakes new users made, each answered by one clear sentence and the right exit status (issue 13, item 6)."""

from __future__ import annotations

import socket
import tempfile

import pytest
from click.testing import CliRunner

from annotation_app.cli import cli


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """Simulated item-level results (bench/items.csv) and per-model human scores (bench/human.csv)."""
    root = tmp_path_factory.mktemp("mistakes")
    run = CliRunner().invoke(cli, ["simulate-benchmark", str(root / "bench"), "--models", "8"])
    assert run.exit_code == 0, run.output
    return root / "bench"


def _fails(args: list[str], status: int = 1) -> str:
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == status, run.output
    assert "Traceback" not in run.output
    return run.output


def test_report_with_item_scores_as_votes_names_the_missing_columns(bench, tmp_path):
    out = _fails(["report", "--votes", str(bench / "items.csv"), "--out", str(tmp_path / "r.html")])
    assert (
        f"Error: {bench / 'items.csv'}: missing column(s) model_a, model_b, winner (found: model, item, task, "
        "dataset, metric, score); votes are a study database or the table `humans export` writes (model_a, model_b, "
        "winner; or model, rating for a Likert study). It looks like item-level benchmark results: pass them with "
        "--benchmark." in out
    )
    assert not (tmp_path / "r.html").exists()


def test_scores_of_a_folder_says_it_is_a_folder_and_what_to_pass(bench, tmp_path):
    out = _fails(["scores", str(bench)])
    assert (
        f"Error: {bench} is a folder; it has no humans.sqlite; pass a study database or a votes file from "
        "`humans export` (.csv, .tsv or .parquet)." in out
    )
    study = tmp_path / "study"
    assert CliRunner().invoke(cli, ["init", str(study)]).exit_code == 0
    assert CliRunner().invoke(cli, ["simulate", str(study), "--raters", "2", "--seed", "1"]).exit_code == 0
    out = _fails(["scores", str(study)])
    assert f"Error: {study} is a folder; pass its study database {study / 'humans.sqlite'} or a votes file" in out


def test_select_with_human_scores_as_items_names_the_real_problem(bench):
    out = _fails(["select", str(bench / "human.csv")])
    assert (
        f"Error: {bench / 'human.csv'}: 1 item column(s) (human_score) for 7 models, fewer than the smallest subset "
        "(10); ITEMS must be item-level results (a long table model, item, task, score or a wide table with one "
        "column per item); per-model scores such as human.csv go to --human." in out
    )
    assert "subset size" not in out


def test_demo_that_cannot_bind_its_port_leaves_no_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = _fails(["demo", "--port", str(port)])
    assert f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port" in out
    assert sorted(tmp_path.glob("humans-*")) == []  # gradio/ is Gradio's own upload cache


@pytest.mark.parametrize(
    "args,usage",
    [
        (["scores"], "Missing argument 'VOTES'"),
        (["select", "x.csv", "--cv", "bogus"], "Invalid value for '--cv'"),
        (["demo", "--port", "70000"], "Invalid value for '--port'"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_usage_errors_exit_2_as_the_readme_says(args, usage):
    out = _fails(args, status=2)
    assert usage in out and "Usage: " in out
