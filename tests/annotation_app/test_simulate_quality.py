"""`humans init --example full`, `humans simulate` through every quality stage, then export, scores and report carry
everything: careless raters fail the headphone test on loudspeakers and get the screen-out code."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from annotation_app.cli import cli
from annotation_app.export import export
from annotation_app.simulate import simulate
from annotation_app.store import Store


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--example", "full", str(root / "study")]).exit_code == 0
    db = root / "study.sqlite"
    result = simulate(root / "study", raters=10, careless=0.3, seed=2, db=db)
    return root, db, result


def test_careless_raters_are_screened_out_with_the_code(simulated):
    _, db, result = simulated
    assert (result.careless, result.screened_out, result.finished) == (3, 3, 7)
    with Store(db) as store:
        raters = store.rater_quality_rows()
        screened = [r for r in raters if r["stage"] == "screened_out"]
        assert {r["screen_reason"] for r in screened} == {"headphones"}
        assert {store.rater_by_id(r["rater_id"])["completion_code"] for r in screened} == {"HUMANS-SCREENED"}
        assert all(r["headphone_passed"] == 1 and r["headphone_right"] == 6 for r in raters if r["stage"] == "done")
        # every finished rater answered both questionnaires and every aspect of every trial, and the re-shows
        answered = {(q["rater_id"], q["phase"]) for q in store.questionnaire_rows()}
        done = [r["rater_id"] for r in raters if r["stage"] == "done"]
        assert {(r, p) for r in done for p in ("before", "after")} <= answered
        # aspects are asked on practice and attention items too, so those do not stand out
        pair_votes = [v for v in store.vote_rows(kinds=None) if v["right_conversation_id"] is not None]
        assert len(store.aspect_rows()) == 3 * len(pair_votes)
        assert len(store.reshow_rows()) == 2 * len(done)


def test_export_carries_covariates_aspects_consistency_and_pseudonymised_raters(simulated, tmp_path):
    _, db, _ = simulated
    result = export(db, "csv", tmp_path / "votes.csv", include_flagged=True)
    votes = pd.read_csv(tmp_path / "votes.csv")
    raters = pd.read_csv(tmp_path / "votes-raters.csv")
    assert result.rows["raters"] == 10
    for column in ("duration_a", "words_b", "turns_a", "aspect_content", "aspect_naturalness", "aspect_turn_taking",
                   "rater_reshows", "rater_reshows_consistent", "rater_headphone_right"):  # fmt: skip
        assert column in votes.columns and votes[column].notna().all(), column
    assert set(votes["aspect_content"]) <= {"model_a", "model_b", "tie"}
    assert (votes["duration_a"] > 0).all() and (votes["words_a"] > 0).all()
    assert set(votes["rater"]) <= set(raters["rater"])  # the same pseudonyms in both tables
    assert not raters["rater"].astype(str).str.contains("sim-").any()  # no external ids
    assert (raters["stage"] == "screened_out").sum() == 3
    done = raters[raters["stage"] == "done"]
    assert done["q_native_language"].notna().all() and done["q_difficulty"].between(1, 5).all()
    assert done["reshows"].eq(2).all() and done["consistency"].between(0, 1).all()


def test_scores_and_report_read_everything_from_the_database(simulated, tmp_path):
    _, db, _ = simulated
    runner = CliRunner()
    aspect = runner.invoke(cli, ["scores", str(db), "--aspect", "naturalness"])
    assert aspect.exit_code == 0 and aspect.output.startswith("aspect: naturalness"), aspect.output
    missing = runner.invoke(cli, ["scores", str(db), "--aspect", "loudness"])
    assert missing.exit_code == 1
    assert "no column aspect_loudness for --aspect loudness; the aspects in it are: content, naturalness" in (
        missing.output
    )
    controlled = runner.invoke(cli, ["scores", str(db), "--control", "duration,words"])
    assert controlled.exit_code == 0 and "covariate coefficients" in controlled.output, controlled.output
    out = tmp_path / "report.html"
    report = runner.invoke(cli, ["report", "--votes", str(db), "--bootstrap", "0", "--out", str(out)])
    assert report.exit_code == 0, report.output
    page = out.read_text()
    for anchor in ("controlled", "aspects", "consistency", "questionnaire"):
        assert f'<section id="{anchor}">' in page


def test_dashboard_shows_screening_leaderboards_consistency_and_questionnaires(simulated):
    from annotation_app.dashboard_data import LeaderboardSettings, snapshot
    from annotation_app.ui.admin_views import VIEW_NAMES, render

    _, db, _ = simulated
    with Store(db) as store:
        snap = snapshot(store, LeaderboardSettings(bootstrap=0))
    html = dict(zip(VIEW_NAMES, render(snap), strict=True))["study_quality"]
    assert "<b>Headphone check</b> (antiphase): 10 taken, 7 passed (70%)" in html
    assert "<b>Screened out</b> 3 (headphones 3)" in html
    for title in ("Length-controlled scores", "Aspects", "Consistency re-shows", "Questionnaires"):
        assert f"<h3>{title}</h3>" in html
    assert "native_language" in html and "turn_taking Elo" in html
