"""The writer queue: a writer in another process waits for the holder and writes as soon as it lets go, a killed
holder lets go, a thread that never gets its turn gets the store's clear error and writes nothing."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading

import pytest

from annotation_app.store import Store, StoreUnavailable
from annotation_app.store import store as store_module
from annotation_app.store.writer_queue import LOCK_SUFFIX, writer_queue


def _hold_turn(db: str, holding, release) -> None:
    with writer_queue(db).turn(timeout=5):
        holding.set()
        release.wait(60)


def _write(store: Store, value: int) -> None:
    store.atomic(lambda: store.db.execute("INSERT INTO scratch (x) VALUES (?)", [value]))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "humans.sqlite") as opened:
        opened.db.execute("CREATE TABLE scratch (x INTEGER)")
        yield opened


def _holder(db):
    ctx = mp.get_context("spawn")
    holding, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_turn, args=(str(db), holding, release), daemon=True)
    proc.start()
    assert holding.wait(60), "the other process never took its turn"
    return proc, release


def _write_in_thread(store: Store, value: int) -> threading.Event:
    done = threading.Event()
    threading.Thread(target=lambda: (_write(store, value), done.set()), daemon=True).start()
    return done


def test_a_writer_waits_while_another_process_holds_the_turn_and_writes_when_it_lets_go(store):
    proc, release = _holder(store.path)
    done = _write_in_thread(store, 1)
    assert not done.wait(1.0), "the write went ahead while another process held the write turn"
    release.set()
    assert done.wait(20), "the write did not go ahead once the other process let go"
    proc.join(20)
    assert [r["x"] for r in store.db.query("SELECT x FROM scratch")] == [1]


def test_a_holder_killed_with_sigkill_lets_the_next_writer_in(store):
    proc, _ = _holder(store.path)
    done = _write_in_thread(store, 2)
    assert not done.wait(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    assert done.wait(20), "the kernel did not drop the killed process's lock"
    assert [r["x"] for r in store.db.query("SELECT x FROM scratch")] == [2]


def test_a_thread_that_never_gets_its_turn_gets_the_clear_error_and_writes_nothing(store, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_queue(store.path).turn(timeout=5):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert holding.wait(10)
    try:
        with pytest.raises(StoreUnavailable, match=f"cannot write to {store.path} .*other writers held the database"):
            _write(store, 3)
    finally:
        release.set()
        holder.join(10)
    assert list(store.db.query("SELECT x FROM scratch")) == []
    _write(store, 4)  # the turn comes back once the holder is done
    assert [r["x"] for r in store.db.query("SELECT x FROM scratch")] == [4]


def test_the_lock_file_is_an_empty_file_beside_the_database(store):
    _write(store, 5)
    lock = store.path.with_name(store.path.name + LOCK_SUFFIX)
    assert lock.is_file() and lock.stat().st_size == 0


def test_stores_of_one_file_in_one_process_share_one_queue(tmp_path):
    db = tmp_path / "humans.sqlite"
    with Store(db) as first, Store(str(db)) as second:
        assert first._writers is second._writers is writer_queue(tmp_path / "." / "humans.sqlite")
