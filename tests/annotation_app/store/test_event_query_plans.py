"""Every statement a rater's events run finds its rows through an index: no query visits every assignment, vote,
attention result or rater, so an event costs the same at the first vote as at the hundred-thousandth.

SQLite's own planner says so (``EXPLAIN QUERY PLAN`` of each statement as it ran, with its values); a ``SCAN`` of
a table (or of a whole index of it) is a visit of every row.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from helpers.studies import answer_for

from annotation_app.rater_service import RaterService
from annotation_app.store import Store

#: Tables whose size does not grow with raters or votes (one row per study, model or scenario).
SMALL_TABLES = {"study", "models", "scenarios", "schema_version", "study_secrets"}


def _scans(conn: sqlite3.Connection, statement: str) -> list[str]:
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement)]
    return [
        detail
        for detail in plan
        if detail.startswith("SCAN ")
        and not detail.startswith(("SCAN (subquery", "SCAN CONSTANT ROW"))
        and detail.split()[1] not in SMALL_TABLES
    ]


@pytest.mark.parametrize(
    ("scheme", "scheduling"), [("pairwise", "balanced"), ("likert", "balanced"), ("pairwise", "active")]
)
def test_a_rater_session_visits_no_table_row_by_row(tmp_path, study_factory, scheme, scheduling):
    study = study_factory(
        rating={"scheme": scheme},
        models=("zebramodel", "yakmodel", "xerusmodel", "wombatmodel"),
        scenarios=6,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 5, "scheduling": scheduling},
        quality={"attention_checks": 1, "practice_trials": 1, "min_listen_fraction": 0.0},
    )
    clock = [1000.0]
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(study, store, tmp_path / "cache", clock=lambda: clock[0], rng=np.random.default_rng(0))

        def session(name: str, expire: bool = False) -> None:
            token = service.enter(typed_id=name, client="10.0.0.1").rater_token
            service.rater(token)
            service.accept_consent(token)
            service.finish_instructions(token)
            while (trial := service.current_trial(token)) is not None:
                clock[0] += 1
                if expire:  # away for an hour: the trial expires, comes back revived
                    clock[0] += 3600
                    trial = service.current_trial(token)
                service.submit(token, trial.token, answer_for(service, -1))

        for r in range(6):  # votes and raters already in the database
            session(f"earlier-{r}")
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:
            session("watched-1")
            session("watched-2", expire=True)
        finally:
            store.db.conn.set_trace_callback(None)
    queries = {s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE"))}
    assert len(queries) > 30  # the session's statements were seen
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        scanning = {s: scans for s in sorted(queries) if (scans := _scans(conn, s))}
    assert not scanning, "statements that visit every row:\n" + "\n".join(f"{s}\n  {v}" for s, v in scanning.items())
