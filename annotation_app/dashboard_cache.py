"""The admin dashboard's refresh, computed once per state of the study.

A dashboard snapshot reads every vote and fits the leaderboard with a clustered bootstrap (seconds at tens of
thousands of votes), and researchers press Refresh, or leave several tabs open, far more often than the data
changes. :class:`DashboardCache` keys the snapshot (and its rendering) by :meth:`Store.data_version`, a single
query over row counts and maxima: when no vote, rating, assignment, rater or flag changed since the last refresh,
the refresh returns the previous result at the cost of that query. Thread-safe; one computation at a time (a
second refresh during a computation waits for it instead of starting another).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from annotation_app.dashboard_data import DashboardSnapshot, LeaderboardSettings, snapshot
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
    ) -> None:
        self.store = store
        self.settings = settings
        self.render = render
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._snapshot: DashboardSnapshot | None = None
        self._rendered: Any = None
        self.computed = 0

    def snapshot(self) -> DashboardSnapshot:
        """The snapshot of the study as it is now (recomputed only when the data version changed)."""
        with self._lock:
            key = self.store.data_version()
            if key != self._key or self._snapshot is None:
                self._snapshot = snapshot(self.store, self.settings)
                self._rendered = None
                self._key = key
                self.computed += 1
            return self._snapshot

    def rendered(self) -> Any:
        """``render(self.snapshot())``, rendered once per data version."""
        snap = self.snapshot()
        with self._lock:
            if self._snapshot is snap and self._rendered is not None:
                return self._rendered
        out = self.render(snap)
        with self._lock:
            if self._snapshot is snap:
                self._rendered = out
        return out
