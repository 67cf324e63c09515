"""Two ``humans serve`` processes on one SQLite file, with raters on both at once.

Atomicity lives in the database (each service step is one ``BEGIN IMMEDIATE`` transaction), not in a lock of one
process, so two processes sharing the file must behave like one server: every acknowledged vote is stored exactly
once, no rater gets a position or a pair twice, one rater entering through both processes at once is one rater
with one open trial, and the same vote sent to both processes is stored once.
"""

from __future__ import annotations

import threading

import pytest
from helpers.reliability_study import write_study
from rater_sim import OUT, RaterSpec, run_crowd
from rater_tab import Tab, no_5xx, value, votes_of
from reliability_db import db_rows, vote_rows
from server_process import ServerProcess

RATERS = 8
TRIALS = 4
FLOOR = 0.1


@pytest.fixture
def servers(tmp_path):
    root = write_study(tmp_path / "study", trials_per_rater=TRIALS, min_listen_fraction=FLOOR)
    db = tmp_path / "study.sqlite"
    pair = [ServerProcess(root, db, tmp_path / f"server-{name}.log") for name in "ab"]
    try:
        for server in pair:
            server.start()
        yield pair
        for server in pair:
            assert "Exception in ASGI application" not in server.log(), server.log()
    finally:
        for server in pair:
            server.kill()


def test_raters_on_two_processes_lose_and_duplicate_nothing(servers, tmp_path):
    specs = [
        RaterSpec(servers[i % 2].url, f"twopid{i:03d}", str(tmp_path / f"acks-{i}.jsonl"), FLOOR, seed=i)
        for i in range(RATERS)
    ]
    results = run_crowd(specs, tmp_path / "results", timeout_s=300)

    assert [r["error"] for r in results] == [None] * RATERS
    assert all(r["done"] and r["completion_seen"] for r in results)
    assert not [c for r in results for c in r["statuses"] if c.startswith("5")]
    acked = sorted(token for r in results for token in r["acked"])
    assert len(acked) == len(set(acked)) == RATERS * (TRIALS + 1)
    db = servers[0].db_path
    assert sorted(v["token"] for v in vote_rows(db)) == acked  # nothing lost, nothing extra
    for rows in _by_rater(vote_rows(db)).values():
        assert sorted(v["position"] for v in rows) == list(range(1, TRIALS + 2))
        pairs = [v["pair_id"] for v in rows]
        assert len(pairs) == len(set(pairs)), "a rater got the same pair twice"
    issued = db_rows(db, "SELECT rater_id, phase, position FROM assignments")
    assert len(issued) == len({(a["rater_id"], a["phase"], a["position"]) for a in issued})
    assert db_rows(db, "SELECT COUNT(*) AS n FROM votes GROUP BY assignment_id HAVING n > 1") == []
    # coverage stays balanced across the two processes: every pair got its votes before any got a third more
    counts = [
        r["n"]
        for r in db_rows(
            db,
            "SELECT COUNT(v.id) AS n FROM pairs p LEFT JOIN assignments a ON a.pair_id = p.id AND a.kind = 'trial' "
            "LEFT JOIN votes v ON v.assignment_id = a.id WHERE p.kind = 'trial' GROUP BY p.id",
        )
    ]
    assert sum(counts) == RATERS * TRIALS
    assert max(counts) - min(counts) <= 2, counts
    assert db_rows(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]


def test_one_rater_through_both_processes_is_one_rater_with_one_trial_and_one_vote(servers):
    # a new rater entering through both processes at the same instant: one row, one token, one open trial
    tabs = [Tab(servers[i % 2], "10.9.0.1") for i in range(4)]
    trials: list = [None] * len(tabs)

    def enter(i: int) -> None:
        trials[i] = tabs[i].to_trial("bothpid")

    threads = [threading.Thread(target=enter, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len({tab.token for tab in tabs}) == 1 and tabs[0].token
    assert len(set(trials)) == 1 and trials[0], trials
    assert db_rows(servers[0].db_path, "SELECT COUNT(*) AS n FROM raters WHERE prolific_pid = 'bothpid'") == [{"n": 1}]

    # the same vote sent to both processes at once: one vote, the others are told it is already recorded
    tabs[0].wait_floor()
    notices: list[str] = []

    def send(i: int) -> None:
        notices.append(value(tabs[i].submit(trials[0], "-1", reason="race")[OUT["notice"]]) or "")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(notices) == len(tabs) and sum(n == "" for n in notices) == 1, notices
    assert all("already been recorded" in n for n in notices if n)
    assert [v["token"] for v in votes_of(servers[0], "bothpid")] == [trials[0]]
    assert no_5xx(*tabs)


def _by_rater(votes: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for v in votes:
        out.setdefault(v["prolific_pid"], []).append(v)
    return out
