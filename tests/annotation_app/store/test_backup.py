"""``humans backup``: SQLite's online backup API while another process keeps writing votes (issue 13, item 5)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from click.testing import CliRunner

from annotation_app.cli import cli
from annotation_app.store import Store
from annotation_app.store.backup import backup_database
from annotation_app.study import init_study


def _counts(path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        votes = conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
        done = conn.execute("SELECT COUNT(*) FROM assignments WHERE status = 'done'").fetchone()[0]
    return votes, done


def _has_votes(path) -> bool:
    try:
        return path.is_file() and _counts(path)[0] > 0
    except sqlite3.OperationalError:  # the writer is still creating the schema
        return False


def test_backups_taken_while_votes_are_written_open_and_are_consistent(tmp_path):
    study = init_study(tmp_path / "study")
    db = tmp_path / "live.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-m", "annotation_app.cli", "simulate", str(study), "--db", str(db), "--raters", "80"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen, during = [], 0

    def take(i: int) -> None:
        copy = tmp_path / f"backup-{i}.sqlite"
        result = backup_database(db, copy)
        votes, done = _counts(copy)
        assert (result.votes, votes) == (votes, done)  # every vote with its assignment marked done: one instant
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert not copy.with_name(copy.name + "-wal").exists()
        seen.append(votes)

    try:
        deadline = time.monotonic() + 120
        while not _has_votes(db) and time.monotonic() < deadline:
            assert writer.poll() is None, writer.communicate()[0]
            time.sleep(0.05)
        i = 0
        while writer.poll() is None and time.monotonic() < deadline:
            take(i)
            during, i = during + 1, i + 1
            time.sleep(0.2)
        out = writer.communicate(timeout=120)[0]
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate()
    assert writer.returncode == 0, out
    take(i)  # after the writer: the whole database
    assert during >= 2, f"the writer finished before two backups were taken ({seen})"
    assert seen == sorted(seen) and len(set(seen)) >= 2, seen  # the copies followed the votes as they came
    assert seen[-1] == _counts(db)[0] > 0
    # a backup is a working study database: the store opens it, export and status read it
    with Store.open_existing(tmp_path / "backup-1.sqlite") as store:
        assert store.study_row() is not None
    run = CliRunner().invoke(cli, ["status", str(tmp_path / "backup-1.sqlite")])
    assert run.exit_code == 0, run.output


def test_backup_cli_and_its_mistakes(tmp_path):
    study = init_study(tmp_path / "study")
    db = tmp_path / "db.sqlite"
    assert CliRunner().invoke(cli, ["simulate", str(study), "--db", str(db), "--raters", "2"]).exit_code == 0
    run = CliRunner().invoke(cli, ["backup", str(db), str(tmp_path / "copy.sqlite")])
    assert run.exit_code == 0, run.output
    assert f"backed up {db} to {tmp_path / 'copy.sqlite'}: {_counts(db)[0]} votes from 2 raters" in run.output
    (tmp_path / "text.sqlite").write_text("not a database")
    cases = [
        ([str(tmp_path / "none.sqlite"), "x.sqlite"], f"{tmp_path / 'none.sqlite'} does not exist; give the study's"),
        ([str(tmp_path / "text.sqlite"), "x.sqlite"], f"{tmp_path / 'text.sqlite'} is not an SQLite database"),
        ([str(tmp_path), "x.sqlite"], f"{tmp_path} is a folder; give the study's database file"),
        ([str(db), str(db)], f"{db} is the database itself; give a new file name for the backup."),
        ([str(db), str(tmp_path / "copy.sqlite")], "copy.sqlite already exists; choose a new name or pass --overwrite"),
        ([str(db), str(tmp_path / "no" / "b.sqlite")], f"the folder {tmp_path / 'no'} does not exist; create it"),
    ]
    for args, message in cases:
        run = CliRunner().invoke(cli, ["backup", *args])
        assert run.exit_code == 1 and "Traceback" not in run.output, run.output
        assert message in run.output
    run = CliRunner().invoke(cli, ["backup", str(db), str(tmp_path / "copy.sqlite"), "--overwrite"])
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_counts_of_an_empty_database(tmp_path):
    """A database made by `humans serve` before anyone voted backs up with zero counts."""
    db = tmp_path / "empty.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE raters (id INTEGER PRIMARY KEY)")
    result = backup_database(db, tmp_path / "b.sqlite")
    assert (result.votes, result.raters) == (0, 0)
