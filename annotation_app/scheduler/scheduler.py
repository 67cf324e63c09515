"""Which trial a rater gets next.

Balanced mode (default), for a pairwise trial: among the pairs this rater has not had, the one with the fewest
live assignments (done, or open and not expired); then the one the fewest other active raters could still take
(so raters working at the same time do not run out of under-covered pairs they have not seen); then the
least-covered model pair, then the least-covered scenario, ties at random. Live coverage counts open
assignments, so raters working at the same time spread out; expired ones stop counting, which reclaims their
slots. Sides: the conversation of the model pair's side that has
been on the left less often goes left (ties at random), so left/right stays balanced per model pair.

Active mode puts first the pairs still under target whose models' current Bradley–Terry scores are closest
relative to their uncertainty (smallest :math:`|\\theta_a - \\theta_b| / \\sqrt{se_a^2 + se_b^2}`), then
falls back to the balanced order.

Likert-only studies schedule single conversations the same way (conversation, model, scenario coverage).
Attention checks and practice trials draw from the gold items (good vs deliberately bad), least used first.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal

import numpy as np

from annotation_app.scheduler.active import ScoreFn, bt_scores_from_counts
from annotation_app.store.store import SchedulingReader

__all__ = ["Scheduler", "lexmin"]

Mode = Literal["balanced", "active"]


class Scheduler:
    """Chooses the next item for a rater inside the store's issuing transaction.

    Parameters
    ----------
    target : int
        Raters per pair (per conversation in Likert-only studies).
    likert_only : bool
        Schedule single conversations instead of pairs.
    rng : numpy.random.Generator
        Breaks ties (and picks sides when counts are equal).
    mode : {"balanced", "active"}, default "balanced"
    scores : callable, optional
        Active mode's score function (vote counts -> model -> (theta, se)); default a small own BT fit.
    """

    def __init__(
        self,
        *,
        target: int,
        likert_only: bool,
        rng: np.random.Generator,
        mode: Mode = "balanced",
        scores: ScoreFn | None = None,
    ) -> None:
        self.target = target
        self.likert_only = likert_only
        self.rng = rng
        self.mode = mode
        self.scores = scores or bt_scores_from_counts
        self._pairs: dict[str, _PairTable] = {}  # by kind: "trial", "gold"
        self._scored: tuple[tuple, dict] | None = None  # (vote counts, their scores): the last fit, reused

    def choose(self, reader: SchedulingReader, rater_id: int, kind: str) -> dict | None:
        """Assignment columns for the rater's next ``kind`` ('trial', 'attention', 'practice') item, or None.

        An attention check falls back to a trial when no unseen gold item is left; a practice trial does not.
        """
        seen_pairs, seen_convs = reader.seen(rater_id)
        if kind == "trial":
            if self.likert_only:
                return self._conversation(reader.conversations(gold_bad=False), seen_convs, "trial")
            return self._trial_pair(reader, rater_id, seen_pairs)
        if self.likert_only:
            chosen = self._conversation(reader.conversations(gold_bad=True), seen_convs, kind)
        else:
            chosen = self._gold_pair(reader, seen_pairs, kind)
        if chosen is None and kind == "attention":
            return self.choose(reader, rater_id, "trial")
        return chosen

    # ------------------------------------------------------------------ helpers
    def _tiebreak(self, n: int) -> np.ndarray:
        return self.rng.random(n)

    def _sides(self, pair: dict, a_left: int, total: int) -> dict:
        b_left = total - a_left
        a_goes_left = a_left < b_left or (a_left == b_left and self.rng.random() < 0.5)
        left, right = (pair["conv_a"], pair["conv_b"]) if a_goes_left else (pair["conv_b"], pair["conv_a"])
        return {"pair_id": pair["id"], "left_conversation_id": left, "right_conversation_id": right}

    def _trial_pair(self, reader: SchedulingReader, rater_id: int, seen: set[int]) -> dict | None:
        table = self._table(reader)
        candidates = table.unseen(seen)
        if candidates.size == 0:
            return None
        n, a_left = table.live_coverage(reader, "trial")
        model_cov = np.bincount(table.model_pair, weights=n, minlength=table.n_model_pairs)
        model_left = np.bincount(table.model_pair, weights=a_left, minlength=table.n_model_pairs)
        scenario_cov = np.bincount(table.scenario, weights=n, minlength=table.n_scenarios)
        takers = np.zeros(table.ids.size)
        n_active, had = reader.active_seen(rater_id)
        if n_active:
            takers[:] = n_active
            trial_had = [(pid, k) for pid, k in had if pid in table.row_of]
            if trial_had:
                ids, counts = np.asarray(trial_had, dtype=np.int64).T
                takers[table.rows(ids)] -= counts
        ties = self._tiebreak(candidates.size)
        mp = table.model_pair[candidates]
        keys = [n[candidates], takers[candidates], model_cov[mp], scenario_cov[table.scenario[candidates]], ties]
        if self.mode == "active":
            closeness = self._closeness(reader)
            near = np.array([closeness.get(table.model_pairs[k], 0.0) for k in range(table.n_model_pairs)])
            keys = [n[candidates] >= self.target, near[mp], *keys]
        best = int(candidates[lexmin(keys)])
        k = int(table.model_pair[best])
        pair = {"id": int(table.ids[best]), "conv_a": int(table.conv_a[best]), "conv_b": int(table.conv_b[best])}
        return {"kind": "trial", **self._sides(pair, int(model_left[k]), int(model_cov[k]))}

    def _table(self, reader: SchedulingReader, kind: str = "trial") -> _PairTable:
        if kind not in self._pairs:
            self._pairs[kind] = _PairTable(reader.pair_table(kind))
        return self._pairs[kind]

    def _closeness(self, reader: SchedulingReader) -> dict[tuple[int, int], float]:
        scores = self._scores(reader.vote_counts())
        out = {}
        for a, b in self._table(reader).model_pairs:
            ta, sa = scores.get(a, (0.0, 1.0))
            tb, sb = scores.get(b, (0.0, 1.0))
            out[(a, b)] = abs(ta - tb) / math.sqrt(sa * sa + sb * sb + 1e-12)
        return out

    def _scores(self, counts: list[dict]) -> dict:
        """The score function on the live vote counts, fitted again only when the counts changed (a Newton fit
        costs ~10 ms; several trials are issued between two votes of a pair)."""
        key = tuple(sorted(tuple(row.values()) for row in counts))
        if self._scored is None or self._scored[0] != key:
            self._scored = (key, self.scores(counts))
        return self._scored[1]

    def _gold_pair(self, reader: SchedulingReader, seen: set[int], kind: str) -> dict | None:
        """The unseen gold pair with the fewest live assignments, ties at random."""
        table = self._table(reader, "gold")
        candidates = table.unseen(seen)
        if candidates.size == 0:
            return None
        n, a_left = table.live_coverage(reader, "gold")
        best = int(candidates[lexmin([n[candidates], self._tiebreak(candidates.size)])])
        pair = {"id": int(table.ids[best]), "conv_a": int(table.conv_a[best]), "conv_b": int(table.conv_b[best])}
        return {"kind": kind, **self._sides(pair, int(a_left[best]), int(n[best]))}

    def _conversation(self, convs: list[dict], seen: set[int], kind: str) -> dict | None:
        candidates = [c for c in convs if c["id"] not in seen]
        if not candidates:
            return None
        model_cov: Counter = Counter()
        scenario_cov: Counter = Counter()
        for c in convs:
            model_cov[c["model_id"]] += c["n"]
            scenario_cov[c["scenario_id"]] += c["n"]
        ties = self._tiebreak(len(candidates))
        best = min(
            zip(candidates, ties, strict=True),
            key=lambda item: (
                item[0]["n"],
                model_cov[item[0]["model_id"]],
                scenario_cov[item[0]["scenario_id"]],
                item[1],
            ),
        )[0]
        return {"kind": kind, "conversation_id": best["id"], "left_conversation_id": best["id"]}


class _PairTable:
    """A kind's pairs as arrays (they never change once a study is imported), read once per scheduler.

    Coverage is what changes. Its done part only grows (an assignment is done once it has its vote, and stays
    done), so the table keeps it and adds the votes stored since it last looked (:meth:`live_coverage`); the open
    part (at most one assignment per active rater) is read on every call. Both come from the database inside the
    issuing transaction, so several server processes can share one file, and a call costs the same at the
    first vote as at the hundred-thousandth.
    """

    def __init__(self, rows: list[tuple]) -> None:
        cols = np.asarray(rows, dtype=np.int64).reshape(-1, 6).T
        self.ids, model_a, model_b, scenario, self.conv_a, self.conv_b = cols
        self.row_of = {int(pid): i for i, pid in enumerate(self.ids)}
        self.model_pairs = sorted({(int(a), int(b)) for a, b in zip(model_a, model_b, strict=True)})
        index = {key: i for i, key in enumerate(self.model_pairs)}
        self.model_pair = np.array([index[(int(a), int(b))] for a, b in zip(model_a, model_b, strict=True)])
        self.n_model_pairs = len(self.model_pairs)
        _, self.scenario = np.unique(scenario, return_inverse=True)
        self.n_scenarios = int(self.scenario.max()) + 1 if self.scenario.size else 0
        self._forget_votes()

    def _forget_votes(self) -> None:
        self.done = np.zeros(self.ids.size)  # per row: done assignments (votes) ...
        self.done_a_left = np.zeros(self.ids.size)  # ... and how many of them had conv_a on the left
        self.vote_mark = 0  # the votes with ids up to this one are counted

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of pair ids (ids are sorted, so a binary search)."""
        return np.searchsorted(self.ids, ids)

    def unseen(self, seen: set[int]) -> np.ndarray:
        """Row positions of the pairs whose ids are not in ``seen``, in id order."""
        return np.flatnonzero(~np.isin(self.ids, np.fromiter(seen, dtype=np.int64, count=len(seen))))

    def live_coverage(self, reader: SchedulingReader, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Per row: live assignments (``n``: done, or open and not expired) and how many had ``conv_a`` on the
        left; the same numbers as ``coverage(reader.coverage(kind))``, at a cost that does not grow with the votes.

        New votes are added to the kept counts only when the reader's transaction has stored none of its own
        (``committed_votes_only``): a rollback could take those back, so they are counted for this call only.
        When the database has fewer votes than were counted (a store replaced under a running server), the
        counts start again from the first vote.
        """
        last = reader.last_vote_id()
        if last < self.vote_mark:
            self._forget_votes()
        done, done_a_left = self.done, self.done_a_left
        new = reader.votes_since(kind, self.vote_mark)
        if new:
            _, ids, lefts = np.asarray(new, dtype=np.int64).T
            rows = self.rows(ids)
            done, done_a_left = done.copy(), done_a_left.copy()
            np.add.at(done, rows, 1)
            np.add.at(done_a_left, rows, lefts)
        if reader.committed_votes_only:
            self.done, self.done_a_left, self.vote_mark = done, done_a_left, last
        n, a_left = self.coverage(reader.open_coverage(kind))
        return n + done, a_left + done_a_left

    def coverage(self, live: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """Per row: live assignments (``n``) and how many had ``conv_a`` on the left, from the store's
        ``(pair_id, n, a_left)`` rows (pairs without a row have 0, 0)."""
        n = np.zeros(self.ids.size)
        a_left = np.zeros(self.ids.size)
        if live:
            ids, counts, lefts = np.asarray(live, dtype=np.int64).T
            rows = self.rows(ids)
            n[rows], a_left[rows] = counts, lefts
        return n, a_left


def lexmin(keys: list[np.ndarray]) -> int:
    """Position of the smallest entry in lexicographic order of ``keys`` (``keys[0]`` first), the first of equals.

    The same position as ``np.lexsort(keys[::-1])[0]`` (a stable sort), found by keeping the minima of one key
    after another: O(n) per key instead of sorting every candidate (1-2 ms for 10,000 pairs and five keys).

    Examples
    --------
    >>> lexmin([np.array([1, 0, 0]), np.array([5.0, 7.0, 6.0])])
    2
    """
    positions = np.arange(len(keys[0]))
    for key in keys:
        values = np.asarray(key)[positions]
        positions = positions[values == values.min()]
        if positions.size == 1:
            break
    return int(positions[0])
