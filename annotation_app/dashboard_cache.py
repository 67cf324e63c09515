"""The admin dashboard's refresh, computed once per state of the study, never blocking a refresh for long.

A dashboard snapshot reads every vote and fits the leaderboard with a clustered bootstrap (13 s at 100,000 votes
on the shared 2-core machine at load 9, ``benchmarks/dashboard_100k.py``), and researchers press Refresh, or leave
several tabs open, far more often than the data changes. :class:`DashboardCache` keys the snapshot (and its
rendering) by :meth:`Store.data_version`, a single query over row counts and maxima: when no vote, rating,
assignment, rater or flag changed since the last refresh, the refresh returns the previous result at the cost of
that query.

When the data did change, what we chose (the stale-while-revalidate pattern of HTTP caches, RFC 5861): the refresh
first reads the progress parts afresh from SQL aggregates (:func:`~annotation_app.dashboard_data.with_fresh_progress`:
vote and rater counts, per-pair progress, remaining votes; 0.2 s at 100,000 votes), then the full
:func:`~annotation_app.dashboard_data.snapshot` is recomputed in one background thread and the refresh waits for it
for what is left of ``wait_s`` seconds. If it is not done by then, the refresh shows the last full snapshot with the
fresh progress and ``as_of_votes`` set, so the page says at how many votes the leaderboard, pace, raters table and
quality parts were computed; the next refresh after the thread finishes shows the fresh snapshot. Numbers shown are
therefore exactly those of ``snapshot`` (never an approximation), only possibly older, and then labelled. The
thread runs one computation at a time, and after a computation that took T seconds the next one starts no sooner
than T seconds later (by default), so it holds the GIL at most about half the time and the rater app in the same
process keeps serving votes while they stream in. The very first refresh (nothing computed yet) waits for the
computation for at most ``wait_s`` too, then shows :func:`~annotation_app.dashboard_data.pending_snapshot`: the
fresh progress, and a line saying the leaderboard and the rest are being computed; :meth:`warm` starts that
computation at server start, so it is usually done before anyone looks.

``wait_s=None`` (the default) keeps the plain memo: every refresh after a change waits for the new snapshot.
Not done (follow-up): recomputing the Bradley–Terry point estimates from aggregated pair counts at every refresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from annotation_app.dashboard_data import (
    DashboardSnapshot,
    LeaderboardSettings,
    pending_snapshot,
    snapshot,
    with_fresh_progress,
)
from annotation_app.store import Store

__all__ = ["DashboardCache"]


class DashboardCache:
    """Memo of ``snapshot(store, settings)`` and of ``render(snapshot)`` keyed by the store's data version.

    Parameters
    ----------
    store : Store
    settings : LeaderboardSettings, optional
    render : callable, optional
        Turns a snapshot into what the page shows; :meth:`rendered` caches its result too.
    wait_s : float, optional
        Longest time (seconds) a refresh after a change spends on the snapshot (reading the fresh progress, then
        waiting for the recomputation), after which the last snapshot is shown with fresh progress and
        ``as_of_votes`` set; None (default) always waits for the recomputation.
    pause_s : float, optional
        Least seconds from the end of one background computation to the start of the next (default: as long as
        the last computation took).

    Attributes
    ----------
    computed : int
        Full snapshots computed so far.
    last_compute_s : float or None
        Wall-clock seconds of the last full computation.

    Examples
    --------
    >>> cache = DashboardCache(store)  # doctest: +SKIP
    >>> cache.snapshot() is cache.snapshot()  # nothing changed in between  # doctest: +SKIP
    True
    """

    def __init__(
        self,
        store: Store,
        settings: LeaderboardSettings | None = None,
        render: Callable[[DashboardSnapshot], Any] | None = None,
        *,
        wait_s: float | None = None,
        pause_s: float | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.render = render
        self.wait_s = wait_s
        self.pause_s = pause_s
        self._lock = threading.Lock()
        self._compute_lock = threading.Lock()  # one full computation at a time
        self._key: tuple | None = None  # data version of self._full
        self._full: DashboardSnapshot | None = None
        self._shown_key: tuple | None = None  # data version of self._shown (a snapshot with fresh progress)
        self._shown: DashboardSnapshot | None = None
        self._shown_base: DashboardSnapshot | None = None  # the full snapshot self._shown was built on
        self._rendered: tuple[DashboardSnapshot, Any] | None = None
        self._worker: threading.Thread | None = None
        self._wake = threading.Event()  # set: the worker should compute
        self._idle = threading.Event()  # set: no computation pending or running
        self._idle.set()
        self._error: BaseException | None = None
        self._next_start = 0.0  # monotonic time before which no background computation starts
        self.computed = 0
        self.last_compute_s: float | None = None

    # ------------------------------------------------------------------ computation
    def _compute(self) -> None:
        """One full snapshot of the study as it is now (data version read first, so a change during the
        computation makes the result look old, never new)."""
        with self._compute_lock:
            key = self.store.data_version()
            with self._lock:
                if key == self._key and self._full is not None:
                    return
            start = time.monotonic()
            full = snapshot(self.store, self.settings)
            took = time.monotonic() - start
            with self._lock:
                self._full, self._key = full, key
                self.computed += 1
                self.last_compute_s = took
                self._next_start = time.monotonic() + (took if self.pause_s is None else self.pause_s)

    def _background(self) -> None:
        """The worker thread: one computation per wake-up (one thread for the cache's life, so one SQLite
        connection: the store keeps every thread's connection open until it is closed)."""
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._compute()
            except BaseException as exc:  # handed to the next refresh
                with self._lock:
                    self._error = exc
            finally:
                self._idle.set()

    def _start_worker(self, now: float, force: bool = False) -> threading.Event | None:
        """Start the background computation unless one runs or the pause after the last one is not over;
        returns the event set when it is done (None when none runs). Call with ``self._lock`` held."""
        if not self._idle.is_set():
            return self._idle
        if not force and now < self._next_start:
            return None
        if self._worker is None:
            self._worker = threading.Thread(target=self._background, name="dashboard-snapshot", daemon=True)
            self._worker.start()
        self._idle.clear()
        self._wake.set()
        return self._idle

    def warm(self) -> None:
        """Start computing the snapshot in the background now (returns at once)."""
        with self._lock:
            self._start_worker(time.monotonic(), force=True)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background computation, if one runs (tests and benchmarks)."""
        self._idle.wait(timeout)

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> DashboardSnapshot:
        """The snapshot of the study as it is now, or (with ``wait_s``) the last one with fresh progress and
        ``as_of_votes`` set while a recomputation runs (before the first one is done:
        :func:`~annotation_app.dashboard_data.pending_snapshot`, ``pending`` set)."""
        key = self.store.data_version()
        with self._lock:
            if key == self._key and self._full is not None:
                return self._full
        if self.wait_s is None:
            self._compute()  # the plain memo
            self._raise_error()
            with self._lock:
                return self._full
        started = time.monotonic()
        with self._lock:
            full = self._full
            shown = self._shown if self._shown_key == key and self._shown_base is full else None
        if shown is None:  # read before the computation starts: the two would share the GIL
            shown = (
                pending_snapshot(self.store, self.settings) if full is None else with_fresh_progress(self.store, full)
            )
            with self._lock:
                self._shown, self._shown_key, self._shown_base = shown, key, full
        with self._lock:
            worker = self._start_worker(time.monotonic(), force=full is None)
        if worker is not None:
            worker.wait(max(0.0, self.wait_s - (time.monotonic() - started)))
        self._raise_error()
        with self._lock:
            if self._key == key:
                return self._full
            if shown.pending and self._full is not None:  # computed meanwhile, but votes came in during it
                return with_fresh_progress(self.store, self._full)
            return shown

    def _raise_error(self) -> None:
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    @property
    def showed_pending(self) -> bool:
        """Whether the last snapshot :meth:`rendered` returned was the progress-only first one (no waiting, no
        query: the page's follow-up timer asks this right after each refresh)."""
        with self._lock:
            return self._rendered is not None and self._rendered[0].pending

    def rendered(self) -> Any:
        """``render(self.snapshot())``, rendered once per snapshot shown."""
        snap = self.snapshot()
        with self._lock:
            if self._rendered is not None and self._rendered[0] is snap:
                return self._rendered[1]
        out = self.render(snap)
        with self._lock:
            self._rendered = (snap, out)
        return out
