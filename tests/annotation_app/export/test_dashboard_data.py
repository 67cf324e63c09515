"""The dashboard's service module on simulated studies of every scheme, and on a study without votes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.studies import MODELS, make_study
from matplotlib.figure import Figure

from analysis.errors import HumansError
from annotation_app.dashboard_data import LeaderboardSettings, _eta, flag_rater, snapshot
from annotation_app.rater_service import RaterService
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
