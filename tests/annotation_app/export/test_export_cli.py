"""``humans simulate`` then ``humans export`` through the CLI, and ``humans scores`` on the exported CSV."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner

from annotation_app.cli import cli


def trial_votes(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM votes v JOIN raters r ON r.id = v.rater_id WHERE v.kind = 'trial' AND r.flagged = 0"
        ).fetchone()[0]


@pytest.fixture
def cli_db(db_copy):
    db = db_copy("pairwise")
    result = CliRunner().invoke(cli, ["simulate", str(db), "--raters", "6", "--seed", "11"])
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "hf"])
def test_humans_export_writes_every_format(cli_db, tmp_path, fmt):
    out = tmp_path / ("ds" if fmt == "hf" else f"votes.{fmt}")
    result = CliRunner().invoke(cli, ["export", str(cli_db), "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    n = trial_votes(cli_db)
    assert result.output.startswith(f"exported {n} votes, ")
    assert f"wrote {out}" in result.output
    if fmt == "csv":
        assert len(pd.read_csv(out)) == n


def test_humans_export_default_path_and_errors(cli_db, tmp_path):
    result = CliRunner().invoke(cli, ["export", str(cli_db)])
    assert result.exit_code == 0, result.output
    assert cli_db.with_name(f"{cli_db.stem}-export.csv").is_file()
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 1 and "Error: " in result.output and "missing.sqlite does not exist" in result.output
    assert "Traceback" not in result.output


def test_humans_scores_gives_the_same_leaderboard_from_the_database_and_the_csv(cli_db, tmp_path):
    out = tmp_path / "votes.csv"
    assert CliRunner().invoke(cli, ["export", str(cli_db), "--out", str(out)]).exit_code == 0
    args = ["--bootstrap", "100", "--cluster", "rater", "--seed", "4"]
    from_csv = CliRunner().invoke(cli, ["scores", str(out), *args])
    from_db = CliRunner().invoke(cli, ["scores", str(cli_db), *args])
    assert from_csv.exit_code == 0 and from_db.exit_code == 0, from_csv.output + from_db.output
    assert from_csv.output == from_db.output
    assert "wombatmodel" in from_csv.output
