"""The dashboard's refresh is computed once per state of the study: an unchanged study answers from the cache, and
every change the dashboard shows (a vote, a new rater, a flag) makes the next refresh compute afresh."""

from __future__ import annotations

import pandas as pd

from annotation_app.dashboard_cache import DashboardCache
from annotation_app.dashboard_data import LeaderboardSettings, flag_rater, snapshot
from annotation_app.store import Store
from annotation_app.ui.admin_views import VIEW_NAMES, render

FAST = LeaderboardSettings(bootstrap=20)


def test_unchanged_study_is_answered_from_the_cache_and_changes_recompute(db_copy):
    db = db_copy("pairwise")
    with Store(db) as store:
        renders = []
        cache = DashboardCache(store, FAST, render=lambda snap: renders.append(snap) or len(renders))
        first = cache.snapshot()
        assert cache.snapshot() is first and cache.computed == 1
        assert cache.rendered() == cache.rendered() == 1  # rendered once
        assert first.summary == snapshot(store, FAST).summary  # the cached value is what a fresh one says

        rater = int(first.raters.loc[~first.raters["flagged"].astype(bool), "id"].iloc[0])
        flag_rater(store, rater, True, "test")
        flagged = cache.snapshot()
        assert flagged is not first and cache.computed == 2
        assert flagged.summary["raters"]["flagged"] == first.summary["raters"]["flagged"] + 1
        assert cache.rendered() == 2

        before = store.data_version()
        store.create_rater(
            {
                "external_id": "typed:late-rater",
                "id_kind": "typed",
                "typed_id": "late-rater",
                "token": "t" * 32,
                "stage": "consent",
                "attention_positions": "[]",
                "created_at": 1.0,
            }
        )
        assert store.data_version() != before
        assert cache.snapshot().summary["raters"]["started"] == flagged.summary["raters"]["started"] + 1
        assert cache.computed == 3


def test_with_a_wait_limit_a_change_shows_the_last_snapshot_labelled_until_the_new_one_is_computed(db_copy):
    db = db_copy("pairwise")
    with Store(db) as store:
        cache = DashboardCache(store, FAST, wait_s=0.0, pause_s=3600.0)  # no recomputation until warm()
        cache.snapshot()
        cache.wait()
        first = cache.snapshot()
        assert first.as_of_votes is None and not first.pending and cache.computed == 1

        rater = int(first.raters.loc[~first.raters["flagged"].astype(bool), "id"].iloc[0])
        flag_rater(store, rater, True, "test")
        now = snapshot(store, FAST)
        shown = cache.snapshot()
        assert cache.computed == 1 and cache.snapshot() is shown
        assert shown.as_of_votes == first.summary["votes"]
        assert shown.summary["raters"] == now.summary["raters"] != first.summary["raters"]  # counts are fresh
        pd.testing.assert_frame_equal(shown.pairs, now.pairs)
        pd.testing.assert_frame_equal(shown.leaderboard, first.leaderboard)  # the leaderboard is the old one
        assert not shown.leaderboard.equals(now.leaderboard)
        assert "as of" in render(shown)[0] and "as of" not in render(first)[0]

        cache.warm()
        cache.wait()
        fresh = cache.snapshot()
        assert fresh.as_of_votes is None and cache.computed == 2
        pd.testing.assert_frame_equal(fresh.leaderboard, now.leaderboard)
        assert fresh.summary == now.summary


def test_background_recomputations_share_one_thread_and_one_connection(db_copy):
    db = db_copy("pairwise")
    with Store(db) as store:
        cache = DashboardCache(store, FAST, wait_s=0.0, pause_s=0.0)
        cache.warm()
        cache.wait()
        rater = int(cache.snapshot().raters["id"].iloc[-1])
        connections = []
        for flagged in (True, False, True):
            flag_rater(store, rater, flagged, "test")
            cache.warm()
            cache.wait()
            assert cache.snapshot().as_of_votes is None
            connections.append(store.open_connections)
        assert cache.computed == 4 and connections[0] == connections[-1]


def test_the_first_refresh_shows_current_progress_at_once_and_says_the_rest_is_being_computed(db_copy):
    db = db_copy("pairwise")
    with Store(db) as store:
        slow = LeaderboardSettings(bootstrap=200_000)  # the first computation takes seconds
        cache = DashboardCache(store, slow, render, wait_s=0.0)
        assert not cache.showed_pending  # nothing rendered yet
        cache.rendered()  # returns before the computation it started can finish
        assert cache.showed_pending
        pending = cache.snapshot()
        full = snapshot(store, FAST)
        assert pending.pending and pending.as_of_votes is None and pending.bt is None
        assert pending.summary["votes"] == full.summary["votes"] > 0
        assert pending.summary["raters"] == full.summary["raters"]
        pd.testing.assert_frame_equal(pending.pairs, full.pairs)
        pd.testing.assert_frame_equal(pending.model_pairs, full.model_pairs)
        views = dict(zip(VIEW_NAMES, render(pending), strict=True))
        assert "being computed" in views["summary"] and "being computed" in views["study_quality"].lower()
        assert views["forest"] is None and len(views["leaderboard"]) == 0 and len(views["raters"]) == 0

        cache.wait()
        done = cache.snapshot()
        assert not done.pending and cache.computed == 1

        def points(board):  # the intervals depend on the number of bootstrap rounds; everything else does not
            return board.drop(columns=[c for c in board.columns if c.endswith(("_low", "_high"))])

        pd.testing.assert_frame_equal(points(done.leaderboard), points(full.leaderboard))
        assert len(done.leaderboard) > 0
        assert "being computed" not in cache.rendered()[0] and not cache.showed_pending
