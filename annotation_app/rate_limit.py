"""A sliding-window limit on how many new raters one client (IP address) may create.

One client minting thousands of rater ids fills the database and drains the pairs' targets; real crowdworkers
come from their own addresses, and a lab behind one NAT address makes a few dozen an hour at most.

Bound to a :class:`~annotation_app.store.Store` (:meth:`NewRaterLimit.on`, as the rater service does), the counts
live in the study's database: a restart does not reset them and every server process on the file shares them.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotation_app.store import Store

__all__ = ["NewRaterLimit"]


class NewRaterLimit:
    """At most ``max_new`` new raters per client within any ``window_s`` seconds (thread-safe).

    Counts are kept in memory, or in the study's database once bound with :meth:`on`.

    Parameters
    ----------
    max_new : int
        New raters a client may create per window; 0 or less disables the limit.
    window_s : float, default 3600
        Length of the sliding window in seconds.
    max_clients : int, default 100_000
        Clients remembered at once; the least recently seen are forgotten first (bounded memory).

    Examples
    --------
    >>> limit = NewRaterLimit(2, window_s=60)
    >>> [limit.allow("10.0.0.1", now=t) for t in (0, 1, 2)], limit.allow("10.0.0.1", now=61)
    ([True, True, False], True)
    """

    def __init__(
        self, max_new: int, *, window_s: float = 3600.0, max_clients: int = 100_000, store: Store | None = None
    ) -> None:
        self.max_new = max_new
        self.window_s = window_s
        self.max_clients = max_clients
        self.store = store
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def on(self, store: Store) -> NewRaterLimit:
        """The same limit, counted in ``store``'s database (survives restarts, shared by processes)."""
        return NewRaterLimit(self.max_new, window_s=self.window_s, max_clients=self.max_clients, store=store)

    @property
    def enabled(self) -> bool:
        """Whether the limit applies at all."""
        return self.max_new > 0

    def allow(self, client: str | None, *, now: float) -> bool:
        """Count a new rater for ``client`` and say whether it is within the limit (refused ones are not counted)."""
        if not self.enabled or not client:
            return True
        if self.store is not None:
            return self.store.count_new_rater(client, now=now, window_s=self.window_s, max_new=self.max_new)
        with self._lock:
            stamps = self._seen.pop(client, None) or deque()
            while stamps and stamps[0] <= now - self.window_s:
                stamps.popleft()
            allowed = len(stamps) < self.max_new
            if allowed:
                stamps.append(now)
            self._seen[client] = stamps  # re-inserted last: dict order is least recently seen first
            while len(self._seen) > self.max_clients:
                del self._seen[next(iter(self._seen))]
            return allowed
