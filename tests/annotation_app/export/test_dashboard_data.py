"""The dashboard's service module on simulated studies of every scheme, and on a study without votes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.studies import MODELS, make_study
from matplotlib.figure import Figure

from analysis.diagnostics import agreement, position_bias
from analysis.errors import HumansError
from analysis.report.study_sections import scored_votes
from annotation_app.dashboard_data import LeaderboardSettings, _eta, flag_rater, snapshot
from annotation_app.export import votes_frame
from annotation_app.rater_service import RaterService
from annotation_app.rater_views import Answer
from annotation_app.simulate import SimulatedClock
from annotation_app.store import Store
from annotation_app.ui.admin_views import VIEW_NAMES, render

FAST = LeaderboardSettings(bootstrap=50)


def test_pairwise_likert_snapshot_has_every_part(simulated_dbs):
    with Store(simulated_dbs("pairwise+likert")) as store:
        snap = snapshot(store, FAST)
        summary = store.rater_summary()
    board = snap.leaderboard
    assert sorted(board["model"]) == sorted(MODELS) and board["rank"].tolist() == [1, 2, 3, 4]
    assert {"theta_low", "theta_high", "human_score", "likert", "likert_low", "likert_high"} <= set(board.columns)
    assert board["theta"].is_monotonic_decreasing
    assert ((board["likert"] >= 0) & (board["likert"] <= 1)).all()
    assert list(snap.win_rates.index) == board["model"].tolist() == list(snap.win_rates.columns)
    assert snap.summary["raters"]["started"] == summary["started"] == len(snap.raters)
    assert snap.raters["flagged"].tolist() == sorted(snap.raters["flagged"], reverse=True)  # flagged first
    assert snap.summary["votes"] == snap.pairs["votes"].sum() == snap.model_pairs["votes"].sum()
    assert snap.pairs["votes"].is_monotonic_increasing  # least covered first
    q = snap.quality
    assert 0 <= q["attention_pass_rate"] <= 1 and 0 <= q["left_share"] <= 1 and q["alpha_items"] > 0
    assert snap.summary["median_trial_s"] > 0
    views = dict(zip(VIEW_NAMES, render(snap), strict=True))
    assert isinstance(views["forest"], Figure) and isinstance(views["heatmap"], Figure)
    assert "--bootstrap 50" in views["reproduce"] and "Krippendorff" in views["quality"]


def test_likert_only_snapshot_ranks_by_mean_rating(simulated_dbs):
    with Store(simulated_dbs("likert")) as store:
        snap = snapshot(store, FAST)
    assert snap.bt is None and snap.win_rates is None
    assert sorted(snap.leaderboard["model"]) == sorted(MODELS)
    assert snap.leaderboard["likert"].is_monotonic_decreasing
    assert "model" in snap.model_pairs.columns
    views = dict(zip(VIEW_NAMES, render(snap), strict=True))
    assert views["forest"] is None and views["reproduce"] == ""


def test_a_study_without_votes_says_so(tmp_path):
    study = make_study(tmp_path / "s", gold_bad=True, quality={"attention_checks": 1})
    with Store(tmp_path / "s.sqlite") as store:
        RaterService(study, store, tmp_path / "cache")
        snap = snapshot(store, FAST)
    assert snap.summary["votes"] == 0 and snap.summary["eta_s"] is None and len(snap.leaderboard) == 0
    assert "No trial votes from unflagged raters yet." in snap.notes
    assert "unknown" in render(snap)[0]


def test_eta_uses_the_last_hour_of_voting():
    times = np.array([0.0, 100.0, 4000.0, 4100.0, 4200.0])  # last hour: 3 votes in 200 s
    per_hour, eta = _eta(times, remaining=10)
    assert per_hour == pytest.approx(2 / 200 * 3600) and eta == pytest.approx(10 / (2 / 200))
    assert _eta(np.array([5.0]), 3) == (None, None)
    assert _eta(times, 0)[1] == 0.0


def test_flag_rater_reports_bad_ids(simulated_dbs, db_copy):
    db = db_copy("pairwise")
    with Store(db) as store:
        with pytest.raises(HumansError, match="no rater has id 4242; copy the id from the raters table"):
            flag_rater(store, 4242, True)
        with pytest.raises(HumansError, match=r"rater id 1\.5 is not a whole number"):
            flag_rater(store, 1.5, True)
        assert flag_rater(store, 1, True, "  ") == "rater 1 flagged"
        assert store.rater_by_id(1)["flag_reason"] == "flagged by admin"
        # the dashboard's id box is text, empty until the researcher types (it used to show 0)
        with pytest.raises(HumansError, match="type a rater id first"):
            flag_rater(store, "  ", True)
        with pytest.raises(HumansError, match="rater id 'abc' is not a whole number"):
            flag_rater(store, "abc", True)
        assert flag_rater(store, " 2 ", True) == "rater 2 flagged"


def one_rater_on_a_fixed_clock(tmp_path, votes: int = 6, every_s: float = 60.0):
    """One rater votes ``votes`` times, one vote every ``every_s`` seconds of a fixed clock; returns the db path."""
    study = make_study(
        tmp_path / "s",
        targets={"raters_per_pair": 2, "trials_per_rater": votes},
        quality={"attention_checks": 0, "practice_trials": 0},
    )
    clock = SimulatedClock(start=1_767_225_600.0)  # 2026-01-01 00:00 UTC
    with Store(tmp_path / "s.sqlite") as store:
        service = RaterService(study, store, tmp_path / "cache", clock=clock, rng=np.random.default_rng(0))
        token = service.enter(prolific_pid="fixedclock").rater_token
        service.accept_consent(token)
        service.finish_instructions(token)
        for _ in range(votes):
            trial = service.current_trial(token)
            clock.advance(every_s)
            service.submit(token, trial.token, Answer(preference=-1))
    return tmp_path / "s.sqlite"


def test_pace_and_time_to_target_follow_a_fixed_clock(tmp_path):
    """6 votes one minute apart are 60 votes/hour under every pandas (pandas 3 stores datetimes in microseconds)."""
    with Store(one_rater_on_a_fixed_clock(tmp_path)) as store:
        snap = snapshot(store, FAST)
    s = snap.summary
    assert s["votes"] == 6
    assert s["votes_per_hour"] == pytest.approx(60.0, rel=1e-9)
    assert s["eta_s"] == pytest.approx(s["remaining"] * 60.0, rel=1e-9)
    assert "60 votes/hour" in render(snap)[0]


def test_one_rater_and_six_votes_show_counts_and_say_why_not_a_ranking(tmp_path):
    with Store(one_rater_on_a_fixed_clock(tmp_path)) as store:
        snap = snapshot(store, FAST)
    assert snap.bt is None and snap.ranking_warnings[0].startswith("only 1 rater voted")
    assert list(snap.leaderboard.columns) == ["model", "votes", "wins", "ties", "losses"]
    assert snap.leaderboard["votes"].sum() == 2 * 6
    views = dict(zip(VIEW_NAMES, render(snap), strict=True))
    assert "No ranking yet" in views["summary"] and views["forest"] is None and "elo" not in views["leaderboard"]


def test_dashboard_and_report_count_agreement_and_left_share_over_the_same_votes(simulated_dbs, db_copy):
    """The dashboard's α and left share are the report's (both: trial votes of unflagged raters)."""
    db = db_copy("pairwise")
    with Store(db) as store:
        flag_rater(store, 2, True, "test")
        snap = snapshot(store, FAST)
    exported = scored_votes(votes_frame(db))
    assert snap.quality["alpha"] == pytest.approx(agreement(exported).alpha, abs=1e-12)
    assert snap.quality["left_share"] == pytest.approx(position_bias(exported).left_share, abs=1e-12)
    assert snap.quality["raters"] == len(snap.raters) and snap.quality["flagged"] >= 1
    assert "flagged ones included" in render(snap)[VIEW_NAMES.index("quality")]
