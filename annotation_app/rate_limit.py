"""A sliding-window limit on how many new raters one client (IP address) may create.

One client minting thousands of rater ids fills the database and drains the pairs' targets; real crowdworkers
come from their own addresses, and a lab behind one NAT address makes a few dozen an hour at most.
"""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["NewRaterLimit"]


class NewRaterLimit:
    """At most ``max_new`` new raters per client within any ``window_s`` seconds (thread-safe, in memory).

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

    def __init__(self, max_new: int, *, window_s: float = 3600.0, max_clients: int = 100_000) -> None:
        self.max_new = max_new
        self.window_s = window_s
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    @property
    def enabled(self) -> bool:
        """Whether the limit applies at all."""
        return self.max_new > 0

    def allow(self, client: str | None, *, now: float) -> bool:
        """Count a new rater for ``client`` and say whether it is within the limit (refused ones are not counted)."""
        if not self.enabled or not client:
            return True
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
