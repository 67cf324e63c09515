"""The store's plain-SQL helpers on a real SQLite file: what they return, and the mistakes they refuse."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from annotation_app.store import sql as plain


@pytest.fixture
def db(tmp_path):
    database = sqlite_utils.Database(tmp_path / "t.sqlite")
    database.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER, "odd ""col" REAL)')
    yield database
    database.close()


def _in_transaction(db):
    db.execute("BEGIN IMMEDIATE")
    return db


def test_select_gives_rows_as_dicts_in_order(db):
    _in_transaction(db)
    plain.insert_many(db, "t", [{"name": "a", "n": 1}, {"name": "b", "n": 2}])
    db.execute("COMMIT")
    assert plain.select(db, "SELECT name, n FROM t ORDER BY id") == [{"name": "a", "n": 1}, {"name": "b", "n": 2}]
    assert plain.select(db, "SELECT n FROM t WHERE name = ?", ["b"]) == [{"n": 2}]
    assert plain.select(db, "SELECT n FROM t WHERE name = :name", {"name": "zz"}) == []


def test_select_refuses_two_columns_of_one_name(db):
    with pytest.raises(ValueError, match="two columns of one name"):
        plain.select(db, "SELECT t.id, u.id FROM t, t AS u")


def test_insert_returns_the_rowid_or_none_when_the_conflict_clause_skipped_it(db):
    _in_transaction(db)
    first = plain.insert(db, "t", {"name": "a", "n": 1, 'odd "col': 0.5})
    again = plain.insert(db, "t", {"name": "a", "n": 9}, on_conflict="(name) DO NOTHING")
    other = plain.insert(db, "t", {"name": "b"})
    db.execute("COMMIT")
    assert isinstance(first, int) and again is None and other == first + 1
    assert plain.select(db, 'SELECT n, "odd ""col" AS odd FROM t WHERE id = ?', [first]) == [{"n": 1, "odd": 0.5}]


def test_update_sets_only_the_given_columns_of_one_row(db):
    _in_transaction(db)
    a = plain.insert(db, "t", {"name": "a", "n": 1})
    plain.insert(db, "t", {"name": "b", "n": 2})
    plain.update(db, "t", a, {"n": 10})
    plain.update(db, "t", a, {})
    db.execute("COMMIT")
    assert plain.select(db, "SELECT name, n FROM t ORDER BY id") == [{"name": "a", "n": 10}, {"name": "b", "n": 2}]


def test_insert_many_refuses_rows_of_other_columns_before_writing_any(db):
    _in_transaction(db)
    with pytest.raises(ValueError, match="row 1 of the insert into t"):
        plain.insert_many(db, "t", [{"name": "a", "n": 1}, {"n": 2, "name": "b"}])
    plain.insert_many(db, "t", [])
    db.execute("COMMIT")
    assert plain.select(db, "SELECT COUNT(*) AS c FROM t") == [{"c": 0}]


def test_writes_outside_the_store_transaction_are_refused(db):
    with pytest.raises(RuntimeError, match="write transaction"):
        plain.insert(db, "t", {"name": "a"})
    with pytest.raises(RuntimeError, match="write transaction"):
        plain.update(db, "t", 1, {"n": 1})
    assert not db.conn.in_transaction
    assert plain.select(db, "SELECT COUNT(*) AS c FROM t") == [{"c": 0}]


def test_a_structured_value_is_refused_not_stored_as_json(db):
    _in_transaction(db)
    with pytest.raises(sqlite3.ProgrammingError):
        plain.insert(db, "t", {"name": {"nested": 1}})
    db.execute("ROLLBACK")
