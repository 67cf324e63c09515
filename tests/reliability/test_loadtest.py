"""``humans loadtest`` against a real ``humans serve`` on loopback: what it acknowledges is what the database holds.

A few raters (one asyncio process) go through consent, instructions and every trial, waiting the listening floor;
the votes the load test reports as acknowledged are exactly the votes stored, once each. A kill -9 in the middle
of a run: the raters wait, reload and finish, and every acknowledged vote is still there. (Speed is measured in
benchmarks/loadtest_targets.py, not here.)
"""

from __future__ import annotations

import json
import threading
import time

from click.testing import CliRunner
from reliability_db import db_rows, vote_rows

from annotation_app.cli import cli
from annotation_app.loadtest import loadtest

RATERS = 4
TRIALS = 3
FLOOR = 0.5


def test_loadtest_cli_votes_land_in_the_database_once_each(served, tmp_path):
    server = served(trials_per_rater=TRIALS, attention_checks=1, min_listen_fraction=FLOOR)
    out = tmp_path / "load.json"
    args = [server.url, "--raters", str(RATERS), "--arrival-minutes", "0.05", "--think", "0.2"]
    result = CliRunner().invoke(cli, ["loadtest", *args, "--trials", "10", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "submit" in result.output and "events/s" in result.output and "errors: none" in result.output

    summary = json.loads(out.read_text())
    assert summary["errors"] == {} and summary["http_5xx"] == 0
    assert summary["raters_finished"] == RATERS
    for kind in ("page", "asset", "enter", "consent", "instructions", "submit", "audio"):
        assert summary["kinds"][kind]["n"] > 0, kind
    assert summary["kinds"]["submit"]["n"] == RATERS * (TRIALS + 1)
    assert summary["kinds"]["audio"]["n"] == 4 * RATERS * (TRIALS + 1)  # two conversations of two turns per trial

    votes = vote_rows(server.db_path)
    acked = sorted(a["trial"] for a in summary["acknowledged"])
    assert sorted(v["token"] for v in votes) == acked
    assert len(set(acked)) == len(acked) == RATERS * (TRIALS + 1)
    assert len({(v["prolific_pid"], v["phase"], v["position"]) for v in votes}) == len(votes)
    # The server refuses a vote before the floor; none was refused, and each waited at least the floor.
    floors = db_rows(
        server.db_path,
        "SELECT v.time_to_vote_s, (SELECT SUM(t.duration_s) FROM turns t WHERE t.conversation_id IN "
        "(v.left_conversation_id, v.right_conversation_id)) AS audio_s FROM votes v",
    )
    assert all(f["time_to_vote_s"] >= FLOOR * f["audio_s"] for f in floors)
    server.stop()


def test_loadtest_raters_resume_after_kill_9_and_every_acknowledged_vote_is_stored(served):
    server = served(trials_per_rater=6, attention_checks=0, min_listen_fraction=FLOOR)
    box: dict = {}
    runner = threading.Thread(
        target=lambda: box.update(report=loadtest(server.url, raters=RATERS, arrival_minutes=0, think=1.0, trials=10)),
        daemon=True,
    )
    runner.start()
    deadline = time.monotonic() + 120
    while len(vote_rows(server.db_path)) < RATERS and time.monotonic() < deadline:
        time.sleep(0.2)
    server.kill()
    time.sleep(1.5)
    server.start()
    runner.join(timeout=240)
    report = box["report"]

    assert report.outages >= 1 and report.raters_finished == RATERS, report.format()
    stored = {v["token"] for v in vote_rows(server.db_path)}
    acked = [a["trial"] for a in report.acknowledged]
    assert set(acked) <= stored and len(acked) == len(set(acked))
    assert len(stored) == RATERS * 6  # everyone resumed and finished: one vote per position, none twice
    server.stop()


def test_loadtest_names_a_url_that_does_not_answer(tmp_path):
    result = CliRunner().invoke(cli, ["loadtest", "http://127.0.0.1:9/", "--raters", "1"])
    assert result.exit_code == 1
    assert "does not answer like a Gradio page" in result.output and "Traceback" not in result.output
