"""The store: pragmas, schema version, idempotent import, refusal of a changed study, one vote per assignment,
concurrent writers."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from annotation_app.rater_service import Answer, RaterService
from annotation_app.store import SCHEMA_VERSION, Store, StoreError, StudyChanged
from annotation_app.store.store import BUSY_TIMEOUT_MS, CACHE_KIB

TABLES = {
    "schema_version",
    "study",
    "models",
    "scenarios",
    "conversations",
    "turns",
    "pairs",
    "raters",
    "assignments",
    "votes",
    "likert",
    "events",
    "attention",
}


def test_new_database_has_schema_wal_and_foreign_keys(tmp_path):
    with Store(tmp_path / "a.sqlite") as store:
        assert set(store.table_names()) >= TABLES
        assert store.schema_version() == SCHEMA_VERSION
        assert store.pragma("journal_mode") == "wal"
        assert store.pragma("synchronous") == 2  # FULL
        assert store.pragma("foreign_keys") == 1
        assert store.pragma("busy_timeout") == BUSY_TIMEOUT_MS
        assert store.pragma("cache_size") == -CACHE_KIB


def test_connections_of_ended_threads_are_closed_and_live_ones_kept(tmp_path):
    """A server's thread pool ends idle threads and starts new ones; the store must not keep a connection (three
    file descriptors, a page cache) for every thread that ever ran."""
    with Store(tmp_path / "a.sqlite") as store:
        assert store.open_connections == 1  # this thread's
        opened = []

        def use_store():
            store.schema_version()
            opened.append(store.db.conn)

        for _ in range(5):
            worker = threading.Thread(target=use_store)
            worker.start()
            worker.join()
        # each new thread closed the connection of the one before it, which had ended
        assert store.open_connections == 2
        for conn in opened[:-1]:
            with pytest.raises(sqlite3.ProgrammingError, match="closed"):
                conn.execute("SELECT 1")
        opened[-1].execute("SELECT 1")  # not closed until another thread opens one
        assert store.schema_version() == SCHEMA_VERSION  # this thread's connection was kept
        assert store.open_connections == 2


def test_reopening_does_not_rerun_migrations(tmp_path):
    Store(tmp_path / "a.sqlite").close()
    with Store(tmp_path / "a.sqlite") as store:
        assert store.count("schema_version") == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99 but this version of humans knows up to"):
        Store(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="is not a usable SQLite database"):
        Store(path)


def test_a_database_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match=r"the folder .*/nowhere of the database does not exist"):
        Store(tmp_path / "nowhere" / "a.sqlite")


def test_import_is_idempotent(tmp_path, study):
    with Store(tmp_path / "a.sqlite") as store:
        assert store.import_study(study) is True
        counts = {t: store.count(t) for t in ("models", "scenarios", "conversations", "turns", "pairs")}
        assert store.import_study(study) is False
        assert {t: store.count(t) for t in counts} == counts
    assert counts == {"models": 3, "scenarios": 4, "conversations": 12, "turns": 48, "pairs": 12}


def test_reimport_points_turns_at_the_names_served_now(tmp_path, study):
    """A database made by an older version (other served names) serves the same clips after an upgrade."""
    with Store(tmp_path / "a.sqlite") as store:
        store.import_study(study)
        served = [t["audio_name"] for c in store.conversations() for t in store.turns(c["id"])]
        with store.db.conn:
            store.db.execute("UPDATE turns SET audio_name = 'old-' || audio_name")
        assert store.import_study(study) is False
        assert [t["audio_name"] for c in store.conversations() for t in store.turns(c["id"])] == served


def test_round_trip_of_the_study(tmp_path, study):
    with Store(tmp_path / "a.sqlite") as store:
        store.import_study(study)
        again = store.load_study()
    assert again.config == study.config
    assert again.content_hash == study.content_hash
    assert again.conversations == study.conversations
    assert again.pairs == study.pairs


def test_changed_study_replaces_rows_while_no_votes(tmp_path, study_factory):
    first = study_factory("one")
    second = study_factory("two", models=("zebramodel", "yakmodel"), scenarios=2)
    with Store(tmp_path / "a.sqlite") as store:
        store.import_study(first)
        assert store.import_study(second) is True
        assert store.study_row()["content_hash"] == second.content_hash
        assert store.count("conversations") == 4
        assert store.count("pairs") == 2


def _one_vote(tmp_path, study, clock):
    store = Store(tmp_path / "a.sqlite")
    service = RaterService(study, store, tmp_path / "cache", clock=clock, rng=np.random.default_rng(0))
    token = service.enter(typed_id="rater-one").rater_token
    service.accept_consent(token)
    service.finish_instructions(token)
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s + 1)
    service.submit(token, trial.token, Answer(preference=-1))
    return store, service


def test_changed_study_is_refused_once_votes_exist(tmp_path, study_factory, clock):
    first = study_factory("one")
    store, _ = _one_vote(tmp_path, first, clock)
    second = study_factory("two", scenarios=3)
    before = {t: store.count(t) for t in TABLES}
    with pytest.raises(StudyChanged, match=r"already holds 1 votes .* start a new database \(--db NEW_FILE\)"):
        store.import_study(second)
    assert {t: store.count(t) for t in TABLES} == before
    assert store.study_row()["content_hash"] == first.content_hash
    store.import_study(first)  # the same study again is fine
    store.close()


def test_record_vote_twice_writes_nothing_new(tmp_path, study, clock):
    store, _service = _one_vote(tmp_path, study, clock)
    vote = store.votes()[0]
    before = {t: store.count(t) for t in TABLES}
    record = {k: vote[k] for k in ("assignment_id", "rater_id", "kind", "position", "left_conversation_id")}
    record |= {"shown_at": 0.0, "voted_at": 1.0, "time_to_vote_s": 1.0, "raw_choice": 1}
    events = [
        {
            "assignment_id": vote["assignment_id"],
            "rater_id": vote["rater_id"],
            "side": "left",
            "conversation_id": vote["left_conversation_id"],
            "turn": 0,
            "kind": "play",
            "media_time_s": 0.0,
            "client_ms": 0,
            "server_at": 1.0,
        }
    ]
    assert store.record_vote(record, events=events, rater_update={"stage": "done"}) is False
    assert {t: store.count(t) for t in TABLES} == before
    assert store.votes()[0]["raw_choice"] == -1
    assert store.rater_by_id(vote["rater_id"])["stage"] != "done"
    store.close()


def test_unique_constraint_holds_against_raw_insert(tmp_path, study, clock):
    store, _ = _one_vote(tmp_path, study, clock)
    vote = store.votes()[0]
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(
            "INSERT INTO votes (assignment_id, rater_id, kind, position, left_conversation_id, shown_at, voted_at, "
            "time_to_vote_s) VALUES (?, ?, 'trial', 1, ?, 0, 0, 0)",
            [vote["assignment_id"], vote["rater_id"], vote["left_conversation_id"]],
        )
    conn.close()
    store.close()


def test_concurrent_submits_store_exactly_one_vote(tmp_path, study, clock):
    """Eight threads submit the same trial at once (a double click, two tabs): one vote, seven duplicates."""
    store = Store(tmp_path / "a.sqlite")
    service = RaterService(study, store, tmp_path / "cache", clock=clock, rng=np.random.default_rng(0))
    token = service.enter(typed_id="rater-one").rater_token
    service.accept_consent(token)
    service.finish_instructions(token)
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s + 1)
    barrier = threading.Barrier(8)
    receipts, errors = [], []

    def submit():
        barrier.wait()
        try:
            receipts.append(service.submit(token, trial.token, Answer(preference=1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.duplicate for r in receipts) == [False] + [True] * 7
    assert store.count("votes") == 1
    store.close()


def test_two_connections_write_without_locking_errors(tmp_path, study_factory, clock):
    """Two services on two connections to one file (a server and `humans simulate`) both get their writes in."""
    # no listening floor: both threads share one fake clock that nobody advances
    study = study_factory(targets={"raters_per_pair": 2, "trials_per_rater": 3}, quality={"min_listen_fraction": 0.0})
    path = tmp_path / "a.sqlite"
    services = [
        RaterService(study, Store(path), tmp_path / "cache", clock=clock, rng=np.random.default_rng(i))
        for i in range(2)
    ]
    errors = []

    def rate(service, name):
        try:
            for i in range(4):
                token = service.enter(typed_id=f"{name}-{i}").rater_token
                service.accept_consent(token)
                service.finish_instructions(token)
                while (trial := service.current_trial(token)) is not None:
                    service.submit(token, trial.token, Answer(preference=0))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rate, args=(s, f"conn{i}")) for i, s in enumerate(services)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(path) as store:
        assert store.count("raters") == 8
        assert store.rater_summary()["finished"] == 8
    for s in services:
        s.store.close()


def test_many_raters_on_server_threads_at_once(tmp_path, study_factory, clock):
    """Eight raters on eight threads share one service and one connection (as under the Gradio server)."""
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel", "wombatmodel"),
        scenarios=4,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 3},
        quality={"min_listen_fraction": 0.0, "practice_trials": 1, "attention_checks": 1},
    )
    store = Store(tmp_path / "a.sqlite")
    service = RaterService(study, store, tmp_path / "cache", clock=clock, rng=np.random.default_rng(1))
    barrier = threading.Barrier(8)
    errors = []

    def rate(i):
        try:
            barrier.wait()
            token = service.enter(prolific_pid=f"pid{i}").rater_token
            service.accept_consent(token)
            service.finish_instructions(token)
            while (trial := service.current_trial(token)) is not None:
                assert service.current_trial(token) == trial  # a second tab in the middle of it all
                service.submit(token, trial.token, Answer(preference=-1 if i % 2 else 1, reason="ok"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    summary = store.rater_summary()
    assert summary["started"] == 8
    assert summary["finished"] + summary["screened_out"] == 8
    votes = store.votes()
    assert len({v["assignment_id"] for v in votes}) == len(votes)
    main = [v for v in votes if v["phase"] == "main"]
    assert len(main) == 8 * 4
    assert {v["attention_passed"] for v in votes if v["kind"] == "trial"} == {None}
    assert {v["attention_passed"] for v in votes if v["kind"] == "attention"} <= {0, 1}
    store.close()


def test_open_existing_names_what_is_wrong(tmp_path):
    with pytest.raises(StoreError, match=r"x.sqlite does not exist; give the study's database file"):
        Store.open_existing(tmp_path / "x.sqlite")
    with pytest.raises(StoreError, match=r"is a folder, not a file"):
        Store.open_existing(tmp_path)
    Store(tmp_path / "empty.sqlite").close()
    with pytest.raises(StoreError, match=r"empty.sqlite holds no study yet; run `humans serve STUDY_DIR --db"):
        Store.open_existing(tmp_path / "empty.sqlite")
