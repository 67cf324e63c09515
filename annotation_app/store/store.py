"""The SQLite store: the only place that runs SQL (through sqlite-utils).

Concurrency: one :class:`Store` is shared by the server's threads and each thread gets its own connection, so
reads run in parallel (WAL mode) and atomicity comes from the database, not from a lock in the process. A service
step that reads and then writes runs as one transaction, :meth:`Store.atomic`: ``BEGIN IMMEDIATE`` takes the
database's write lock up front (no upgrade deadlock), every store call of the step runs inside it, and a step that
meets ``SQLITE_BUSY`` after ``busy_timeout`` is retried a bounded number of times. Writers wait for the write lock
in a queue (:mod:`annotation_app.store.writer_queue`), not in SQLite's polling busy handler. Several processes
(``humans serve`` workers, ``humans simulate`` beside a server) may share one file. Foreign keys are on.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from annotation_app.audio_cache import served_name
from annotation_app.store import sql as plain
from annotation_app.store.config_json import config_from_json, config_to_json
from annotation_app.store.errors import StoreError, StoreUnavailable, StudyChanged
from annotation_app.store.quality import QualityQueries
from annotation_app.store.research import ResearchQueries
from annotation_app.store.schema import MIGRATIONS, SCHEMA_VERSION
from annotation_app.store.writer_queue import writer_queue
from annotation_app.study.model import Conversation, Study, Turn

__all__ = [
    "ATOMIC_ATTEMPTS",
    "BUSY_TIMEOUT_MS",
    "DB_FILE_NAME",
    "GoldItem",
    "SchedulingReader",
    "Store",
    "default_db_path",
]

#: How long a writer waits for another connection's write lock before SQLite reports busy (milliseconds).
BUSY_TIMEOUT_MS = 5_000

#: How often :meth:`Store.atomic` runs a step that keeps meeting ``SQLITE_BUSY`` before giving up.
ATOMIC_ATTEMPTS = 4

T = TypeVar("T")

#: File name of a study's database when none is given (inside the study folder).
DB_FILE_NAME = "humans.sqlite"

_STUDY_TABLES = ("attention", "events", "likert", "votes", "assignments", "raters", "pairs", "turns", "conversations")


def default_db_path(study_dir: str | Path) -> Path:
    """The database a study folder uses when no ``--db`` is given: ``<study_dir>/humans.sqlite``."""
    return Path(study_dir) / DB_FILE_NAME


@dataclass(frozen=True)
class GoldItem:
    """An attention-check item: a good conversation and a deliberately bad one (same scenario)."""

    good: Conversation
    bad: Conversation


#: SQLite page cache per connection, KiB.
CACHE_KIB = 512


class Store(ResearchQueries, QualityQueries):
    """A study database.

    Parameters
    ----------
    path : str or Path
        The SQLite file; created (with the schema) when absent.
    queue_writers : bool, default True
        Writers of this file (threads and processes) take SQLite's write lock in turn through a
        :class:`~annotation_app.store.writer_queue.WriterQueue`; False leaves the ordering to SQLite's busy handler
        alone (the comparison of ``benchmarks/store_write_queue.py``).

    Raises
    ------
    StoreError
        When the file is not a SQLite database or was written by a newer version of this tool.
    """

    def __init__(self, path: str | Path, *, queue_writers: bool = True) -> None:
        self.path = Path(path)
        self._writers = writer_queue(self.path) if queue_writers else None
        self._local = threading.local()
        #: Every open connection with the thread it belongs to (connections of ended threads are closed when
        #: the next thread opens one: the server's thread pool ends idle threads and starts new ones).
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        if not self.path.parent.is_dir():
            raise StoreError(
                f"the folder {self.path.parent} of the database does not exist; create it or pass another --db."
            )
        try:
            self.db.enable_wal()
            self._migrate()
        except sqlite3.OperationalError as exc:
            if _write_failure(exc):
                raise self._unavailable(exc) from None
            raise StoreError(
                f"{self.path} is not a usable SQLite database ({exc}); pass a new file name or the study's database."
            ) from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a usable SQLite database ({exc}); pass a new file name or the study's database."
            ) from None

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (opened on first use; every thread of the server has its own)."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise StoreError(f"{self.path} was closed; open the store again.")
            conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            db = sqlite_utils.Database(conn)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            # FULL: an acknowledged vote survives a power cut, not only a crash (WAL + NORMAL may lose the last
            # commits); measured 0.14 ms per commit here against 0.02 ms, negligible at human voting rates.
            db.execute("PRAGMA synchronous = FULL")
            # 512 KiB of page cache per connection (SQLite's default is 2 MB): the server has one connection per
            # thread (up to about 40), and in WAL mode a connection's cache is dropped whenever another one has
            # committed, which on a live study is every vote; the operating system caches the file anyway.
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            with self._connections_lock:
                self._connections = [*self._open_of_live_threads(), (threading.current_thread(), conn)]
            self._local.db = db
            self._local.depth = 0
        return db

    def _open_of_live_threads(self) -> list[tuple[threading.Thread, sqlite3.Connection]]:
        """The connections whose thread still runs; closes the others (call with ``_connections_lock`` held).

        Without this a long-running server keeps a connection (three file descriptors and up to 2 MB of page
        cache) for every thread that ever touched the store, and its thread pool replaces idle threads all day.
        """
        live = []
        for thread, conn in self._connections:
            if thread.is_alive():
                live.append((thread, conn))
            else:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
        return live

    @property
    def open_connections(self) -> int:
        """How many SQLite connections the store holds open (at most one per live thread, plus ended threads'
        until the next thread opens one)."""
        with self._connections_lock:
            return len(self._connections)

    # ------------------------------------------------------------------ plumbing
    @classmethod
    def open_existing(cls, path: str | Path) -> Store:
        """Open a database that must already hold a study (for status, export, scores and simulate).

        Raises
        ------
        StoreError
            When ``path`` is not a file, not a SQLite database, or holds no study yet; one sentence each.
        """
        path = Path(path)
        if not path.is_file():
            what = "is a folder, not a file" if path.is_dir() else "does not exist"
            raise StoreError(f"{path} {what}; give the study's database file (humans serve --db FILE).")
        store = cls(path)
        if store.study_row() is None:
            store.close()
            raise StoreError(f"{path} holds no study yet; run `humans serve STUDY_DIR --db {path}` first.")
        return store

    def close(self) -> None:
        """Close every thread's connection."""
        with self._connections_lock:
            self._closed = True
            for _, conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def atomic(self, step: Callable[[], T]) -> T:
        """Run ``step`` (which calls this store's methods) as one transaction, retried when the database is busy.

        The transaction starts with ``BEGIN IMMEDIATE``, so the step reads a state no other connection can change
        before it commits. ``step`` may raise (a refused vote): the transaction is rolled back and the error passes
        through. When SQLite still reports ``SQLITE_BUSY``/``locked`` after ``busy_timeout``
        (:data:`BUSY_TIMEOUT_MS`), the whole step is run again after a short random pause, at most
        :data:`ATOMIC_ATTEMPTS` times; then :class:`StoreUnavailable` is raised. Nested calls join the outer
        transaction.
        """
        if getattr(self._local, "depth", 0):
            return step()
        for attempt in range(ATOMIC_ATTEMPTS):
            try:
                with self._write():
                    return step()
            except StoreUnavailable as exc:
                if not _busy(exc.__cause__) or attempt == ATOMIC_ATTEMPTS - 1:
                    raise
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction (``BEGIN IMMEDIATE``: the write lock is taken up front, no upgrade deadlock).

        Inside a transaction of the same thread it joins that transaction.
        """
        db = self.db
        if self._local.depth:
            self._local.depth += 1
            try:
                yield db
            finally:
                self._local.depth -= 1
            return
        with self._write_turn():
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _write_failure(exc):
                    raise self._unavailable(exc) from exc
                raise
            self._local.depth = 1
            self._local.first_vote = None  # set by record_vote: the id of this transaction's first vote
            try:
                yield db
                db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback_quietly()
                if _write_failure(exc):
                    raise self._unavailable(exc) from exc
                raise
            except BaseException:
                self._rollback_quietly()
                raise
            finally:
                self._local.depth = 0

    @contextlib.contextmanager
    def _write_turn(self) -> Iterator[None]:
        """This thread's turn among the file's writers; busy (retried by :meth:`atomic`) when it does not come."""
        if self._writers is None:
            yield
            return
        with self._writers.turn(timeout=BUSY_TIMEOUT_MS / 1000) as got:
            if not got:
                exc = sqlite3.OperationalError("database is locked (waited for this process's other writers)")
                raise self._unavailable(exc) from exc
            yield

    def _rollback_quietly(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("ROLLBACK")

    def _unavailable(self, exc: sqlite3.OperationalError) -> StoreUnavailable:
        """The researcher's error for a failed write: names the file, the cause and what to do."""
        text = str(exc)
        read_only = not os.access(self.path.parent, os.W_OK) or (
            self.path.exists() and not os.access(self.path, os.W_OK)
        )
        if "full" in text:
            what = "the disk is full; free some space"
        elif read_only or "readonly" in text or "read-only" in text:
            what = "the file or its folder is read-only; make both writable for the user running humans"
        elif _busy(exc):
            what = "other writers held the database too long; try again, and stop any other program writing to it"
        else:
            what = "check the disk and the file's permissions"
        return StoreUnavailable(f"cannot write to {self.path} ({text}): {what}; nothing of the failed write was saved.")

    def _rows(self, sql: str, params: Sequence | dict | None = None) -> list[dict]:
        return plain.select(self.db, sql, params)

    def _one(self, sql: str, params: Sequence | dict | None = None) -> dict | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _migrate(self) -> None:
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
            row = next(iter(db.query("SELECT MAX(version) AS v FROM schema_version")))
            current = row["v"] or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {current} but this version of humans knows up to "
                    f"{SCHEMA_VERSION}; upgrade humans-lab to open it."
                )
            for version in range(current, SCHEMA_VERSION):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, datetime('now'))", [version + 1]
                )

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._one("SELECT MAX(version) AS v FROM schema_version")["v"]

    def pragma(self, name: str) -> Any:
        """The value of a PRAGMA (for checks and diagnostics)."""
        return self.db.execute(f"PRAGMA {name}").fetchone()[0]

    def table_names(self) -> list[str]:
        """Names of the tables."""
        return self.db.table_names()

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        return self.db[table].count

    # ------------------------------------------------------------------ study import
    def study_row(self) -> dict | None:
        """The imported study's row (title, content_hash, config_json, root), or None."""
        return self._one("SELECT * FROM study WHERE id = 1")

    def import_study(self, study: Study, gold: Sequence[GoldItem] = (), *, now: float = 0.0) -> bool:
        """Import ``study`` (and its attention-check items); idempotent.

        Re-importing the same content (same ``content_hash``) changes nothing and returns False. A study with a
        different hash replaces the previous one when no vote was collected yet (raters and assignments are
        removed too) and is refused with :class:`StudyChanged` otherwise. Returns True when rows were written.
        """
        with self._write() as db:
            existing = next(iter(db.query("SELECT content_hash FROM study WHERE id = 1")), None)
            if existing is not None:
                if existing["content_hash"] == study.content_hash:
                    self._refresh_served_names(db, study, gold)
                    return False
                votes = db.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
                if votes:
                    raise StudyChanged(
                        f"{self.path} already holds {votes} votes for a study with content hash "
                        f"{existing['content_hash'][:12]}, but the study at {study.root} has hash "
                        f"{study.content_hash[:12]}; collected data is never altered, so start a new database "
                        "(--db NEW_FILE) or restore the study's previous content."
                    )
                for table in (*_STUDY_TABLES, "models", "scenarios", "study"):
                    db.execute(f"DELETE FROM {table}")
            db["study"].insert(
                {
                    "id": 1,
                    "title": study.config.title,
                    "content_hash": study.content_hash,
                    "config_json": config_to_json(study.config),
                    "root": str(study.root),
                    "imported_at": now,
                }
            )
            conversations = list(study.conversations)
            known = {c.id for c in conversations}
            conversations += [g.bad for g in gold if g.bad.id not in known]
            model_ids = {}
            for name in sorted({c.model for c in conversations}):
                model_ids[name] = db["models"].insert({"name": name}).last_pk
            scenario_ids = {}
            for name in sorted({c.scenario for c in conversations}):
                scenario_ids[name] = db["scenarios"].insert({"name": name}).last_pk
            conv_ids: dict[str, int] = {}
            generated = {g.bad.id for g in gold} - {c.id for c in study.conversations}
            for conv in conversations:
                conv_ids[conv.id] = cid = (
                    db["conversations"]
                    .insert(
                        {
                            "ext_id": conv.id,
                            "public_id": conv.public_id,
                            "scenario_id": scenario_ids[conv.scenario],
                            "model_id": model_ids[conv.model],
                            "gold_bad": int(conv.gold_bad),
                            "generated": int(conv.id in generated),
                            "duration_s": conv.duration_s,
                        }
                    )
                    .last_pk
                )
                db["turns"].insert_all(
                    {
                        "conversation_id": cid,
                        "idx": i,
                        "role": t.role,
                        "audio_name": served_name(t.sha256, study.config.audio),
                        "sha256": t.sha256,
                        "source_path": str(t.audio),
                        "duration_s": t.duration_s,
                        "text": t.text,
                    }
                    for i, t in enumerate(conv.turns)
                )
            rows = [("trial", p.scenario, p.a, p.b) for p in study.pairs]
            rows += [("gold", g.good.scenario, g.good, g.bad) for g in gold]
            db["pairs"].insert_all(
                {
                    "kind": kind,
                    "scenario_id": scenario_ids[scenario],
                    "conv_a": conv_ids[a.id],
                    "conv_b": conv_ids[b.id],
                    "model_a": model_ids[a.model],
                    "model_b": model_ids[b.model],
                }
                for kind, scenario, a, b in rows
            )
        return True

    @staticmethod
    def _refresh_served_names(db, study: Study, gold: Sequence[GoldItem]) -> None:
        """Point the turns at the names the audio cache serves now (a newer version may encode clips differently).

        Only how a clip is served changes, never which clip: the content hash already matched.
        """
        conversations = list(study.conversations) + [g.bad for g in gold]
        ids = {r["ext_id"]: r["id"] for r in db.query("SELECT id, ext_id FROM conversations")}
        db.conn.executemany(
            "UPDATE turns SET audio_name = ? WHERE conversation_id = ? AND idx = ? AND audio_name != ?",
            [
                (name, ids[conv.id], i, name)
                for conv in conversations
                if conv.id in ids
                for i, t in enumerate(conv.turns)
                for name in (served_name(t.sha256, study.config.audio),)
            ],
        )

    def load_study(self) -> Study:
        """Rebuild the imported :class:`Study` from the database (audio paths as recorded at import)."""
        row = self.study_row()
        if row is None:
            raise StoreError(f"{self.path} holds no study yet; run `humans serve STUDY_DIR --db {self.path}` first.")
        turns: dict[int, list[Turn]] = {}
        for t in self._rows("SELECT * FROM turns ORDER BY conversation_id, idx"):
            turns.setdefault(t["conversation_id"], []).append(
                Turn(t["role"], Path(t["source_path"]), t["duration_s"], t["sha256"], t["text"])
            )
        convs = tuple(
            Conversation(c["ext_id"], c["scenario"], c["model"], tuple(turns.get(c["id"], ())), bool(c["gold_bad"]))
            for c in self._rows(
                "SELECT c.*, s.name AS scenario, m.name AS model FROM conversations c "
                "JOIN scenarios s ON s.id = c.scenario_id JOIN models m ON m.id = c.model_id "
                "WHERE c.generated = 0 ORDER BY c.id"
            )
        )
        return Study(Path(row["root"]), config_from_json(row["config_json"]), convs, row["content_hash"])

    # ------------------------------------------------------------------ lookups
    def pairs(self, kind: str | None = None) -> list[dict]:
        """Pair rows (``kind`` 'trial' or 'gold', or all)."""
        if kind is None:
            return self._rows("SELECT * FROM pairs ORDER BY id")
        return self._rows("SELECT * FROM pairs WHERE kind = ? ORDER BY id", [kind])

    def conversations(self) -> list[dict]:
        """Conversation rows (with scenario and model names; server side only)."""
        return self._rows(
            "SELECT c.*, s.name AS scenario, m.name AS model FROM conversations c "
            "JOIN scenarios s ON s.id = c.scenario_id JOIN models m ON m.id = c.model_id ORDER BY c.id"
        )

    def turns(self, conversation_id: int) -> list[dict]:
        """Turn rows of one conversation, in order."""
        return self._rows("SELECT * FROM turns WHERE conversation_id = ? ORDER BY idx", [conversation_id])

    def record_loudness(self, loudness: dict[str, float | None]) -> int:
        """Store the source loudness (LUFS) of clips by their source SHA-256; returns how many turns were updated."""
        with self._write() as db:
            before = db.conn.total_changes
            db.conn.executemany(
                "UPDATE turns SET loudness_lufs = ? WHERE sha256 = ? AND loudness_lufs IS NOT ?",
                [(v, k, v) for k, v in loudness.items()],
            )
            return db.conn.total_changes - before

    def audio_names(self) -> set[str]:
        """Every cache file name the study's turns use."""
        return {r["audio_name"] for r in self._rows("SELECT DISTINCT audio_name FROM turns")}

    # ------------------------------------------------------------------ raters
    def rater_by_token(self, token: str) -> dict | None:
        """The rater with this secret token, or None."""
        return self._one("SELECT * FROM raters WHERE token = ?", [token])

    def rater_by_id(self, rater_id: int) -> dict | None:
        """The rater with this row id, or None."""
        return self._one("SELECT * FROM raters WHERE id = ?", [rater_id])

    def rater_by_external_id(self, external_id: str) -> dict | None:
        """The rater with this external id (``prolific:PID`` or ``typed:ID``), or None."""
        return self._one("SELECT * FROM raters WHERE external_id = ?", [external_id])

    def create_rater(self, record: dict) -> dict:
        """Insert a rater, or return the existing one with the same external id (two tabs entering at once)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO raters ({cols}) VALUES ({marks}) ON CONFLICT(external_id) DO NOTHING".format(
                    cols=", ".join(record), marks=", ".join("?" * len(record))
                ),
                list(record.values()),
            )
        return self.rater_by_external_id(record["external_id"])

    def update_rater(self, rater_id: int, **fields: Any) -> None:
        """Set columns of a rater."""
        with self._write() as db:
            plain.update(db, "raters", rater_id, fields)

    def count_new_rater(self, client: str, *, now: float, window_s: float, max_new: int) -> bool:
        """Count a new rater for ``client`` unless it made ``max_new`` within the last ``window_s`` seconds; returns
        whether it was counted (allowed). Stamps older than the window are deleted."""
        with self._write() as db:
            db.execute("DELETE FROM new_raters WHERE created_at <= ?", [now - window_s])
            made = db.execute("SELECT COUNT(*) FROM new_raters WHERE client = ?", [client]).fetchone()[0]
            if made >= max_new:
                return False
            plain.insert(db, "new_raters", {"client": client, "created_at": now})
        return True

    def raters(self) -> list[dict]:
        """All rater rows."""
        return self._rows("SELECT * FROM raters ORDER BY id")

    # ------------------------------------------------------------------ assignments
    def open_assignment(self, rater_id: int, phase: str) -> dict | None:
        """The rater's unanswered assignment in ``phase`` (open or expired), or None."""
        return self._one(
            "SELECT a.* FROM assignments a LEFT JOIN votes v ON v.assignment_id = a.id "
            "WHERE a.rater_id = ? AND a.phase = ? AND v.id IS NULL ORDER BY a.position LIMIT 1",
            [rater_id, phase],
        )

    def assignment_by_token(self, token: str) -> dict | None:
        """The assignment with this token, or None."""
        return self._one("SELECT * FROM assignments WHERE token = ?", [token])

    def assignments(self, rater_id: int | None = None) -> list[dict]:
        """Assignment rows (of one rater, or all)."""
        if rater_id is None:
            return self._rows("SELECT * FROM assignments ORDER BY id")
        return self._rows("SELECT * FROM assignments WHERE rater_id = ? ORDER BY phase, position", [rater_id])

    def touch_assignment(self, assignment_id: int, now: float) -> dict:
        """Mark an assignment shown (first time only) and live again (an expired one is revived for its rater)."""
        with self._write() as db:
            db.execute(
                "UPDATE assignments SET shown_at = COALESCE(shown_at, ?), "
                "issued_at = CASE WHEN status = 'expired' THEN ? ELSE issued_at END, "
                "status = CASE WHEN status = 'expired' THEN 'open' ELSE status END WHERE id = ?",
                [now, now, assignment_id],
            )
        return self._one("SELECT * FROM assignments WHERE id = ?", [assignment_id])

    def issue_assignment(
        self,
        rater_id: int,
        phase: str,
        position: int,
        choose: Callable[[sqlite_utils.Database, float], dict | None],
        *,
        now: float,
        expire_before: float,
        token: str,
    ) -> dict | None:
        """Expire stale assignments, let ``choose`` pick the next item and insert it, in one write transaction.

        ``choose(reader, now)`` receives a read helper (see :class:`SchedulingReader`) and returns the assignment
        columns (kind, pair_id or conversation_id, left/right conversation ids) or None when nothing is left.
        When another thread already issued this position (a second tab), that assignment is returned instead.
        """
        with self._write() as db:
            db.execute(
                "UPDATE assignments SET status = 'expired' WHERE status = 'open' AND issued_at < ? "
                "AND id NOT IN (SELECT assignment_id FROM votes)",
                [expire_before],
            )
            existing = plain.select(
                db,
                "SELECT * FROM assignments WHERE rater_id = ? AND phase = ? AND position = ?",
                [rater_id, phase, position],
            )
            if existing:
                return existing[0]
            reader = SchedulingReader(db, expire_before, own_votes_from=getattr(self._local, "first_vote", None))
            chosen = choose(reader, now)
            if chosen is None:
                return None
            record = {
                "token": token,
                "rater_id": rater_id,
                "phase": phase,
                "position": position,
                "status": "open",
                "issued_at": now,
                **chosen,
            }
            pk = plain.insert(db, "assignments", record)
            return plain.select(db, "SELECT * FROM assignments WHERE id = ?", [pk])[0]

    # ------------------------------------------------------------------ votes and events
    def vote_for(self, assignment_id: int) -> dict | None:
        """The vote of an assignment, or None."""
        return self._one("SELECT * FROM votes WHERE assignment_id = ?", [assignment_id])

    def attention_for(self, assignment_id: int) -> dict | None:
        """The attention/practice result of an assignment, or None."""
        return self._one("SELECT * FROM attention WHERE assignment_id = ?", [assignment_id])

    def record_vote(
        self,
        vote: dict,
        *,
        likert: Sequence[dict] = (),
        events: Sequence[dict] = (),
        attention: dict | None = None,
        rater_update: dict | None = None,
    ) -> bool:
        """Store a vote with its Likert values, events, attention result and the rater's new state, atomically.

        The vote is inserted with ``ON CONFLICT(assignment_id) DO NOTHING``: when the assignment already has a
        vote (a retried or concurrent submit) nothing at all is written and False is returned.
        """
        with self._write() as db:
            vote_id = plain.insert(db, "votes", vote, on_conflict="(assignment_id) DO NOTHING")
            if vote_id is None:
                return False
            if getattr(self._local, "first_vote", None) is None:
                self._local.first_vote = vote_id
            plain.insert_many(db, "likert", likert)
            plain.insert_many(db, "events", events)
            if attention is not None:
                plain.insert(db, "attention", attention)
            db.conn.execute(
                "UPDATE assignments SET status = 'done', completed_at = ? WHERE id = ?",
                [vote["voted_at"], vote["assignment_id"]],
            )
            if rater_update:
                plain.update(db, "raters", vote["rater_id"], rater_update)
        return True

    def add_events(self, events: Sequence[dict]) -> int:
        """Append client audio events; returns how many were stored."""
        if not events:
            return 0
        with self._write() as db:
            plain.insert_many(db, "events", events)
        return len(events)

    def events(self, assignment_id: int) -> list[dict]:
        """Events of an assignment in arrival order."""
        return self._rows("SELECT * FROM events WHERE assignment_id = ? ORDER BY id", [assignment_id])

    def rater_counts(self, rater_id: int) -> dict:
        """Votes of a rater by phase, and attention checks failed (``main``, ``practice``, ``practice_passed``,
        ``attention_failed``)."""
        row = self._one(
            "SELECT SUM(a.phase = 'main') AS main, SUM(a.phase = 'practice') AS practice, "
            "(SELECT COUNT(*) FROM attention t WHERE t.rater_id = :r AND t.kind = 'practice' AND t.passed) "
            "AS practice_passed, "
            "(SELECT COUNT(*) FROM attention t WHERE t.rater_id = :r AND t.kind = 'attention' AND NOT t.passed) "
            "AS attention_failed "
            "FROM votes v JOIN assignments a ON a.id = v.assignment_id WHERE v.rater_id = :r",
            {"r": rater_id},
        )
        return {k: int(row[k] or 0) for k in ("main", "practice", "practice_passed", "attention_failed")}

    def votes(self) -> list[dict]:
        """All vote rows (server side), with the assignment's pair/conversation and phase, the attention result
        (``attention_passed``: 1/0, None for ordinary trials) and the model and scenario names."""
        return self._rows(
            "SELECT v.*, a.pair_id, a.conversation_id, a.phase, t.passed AS attention_passed, "
            "ml.name AS left_model, mr.name AS right_model, sl.name AS scenario "
            "FROM votes v JOIN assignments a ON a.id = v.assignment_id "
            "LEFT JOIN attention t ON t.assignment_id = v.assignment_id "
            "JOIN conversations cl ON cl.id = v.left_conversation_id JOIN models ml ON ml.id = cl.model_id "
            "JOIN scenarios sl ON sl.id = cl.scenario_id "
            "LEFT JOIN conversations cr ON cr.id = v.right_conversation_id LEFT JOIN models mr ON mr.id = cr.model_id "
            "ORDER BY v.id"
        )

    def pair_progress(self) -> list[dict]:
        """Per trial pair: scenario, model names, votes collected (``votes``) and open assignments (``open``)."""
        return self._rows(
            "SELECT p.id, s.name AS scenario, ma.name AS model_a, mb.name AS model_b, "
            "COUNT(v.id) AS votes, SUM(a.status = 'open' AND v.id IS NULL) AS open "
            "FROM pairs p JOIN scenarios s ON s.id = p.scenario_id "
            "JOIN models ma ON ma.id = p.model_a JOIN models mb ON mb.id = p.model_b "
            "LEFT JOIN assignments a ON a.pair_id = p.id LEFT JOIN votes v ON v.assignment_id = a.id "
            "WHERE p.kind = 'trial' GROUP BY p.id ORDER BY p.id"
        )

    def conversation_progress(self) -> list[dict]:
        """Per study conversation (Likert-only studies): scenario, model, votes and open assignments."""
        return self._rows(
            "SELECT c.id, s.name AS scenario, m.name AS model, "
            "COUNT(v.id) AS votes, SUM(a.status = 'open' AND v.id IS NULL) AS open "
            "FROM conversations c JOIN scenarios s ON s.id = c.scenario_id JOIN models m ON m.id = c.model_id "
            "LEFT JOIN assignments a ON a.conversation_id = c.id AND a.kind = 'trial' "
            "LEFT JOIN votes v ON v.assignment_id = a.id "
            "WHERE c.gold_bad = 0 AND c.generated = 0 GROUP BY c.id ORDER BY c.id"
        )

    def rater_summary(self) -> dict:
        """Raters started (entered and did not decline consent), declined (the consent form), finished (done),
        screened out, flagged; votes by kind; attention checks failed."""
        row = self._one(
            "SELECT COALESCE(SUM(stage != 'declined'), 0) AS started, "
            "COALESCE(SUM(stage = 'declined'), 0) AS declined, COALESCE(SUM(stage = 'done'), 0) AS finished, "
            "COALESCE(SUM(stage = 'screened_out'), 0) AS screened_out, COALESCE(SUM(flagged), 0) AS flagged "
            "FROM raters"
        )
        votes = {r["kind"]: r["n"] for r in self._rows("SELECT kind, COUNT(*) AS n FROM votes GROUP BY kind")}
        failed = self._one("SELECT COUNT(*) AS n FROM attention WHERE kind = 'attention' AND NOT passed")["n"]
        checks = self._one("SELECT COUNT(*) AS n FROM attention WHERE kind = 'attention'")["n"]
        return {**row, "votes": votes, "attention_checks": checks, "attention_failed": failed}

    def likert_rows(self) -> list[dict]:
        """All Likert rows."""
        return self._rows("SELECT * FROM likert ORDER BY id")

    def data_version(self) -> tuple:
        """A cheap fingerprint of what the dashboard shows: it changes with every vote, Likert rating, issued
        assignment, new rater, stage change or flag (one query over rowid maxima and the raters table)."""
        row = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM votes), (SELECT MAX(id) FROM votes), (SELECT MAX(id) FROM assignments), "
            "(SELECT COUNT(*) FROM likert), COUNT(*), TOTAL(length(stage) * id), TOTAL(flagged * id), "
            "TOTAL(length(COALESCE(flag_reason, '')) * id) FROM raters"
        ).fetchone()
        return tuple(row)


