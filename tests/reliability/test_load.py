"""Load: raters in separate processes complete a study at once against ``humans serve`` over HTTP.

Every vote acknowledged to a rater is in the database exactly once, and nothing else is; no request gets a 5xx;
every rater reaches the done page with one vote per position. (Speed is measured in benchmarks/, not here.)
"""

from __future__ import annotations

from rater_sim import RaterSpec, run_crowd
from reliability_db import db_rows, vote_rows

RATERS = 8
TRIALS = 5
FLOOR = 0.1


def test_concurrent_raters_complete_the_study_and_every_ack_is_stored(served, tmp_path):
    server = served(trials_per_rater=TRIALS, attention_checks=1, min_listen_fraction=FLOOR)
    specs = [
        RaterSpec(server.url, f"loadpid{i:03d}", str(tmp_path / f"acks-{i}.jsonl"), FLOOR, seed=i)
        for i in range(RATERS)
    ]
    results = run_crowd(specs, tmp_path / "results", timeout_s=300)

    assert [r["error"] for r in results] == [None] * RATERS
    assert all(r["done"] and r["completion_seen"] for r in results)
    statuses = {code for r in results for code in r["statuses"]}
    assert not [code for code in statuses if code.startswith("5")], statuses
    acked = sorted(token for r in results for token in r["acked"])
    assert len(acked) == len(set(acked)) == RATERS * (TRIALS + 1)

    votes = vote_rows(server.db_path)
    assert sorted(v["token"] for v in votes) == acked
    by_rater: dict[str, list[dict]] = {}
    for v in votes:
        by_rater.setdefault(v["prolific_pid"], []).append(v)
    assert sorted(by_rater) == sorted(s.pid for s in specs)
    for rows in by_rater.values():
        assert sorted(v["position"] for v in rows) == list(range(1, TRIALS + 2))
        pairs = [v["pair_id"] for v in rows]
        assert len(pairs) == len(set(pairs)), "a rater got the same pair twice"
    assert db_rows(server.db_path, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    server.stop()
