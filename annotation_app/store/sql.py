"""Plain SQL on a connection for the store's per-event reads and writes.

A rater event runs about a dozen reads and a few inserts. sqlite-utils 4 runs each ``Database.query`` inside a
savepoint (``SAVEPOINT``, the query, ``RELEASE``: three statements per read, so that a statement returning no
rows can be rolled back), and ``Table.insert_all`` inspects and converts every value of every record
(``jsonify_if_needed``, key deduplication, query building per chunk). The store's own statements are fixed
SELECTs and inserts of plain values, so these helpers send them to the connection as they are. sqlite-utils stays
what opens the database, migrates it and serves everything that is not per event.

Values must be what ``sqlite3`` binds (None, int, float, str, bytes); a dict or list is a mistake of the caller and
raises ``sqlite3.ProgrammingError`` instead of being stored as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlite_utils

__all__ = ["insert", "insert_many", "select", "update"]


def select(db: sqlite_utils.Database, sql: str, params: Sequence | Mapping | None = None) -> list[dict]:
    """The rows of a SELECT as dicts keyed by column name.

    Two result columns of one name are a mistake in the query (one would hide the other): ``ValueError``.
    """
    cursor = db.conn.execute(sql, () if params is None else params)
    keys = [d[0] for d in cursor.description]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the query returns two columns of one name ({keys}); name them apart with AS: {sql}")
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _writing(db: sqlite_utils.Database):
    """The connection, checked to be inside a transaction (the store's ``_write``): a write outside one would
    open an implicit transaction that nothing commits."""
    conn = db.conn
    if not conn.in_transaction:
        raise RuntimeError("the store writes only inside its write transaction (Store._write)")
    return conn


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert_sql(table: str, columns: Iterable[str], suffix: str = "") -> str:
    columns = list(columns)
    names = ", ".join(map(_quoted, columns))
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks}){suffix}"


def insert(db: sqlite_utils.Database, table: str, record: Mapping[str, Any], *, on_conflict: str = "") -> int | None:
    """Insert one row; returns its rowid, or None when ``on_conflict`` (e.g. ``"(external_id) DO NOTHING"``)
    made SQLite skip it."""
    suffix = f" ON CONFLICT{on_conflict}" if on_conflict else ""
    cursor = _writing(db).execute(_insert_sql(table, record, suffix), list(record.values()))
    return cursor.lastrowid if cursor.rowcount == 1 else None


def insert_many(db: sqlite_utils.Database, table: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all have the keys of the first one (one prepared statement for all)."""
    if not records:
        return
    columns = list(records[0])
    for number, record in enumerate(records):
        if list(record) != columns:
            raise ValueError(f"row {number} of the insert into {table} has columns {list(record)}, not {columns}")
    _writing(db).executemany(_insert_sql(table, columns), [list(r.values()) for r in records])


def update(db: sqlite_utils.Database, table: str, row_id: int, fields: Mapping[str, Any]) -> None:
    """Set columns of the row whose ``id`` is ``row_id``."""
    if not fields:
        return
    assignments = ", ".join(f"{_quoted(name)} = ?" for name in fields)
    _writing(db).execute(f"UPDATE {_quoted(table)} SET {assignments} WHERE id = ?", [*fields.values(), row_id])