class SchedulingReader:
    """Read-only queries the scheduler needs, run inside the store's issuing transaction (consistent snapshot).

    ``live`` assignments are those done, or open and issued at or after ``expire_before``.
    ``own_votes_from`` is the id of the first vote the transaction itself has stored (None: it stored none). Those
    votes have the largest ids (the transaction holds the write lock) and a rollback would take them back: a caller
    that keeps counts across transactions (:meth:`votes_since`) keeps only the votes below it
    (:meth:`committed_through`).
    """

    def __init__(self, db: sqlite_utils.Database, expire_before: float, *, own_votes_from: int | None = None) -> None:
        self._db = db
        self.expire_before = expire_before
        self.own_votes_from = own_votes_from

    def committed_through(self, last_vote_id: int) -> int:
        """The largest vote id that is committed, given the largest one the transaction sees."""
        return last_vote_id if self.own_votes_from is None else min(last_vote_id, self.own_votes_from - 1)

    def _rows(self, sql: str, params: Sequence | dict | None = None) -> list[dict]:
        return plain.select(self._db, sql, params)

    def pairs(self, kind: str) -> list[dict]:
        """Pairs of a kind with their live coverage (``n``) and how often ``conv_a`` was on the left (``a_left``)."""
        return self._rows(
            "SELECT p.*, COUNT(a.id) AS n, COALESCE(SUM(a.left_conversation_id = p.conv_a), 0) AS a_left "
            "FROM pairs p LEFT JOIN assignments a ON a.pair_id = p.id "
            "AND (a.status = 'done' OR (a.status = 'open' AND a.issued_at >= ?)) "
            "WHERE p.kind = ? GROUP BY p.id ORDER BY p.id",
            [self.expire_before, kind],
        )

    def pair_table(self, kind: str) -> list[tuple]:
        """Pairs of a kind as ``(id, model_a, model_b, scenario_id, conv_a, conv_b)`` tuples by id (they never
        change once the study is imported, so a scheduler may keep them)."""
        return self._db.execute(
            "SELECT id, model_a, model_b, scenario_id, conv_a, conv_b FROM pairs WHERE kind = ? ORDER BY id", [kind]
        ).fetchall()

    def coverage(self, kind: str) -> list[tuple]:
        """``(pair_id, n, a_left)`` of the pairs of a kind that have live assignments (the others have 0, 0)."""
        return self._db.execute(
            "SELECT a.pair_id, COUNT(*), SUM(a.left_conversation_id = p.conv_a) FROM assignments a "
            "JOIN pairs p ON p.id = a.pair_id WHERE p.kind = ? "
            "AND (a.status = 'done' OR (a.status = 'open' AND a.issued_at >= ?)) GROUP BY a.pair_id",
            [kind, self.expire_before],
        ).fetchall()

    def open_coverage(self, kind: str) -> list[tuple]:
        """``(pair_id, n, a_left)`` like :meth:`coverage`, of the open live assignments only (few: at most one per
        active rater; the ``assignments_open`` index finds them)."""
        return self._db.execute(
            "SELECT a.pair_id, COUNT(*), SUM(a.left_conversation_id = p.conv_a) FROM assignments a "
            "CROSS JOIN pairs p ON p.id = a.pair_id WHERE a.status = 'open' AND a.issued_at >= ? AND p.kind = ? "
            "GROUP BY +a.pair_id",  # "+": grouped after the search, not by walking the pair_id index in order
            [self.expire_before, kind],
        ).fetchall()

    def votes_since(self, kind: str, after_id: int) -> list[tuple]:
        """``(vote_id, pair_id, conv_a on the left, outcome)`` of the votes on pairs of a kind with ``id >
        after_id``, in id order: the done assignments added since a caller last looked (an assignment is done
        exactly when it has its one vote, and stays done; votes are never deleted by a serving store). Outcome 1:
        conv_a won, 2: conv_b won, 3: a tie, 0: neither (both bad, or no preference asked)."""
        return self._db.execute(
            "SELECT v.id, a.pair_id, a.left_conversation_id = p.conv_a, "
            "CASE WHEN v.winner_conversation_id = p.conv_a THEN 1 WHEN v.winner_conversation_id = p.conv_b THEN 2 "
            "WHEN v.winner_side = 'tie' THEN 3 ELSE 0 END FROM votes v "
            "CROSS JOIN assignments a ON a.id = v.assignment_id CROSS JOIN pairs p ON p.id = a.pair_id "
            "WHERE v.id > ? AND p.kind = ? ORDER BY v.id",
            [after_id, kind],
        ).fetchall()

    def conversation_table(self) -> list[tuple]:
        """``(id, scenario_id, model_id, gold)`` of every conversation by id; ``gold`` is 1 for the deliberately
        bad and the generated ones (Likert-only attention checks)."""
        return self._db.execute(
            "SELECT id, scenario_id, model_id, (gold_bad = 1 OR generated = 1) FROM conversations ORDER BY id"
        ).fetchall()

    def open_conversation_coverage(self) -> list[tuple]:
        """``(conversation_id, n, 0)`` of the open live single-conversation assignments (see :meth:`open_coverage`)."""
        return self._db.execute(
            "SELECT conversation_id, COUNT(*), 0 FROM assignments WHERE status = 'open' AND issued_at >= ? "
            "AND conversation_id IS NOT NULL GROUP BY +conversation_id",
            [self.expire_before],
        ).fetchall()

    def conversation_votes_since(self, after_id: int) -> list[tuple]:
        """``(vote_id, conversation_id, 0, 0)`` of the votes on single conversations with ``id > after_id`` (see
        :meth:`votes_since`)."""
        return self._db.execute(
            "SELECT v.id, a.conversation_id, 0, 0 FROM votes v CROSS JOIN assignments a ON a.id = v.assignment_id "
            "WHERE v.id > ? AND a.conversation_id IS NOT NULL ORDER BY v.id",
            [after_id],
        ).fetchall()

    def last_vote_id(self) -> int:
        """The largest vote id (0 before the first vote)."""
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM votes").fetchone()[0]

    def active_seen(self, rater_id: int) -> tuple[int, list[tuple]]:
        """How many *other* active raters (holding a live open assignment) there are, and ``(pair_id, k)``: how
        many of them have had each pair (pairs none of them had are left out)."""
        # ``+rater_id``: not through the (rater_id, ...) index, which would visit every assignment; through
        # ``assignments_open``, which holds only the open ones
        live = (
            "SELECT DISTINCT +rater_id FROM assignments WHERE status = 'open' AND issued_at >= ? "
            "AND +rater_id != ? AND id NOT IN (SELECT assignment_id FROM votes)"
        )
        (n_active,) = self._db.execute(f"SELECT COUNT(*) FROM ({live})", [self.expire_before, rater_id]).fetchone()
        if not n_active:
            return 0, []
        rows = self._db.execute(
            f"SELECT pair_id, COUNT(DISTINCT rater_id) FROM assignments WHERE pair_id IS NOT NULL "
            f"AND rater_id IN ({live}) GROUP BY pair_id",
            [self.expire_before, rater_id],
        ).fetchall()
        return n_active, rows

    def conversations(self, gold_bad: bool) -> list[dict]:
        """Conversations (non-generated study ones, or the bad ones) with their live coverage ``n``."""
        where = "c.gold_bad = 1 OR c.generated = 1" if gold_bad else "c.gold_bad = 0 AND c.generated = 0"
        return self._rows(
            "SELECT c.id, c.scenario_id, c.model_id, COUNT(a.id) AS n FROM conversations c "
            "LEFT JOIN assignments a ON a.conversation_id = c.id "
            "AND (a.status = 'done' OR (a.status = 'open' AND a.issued_at >= ?)) "
            f"WHERE {where} GROUP BY c.id ORDER BY c.id",
            [self.expire_before],
        )

    def seen(self, rater_id: int) -> tuple[set[int], set[int]]:
        """Pair ids and conversation ids already assigned to the rater."""
        rows = self._rows("SELECT pair_id, conversation_id FROM assignments WHERE rater_id = ?", [rater_id])
        return (
            {r["pair_id"] for r in rows if r["pair_id"] is not None},
            {r["conversation_id"] for r in rows if r["conversation_id"] is not None},
        )

    def takers(self, rater_id: int) -> dict[int, int]:
        """Per trial pair: how many *other* active raters (holding a live open assignment) have not had it yet."""
        active = self._rows(
            "SELECT DISTINCT rater_id FROM assignments WHERE status = 'open' AND issued_at >= ? AND rater_id != ? "
            "AND id NOT IN (SELECT assignment_id FROM votes)",
            [self.expire_before, rater_id],
        )
        ids = [r["rater_id"] for r in active]
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        seen = self._rows(
            f"SELECT pair_id, COUNT(DISTINCT rater_id) AS n FROM assignments WHERE pair_id IS NOT NULL "
            f"AND rater_id IN ({marks}) GROUP BY pair_id",
            ids,
        )
        counts = {r["pair_id"]: r["n"] for r in seen}
        return {p["id"]: len(ids) - counts.get(p["id"], 0) for p in self._rows("SELECT id FROM pairs")}

    def vote_counts(self) -> list[dict]:
        """Per model pair (``model_a`` < ``model_b`` by id): wins of a, wins of b, ties (trial votes only)."""
        return self._rows(
            "SELECT p.model_a, p.model_b, "
            "SUM(v.winner_conversation_id = p.conv_a) AS wins_a, SUM(v.winner_conversation_id = p.conv_b) AS wins_b, "
            "SUM(v.winner_side = 'tie') AS ties "
            "FROM votes v JOIN assignments a ON a.id = v.assignment_id JOIN pairs p ON p.id = a.pair_id "
            "WHERE p.kind = 'trial' GROUP BY p.model_a, p.model_b"
        )


def _busy(exc: BaseException | None) -> bool:
    """Whether an error is SQLite's "database is locked/busy" (another connection held the write lock too long)."""
    return isinstance(exc, sqlite3.OperationalError) and any(k in str(exc).lower() for k in ("locked", "busy"))


def _write_failure(exc: sqlite3.OperationalError) -> bool:
    """Whether an error means the database cannot be written now (full, read-only, I/O), not a bug in a query."""
    text = str(exc).lower()
    return any(key in text for key in ("full", "readonly", "read-only", "disk i/o", "unable to open", "locked"))
