"""The study's items as arrays for the scheduler, with their live coverage kept up to date vote by vote.

Items (the pairs of a kind, or single conversations in Likert-only studies) never change once a study is
imported, so they are read once. Coverage is what changes: an item's live assignments are the done ones (an
assignment is done once it has its vote, and stays done) and the open ones not yet expired. The done part only
grows, so a table keeps it and adds the votes stored since it last looked; the open part (at most one assignment
per active rater) is read on every call. Both come from the database inside the issuing transaction, so several
server processes can share one file, and a call costs the same at the first vote as at the hundred-thousandth.
The votes' outcomes are kept the same way, for the active mode's live Bradley–Terry fit
(:meth:`PairTable.model_pair_counts`).
"""

from __future__ import annotations

import numpy as np

from annotation_app.store.store import SchedulingReader

__all__ = ["ConversationTable", "ItemTable", "PairTable"]


class ItemTable:
    """Items by sorted id with their kept done coverage; subclasses say which votes and open assignments count."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.forget_votes()

    def forget_votes(self) -> None:
        """Start the kept counts again from the first vote."""
        self.done = np.zeros(self.ids.size)  # per row: done assignments (votes) ...
        self.done_a_left = np.zeros(self.ids.size)  # ... and how many had the pair's conv_a on the left
        self.outcomes = np.zeros((self.ids.size, 3))  # ... and their outcomes: conv_a won, conv_b won, a tie
        self.vote_mark = 0  # the votes with ids up to this one are counted

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of item ids (ids are sorted, so a binary search)."""
        return np.searchsorted(self.ids, ids)

    def unseen(self, seen: set[int]) -> np.ndarray:
        """Row positions of the items whose ids are not in ``seen``, in id order."""
        return np.flatnonzero(~np.isin(self.ids, np.fromiter(seen, dtype=np.int64, count=len(seen))))

    def coverage(self, live: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """Per row: assignments (``n``) and how many had ``conv_a`` on the left, from ``(id, n, a_left)`` rows
        (items without a row have 0, 0)."""
        n = np.zeros(self.ids.size)
        a_left = np.zeros(self.ids.size)
        if live:
            ids, counts, lefts = np.asarray(live, dtype=np.int64).T
            rows = self.rows(ids)
            n[rows], a_left[rows] = counts, lefts
        return n, a_left

    def live_coverage(self, reader: SchedulingReader) -> tuple[np.ndarray, np.ndarray]:
        """Per row: live assignments (``n``: done, or open and not expired) and how many had ``conv_a`` on the
        left; the numbers a count over every assignment gives, at a cost that does not grow with the votes."""
        done, done_a_left, _ = self.done_now(reader)
        n, a_left = self.coverage(self._open(reader))
        return n + done, a_left + done_a_left

    def done_now(self, reader: SchedulingReader) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row, as the reader's transaction sees them: done assignments, how many had ``conv_a`` on the left,
        and their outcomes (columns: conv_a won, conv_b won, tie).

        New committed votes are added to the kept counts. Votes the reader's transaction stored itself (a vote
        and the rater's next trial are one step) are counted for this call only: a rollback could take them back
        (:meth:`SchedulingReader.committed_through`). When the database has fewer votes than were counted (a store
        replaced under a running server), the counts start again from the first vote.
        """
        last = reader.last_vote_id()
        if last < self.vote_mark:
            self.forget_votes()
        committed = reader.committed_through(last)
        votes = np.asarray(self._votes_since(reader, self.vote_mark), dtype=np.int64).reshape(-1, 4)
        kept = int(np.searchsorted(votes[:, 0], committed, side="right"))  # the votes come in id order
        if kept:
            self.done, self.done_a_left, self.outcomes = self._added(votes[:kept])
        self.vote_mark = max(self.vote_mark, committed)
        if kept == len(votes):
            return self.done, self.done_a_left, self.outcomes
        return self._added(votes[kept:])

    def _added(self, votes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept counts plus ``votes`` (rows of :meth:`_votes_since`), as new arrays."""
        _, ids, lefts, won = votes.T
        rows = self.rows(ids)
        done, done_a_left, outcomes = self.done.copy(), self.done_a_left.copy(), self.outcomes.copy()
        np.add.at(done, rows, 1)
        np.add.at(done_a_left, rows, lefts)
        decided = won > 0
        np.add.at(outcomes, (rows[decided], won[decided] - 1), 1)
        return done, done_a_left, outcomes

    def _votes_since(self, reader: SchedulingReader, mark: int) -> list[tuple]:
        """``(vote_id, item_id, conv_a on the left, outcome)`` of the votes above ``mark``; outcome 1: conv_a won,
        2: conv_b won, 3: a tie, 0: none of these."""
        raise NotImplementedError

    def _open(self, reader: SchedulingReader) -> list[tuple]:
        raise NotImplementedError


class PairTable(ItemTable):
    """The pairs of one kind ('trial' or 'gold'), from ``reader.pair_table(kind)`` rows."""

    def __init__(self, rows: list[tuple], kind: str) -> None:
        cols = np.asarray(rows, dtype=np.int64).reshape(-1, 6).T
        ids, model_a, model_b, scenario, self.conv_a, self.conv_b = cols
        super().__init__(ids)
        self.kind = kind
        self.model_pairs = sorted({(int(a), int(b)) for a, b in zip(model_a, model_b, strict=True)})
        index = {key: i for i, key in enumerate(self.model_pairs)}
        self.model_pair = np.array([index[(int(a), int(b))] for a, b in zip(model_a, model_b, strict=True)])
        self.n_model_pairs = len(self.model_pairs)
        _, self.scenario = np.unique(scenario, return_inverse=True)
        self.n_scenarios = int(self.scenario.max()) + 1 if self.scenario.size else 0
        self.row_of = {int(pid): i for i, pid in enumerate(self.ids)}

    def _votes_since(self, reader: SchedulingReader, mark: int) -> list[tuple]:
        return reader.votes_since(self.kind, mark)

    def model_pair_counts(self, reader: SchedulingReader) -> list[dict]:
        """Per model pair with votes: ``model_a``, ``model_b``, ``wins_a``, ``wins_b``, ``ties`` (the rows of
        ``reader.vote_counts()`` for the trial kind), from the kept outcomes brought up to date."""
        done, _, outcomes = self.done_now(reader)
        votes = np.bincount(self.model_pair, weights=done, minlength=self.n_model_pairs)
        won = [np.bincount(self.model_pair, weights=outcomes[:, k], minlength=self.n_model_pairs) for k in range(3)]
        return [
            {"model_a": a, "model_b": b, "wins_a": int(won[0][k]), "wins_b": int(won[1][k]), "ties": int(won[2][k])}
            for k, (a, b) in enumerate(self.model_pairs)
            if votes[k]
        ]

    def _open(self, reader: SchedulingReader) -> list[tuple]:
        return reader.open_coverage(self.kind)


class ConversationTable(ItemTable):
    """Every conversation (Likert-only scheduling), from ``reader.conversation_table()`` rows; ``gold`` marks the
    deliberately bad and generated ones (attention checks), the others are the study's trials."""

    def __init__(self, rows: list[tuple]) -> None:
        ids, scenario, model, gold = np.asarray(rows, dtype=np.int64).reshape(-1, 4).T
        super().__init__(ids)
        self.gold = gold.astype(bool)
        _, self.model = np.unique(model, return_inverse=True)
        _, self.scenario = np.unique(scenario, return_inverse=True)

    def _votes_since(self, reader: SchedulingReader, mark: int) -> list[tuple]:
        return reader.conversation_votes_since(mark)  # (…, 0, 0): no sides, no outcome

    def _open(self, reader: SchedulingReader) -> list[tuple]:
        return reader.open_conversation_coverage()
