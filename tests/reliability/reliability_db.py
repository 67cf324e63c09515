"""Read a study database from outside the server, as a researcher's tool would (read-only connection)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["db_rows", "vote_rows"]


def db_rows(db_path: Path, sql: str, params=()) -> list[dict]:
    """Rows of a query on a study database (a separate read-only connection)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def vote_rows(db_path: Path) -> list[dict]:
    """Every vote with its assignment token, position, pair and the rater's Prolific id."""
    return db_rows(
        db_path,
        "SELECT a.token, a.position, a.pair_id, a.phase, r.prolific_pid, v.reason FROM votes v "
        "JOIN assignments a ON a.id = v.assignment_id JOIN raters r ON r.id = v.rater_id",
    )
