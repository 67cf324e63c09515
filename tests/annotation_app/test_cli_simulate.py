"""``humans simulate`` and ``humans status`` through click's CliRunner, on a real study database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import annotation_app.study
from annotation_app.audio_cache import default_cache_dir
from annotation_app.cli import cli
from annotation_app.progress import status
from annotation_app.rater_service import RaterService
from annotation_app.simulate import SimulatedClock, simulate
from annotation_app.store import Store


@pytest.fixture
def db(tmp_path, study_factory):
    """A database that holds a study (imported the way `humans serve` would) and no votes."""
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel"),
        scenarios=5,
        targets={"raters_per_pair": 3, "trials_per_rater": 5},
    )
    path = tmp_path / "study.sqlite"
    with Store(path) as store:
        RaterService(study, store, default_cache_dir(path), clock=SimulatedClock(0))
    return path


def test_simulate_fills_a_database_through_the_service(db):
    result = CliRunner().invoke(cli, ["simulate", str(db), "--raters", "6", "--careless", "0.5", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "simulated 6 raters (3 careless): " in result.output
    assert "hidden truth (BT log-strength): " in result.output
    with Store(db) as store:
        summary = store.rater_summary()
        kinds = [v["kind"] for v in store.votes()]
        # careless raters (in "flag" mode) may need up to 3 practice attempts, then all do 5 trials + 1 check
        assert kinds.count("trial") + kinds.count("attention") == 6 * (5 + 1)
        assert 6 <= kinds.count("practice") <= 6 * 3
        assert f"{len(kinds)} answers submitted" in result.output
        assert store.count("events") > 0
        assert {a["status"] for a in store.assignments()} == {"done"}
    assert summary["started"] == 6
    assert summary["finished"] + summary["screened_out"] == 6
    # a second run adds new raters
    again = simulate(db, raters=2, seed=3)
    assert again.raters == 2 and again.votes == 14


def test_status_prints_progress(db):
    simulate(db, raters=4, careless=0.0, seed=1)
    result = CliRunner().invoke(cli, ["status", str(db)])
    assert result.exit_code == 0, result.output
    assert "trial votes: 20 of 45 (44%); per pair 1..2, target 3, over 15 pairs" in result.output
    assert "raters: 4 started, 4 finished, 0 flagged, 0 screened out" in result.output, result.output
    assert "attention checks: 4 answered, 0 failed" in result.output
    assert "xerusmodel vs yakmodel" in result.output  # researchers see model names; raters never do
    progress = status(db)
    assert progress.votes == 20 and progress.needed == 45


@pytest.mark.parametrize(
    "args,message",
    [
        (["simulate", "{tmp}/nothing-here", "--raters", "2"], "is neither a study folder nor a study database"),
        (["simulate", "{db}", "--raters", "0"], "--raters is 0; simulate at least 1 rater."),
        (["simulate", "{db}", "--careless", "1.5"], "--careless is 1.5; give a share between 0 and 1."),
        (["status", "{tmp}/nothing.sqlite"], "does not exist; give the study's database file"),
        (["status", "{tmp}/notes.txt"], "is not a usable SQLite database"),
        (["status", "{tmp}/empty.sqlite"], "holds no study yet"),
    ],
)
def test_user_mistakes_are_one_line(tmp_path, db, args, message):
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    Store(tmp_path / "empty.sqlite").close()
    args = [a.format(tmp=tmp_path, db=db) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_simulate_a_study_folder(tmp_path):
    if not hasattr(annotation_app.study, "load_study"):
        pytest.skip("the study loader (annotation_app.study.load_study) arrives with branch `study`")
    demo = annotation_app.study.demo_study_path()
    db = tmp_path / "d.sqlite"
    result = CliRunner().invoke(cli, ["simulate", str(demo), "--db", str(db), "--raters", "3"])
    assert result.exit_code == 0, result.output
    assert status(db).raters["finished"] == 3
