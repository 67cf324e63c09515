"""Kill -9 a ``humans serve`` subprocess while raters vote, and restart it, at given numbers of acknowledged votes."""

from __future__ import annotations

from pathlib import Path

from server_process import ServerProcess

__all__ = ["KillAtVotes", "count_acks"]


def count_acks(folder: Path) -> int:
    """Acknowledged votes written so far by the raters (lines of their ``acks-*.jsonl`` files)."""
    total = 0
    for path in folder.glob("acks-*.jsonl"):
        with path.open("rb") as fh:
            total += sum(1 for _ in fh)
    return total


class KillAtVotes:
    """An ``on_tick`` for :func:`rater_sim.run_crowd`: kill -9 and restart ``server`` at each threshold of acks."""

    def __init__(self, server: ServerProcess, ack_folder: Path, thresholds: list[int]) -> None:
        self.server = server
        self.ack_folder = ack_folder
        self.pending = sorted(thresholds)
        self.kills: list[int] = []

    def __call__(self) -> None:
        if not self.pending:
            return
        acks = count_acks(self.ack_folder)
        if acks >= self.pending[0]:
            self.pending.pop(0)
            self.server.kill()
            self.kills.append(acks)
            self.server.start()
