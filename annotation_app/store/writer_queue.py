"""One queue of writers per database file: threads and processes take SQLite's write lock in turn, without polling.

SQLite's busy handler makes a writer that finds the write lock taken sleep and try again, with pauses that grow to
100 ms. Under a burst of concurrent votes a writer that has just arrived often takes the lock while older ones are
asleep, so the slowest writes wait long: with 80 threads in two processes at ≈ 105 rater steps/s, p99 of a step
132 ms and max 1.0 s, against 21 ms and 69 ms through this queue (``benchmarks/store_write_queue.py``). Here
a writer first takes a thread lock shared by every :class:`~annotation_app.store.Store` of the file in this
process, then an exclusive ``flock`` on a companion file ``<db>-lock`` shared with the other processes. Both wait
in the kernel and wake the next writer as soon as the holder commits.

The queue only orders writers; atomicity still comes from SQLite's ``BEGIN IMMEDIATE``, and a writer that does not
use the queue (the ``sqlite3`` shell, an older server) is met by SQLite's busy handler as before. A process killed
while it holds the lock releases it (the kernel drops its ``flock``). A thread waits at most ``timeout`` seconds
for its process's turn; only the one thread at the head of a process's queue can wait longer, when another process
holds the lock without ever committing (stopped with SIGSTOP, say).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: writers are ordered within each process only
    fcntl = None

__all__ = ["LOCK_SUFFIX", "WriterQueue", "writer_queue"]

#: The companion file of ``<db>`` that the processes ``flock`` (empty; left in place, like SQLite's ``-shm``).
LOCK_SUFFIX = "-lock"

_queues: weakref.WeakValueDictionary[tuple[int, str], WriterQueue] = weakref.WeakValueDictionary()
_queues_lock = threading.Lock()


def writer_queue(db_path: str | Path) -> WriterQueue:
    """The queue of this process for the database at ``db_path`` (one per file and process, shared by its Stores).

    The process id is part of the key: a forked child must not share its parent's open lock file, since ``flock``
    locks belong to the open file, and a shared one would let both processes in at once.
    """
    key = (os.getpid(), os.path.realpath(db_path))
    with _queues_lock:
        queue = _queues.get(key)
        if queue is None:
            queue = _queues[key] = WriterQueue(Path(key[1]))
        return queue


class WriterQueue:
    """Orders the writers of one database file within a process and across processes (see the module docstring).

    Parameters
    ----------
    db_path : Path
        The SQLite file; the lock file ``<db_path>-lock`` is created beside it on the first write. Where it cannot
        be created (a read-only folder), writers are ordered within the process only.
    """

    def __init__(self, db_path: Path) -> None:
        self._file = _LockFile(Path(f"{db_path}{LOCK_SUFFIX}"))
        self._thread_lock = threading.RLock()
        self._depth = 0
        weakref.finalize(self, self._file.close)

    @property
    def lock_path(self) -> Path:
        """The companion file the processes ``flock``."""
        return self._file.path

    @contextlib.contextmanager
    def turn(self, timeout: float) -> Iterator[bool]:
        """Hold this file's write turn for the body of the ``with``; yields False when the turn did not come.

        ``timeout`` bounds the wait for the other threads of this process (seconds). A thread that already holds
        the turn (a second Store of the same file inside the first one's transaction) gets it again at once.
        """
        if not self._thread_lock.acquire(timeout=timeout):
            yield False
            return
        try:
            self._depth += 1
            if self._depth == 1:
                self._file.lock()
            try:
                yield True
            finally:
                if self._depth == 1:
                    self._file.unlock()
                self._depth -= 1
        finally:
            self._thread_lock.release()


class _LockFile:
    """The ``flock``-ed companion file, opened on the first write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = os.getpid()
        self._unusable = False

    def lock(self) -> None:
        if self._unusable or fcntl is None:
            return
        if self._pid != os.getpid():  # a forked child: the inherited file is the parent's lock, open our own
            self._fd, self._pid = None, os.getpid()
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                self._unusable = True  # a read-only folder: SQLite's busy handler orders the processes
                return
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def unlock(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
