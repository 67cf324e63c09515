"""A consistent copy of a study database while the study runs: SQLite's online backup API.

Copying ``humans.sqlite`` with ``cp`` while raters vote can give a torn file (pages from before and after a write)
and misses what still sits in the ``-wal`` file. :func:`backup_database` uses the online backup API instead
(``sqlite3.Connection.backup``, https://www.sqlite.org/backup.html): it copies every page in one step inside one
read transaction, so the copy is the database as of one instant. In WAL mode a reader does not block writers, so
votes keep arriving while the copy is made (they land in the next backup). The copy is written to a temporary file
beside the target, switched to a self-contained rollback journal (no ``-wal`` file to carry along), checked with
``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``, and only then renamed over the target, so a failed or
interrupted backup never leaves a half-written file under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from annotation_app.store.errors import StoreError
from annotation_app.store.store import BUSY_TIMEOUT_MS

__all__ = ["BackupResult", "backup_database"]

_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote: the file, its size, its row counts and how long the copy took."""

    path: Path
    bytes: int
    votes: int
    raters: int
    seconds: float


def _check_source(db: Path) -> None:
    if db.is_dir():
        raise StoreError(f"{db} is a folder; give the study's database file (e.g. {db / 'humans.sqlite'}).")
    if not db.is_file():
        raise StoreError(f"{db} does not exist; give the study's database file (humans serve --db FILE).")
    with db.open("rb") as fh:
        if fh.read(16) != _SQLITE_HEADER:
            raise StoreError(f"{db} is not an SQLite database; give the study's database file.")


def _check_target(db: Path, target: Path, overwrite: bool) -> None:
    if target.resolve() == db.resolve():
        raise StoreError(f"{target} is the database itself; give a new file name for the backup.")
    if target.is_dir():
        raise StoreError(f"{target} is a folder; give a file name for the backup (e.g. {target / 'backup.sqlite'}).")
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist; create it or choose another place.")
    if target.exists() and not overwrite:
        raise StoreError(f"{target} already exists; choose a new name or pass --overwrite to replace it.")


def _count(conn: sqlite3.Connection, table: str) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
    return conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] if exists else 0


def backup_database(db: str | Path, target: str | Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the study database ``db`` to ``target`` consistently, even while votes are being written.

    Parameters
    ----------
    db : str or Path
        The study database (``humans.sqlite``), in use or not.
    target : str or Path
        The backup file; its folder must exist.
    overwrite : bool, default False
        Replace ``target`` when it exists.

    Returns
    -------
    BackupResult

    Raises
    ------
    StoreError
        When ``db`` is missing or not SQLite, ``target`` is the database itself, a folder, in a missing folder or
        exists (without ``overwrite``), the disk is full, or the copy fails its integrity check.

    Examples
    --------
    >>> backup_database("my-study/humans.sqlite", "backup-2026-12-02.sqlite")  # doctest: +SKIP
    BackupResult(path=PosixPath('backup-2026-12-02.sqlite'), bytes=2457600, votes=1843, raters=97, seconds=0.04)
    """
    db, target = Path(db), Path(target)
    _check_source(db)
    _check_target(db, target, overwrite)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    start = time.perf_counter()
    try:
        with (
            contextlib.closing(sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000)) as source,
            contextlib.closing(sqlite3.connect(tmp)) as copy,
        ):
            source.backup(copy, pages=-1)  # every page in one step: one read transaction, one instant
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise StoreError(f"the copy of {db} fails its integrity check ({problems[0]}); try again.")
            if copy.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise StoreError(f"the copy of {db} has rows whose references are missing; try again.")
            votes, raters = _count(copy, "votes"), _count(copy, "raters")
        os.replace(tmp, target)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot back up {db} to {target} ({exc}); check the disk space and try again.") from exc
    except OSError as exc:
        raise StoreError(f"cannot write {target} ({exc.strerror}); check the disk space and permissions.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, votes, raters, time.perf_counter() - start)
