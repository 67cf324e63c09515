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

__all__ = ["Scheduler"]

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
            chosen = self._gold_pair(reader.pairs("gold"), seen_pairs, kind)
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
        pairs = reader.pairs("trial")
        candidates = [p for p in pairs if p["id"] not in seen]
        if not candidates:
            return None
        model_cov: Counter = Counter()
        model_left: Counter = Counter()
        scenario_cov: Counter = Counter()
        for p in pairs:
            key = (p["model_a"], p["model_b"])
            model_cov[key] += p["n"]
            model_left[key] += p["a_left"]
            scenario_cov[p["scenario_id"]] += p["n"]
        closeness = self._closeness(reader) if self.mode == "active" else {}
        takers = reader.takers(rater_id)
        ties = self._tiebreak(len(candidates))
        order = []
        for p, tie in zip(candidates, ties, strict=True):
            key = (p["model_a"], p["model_b"])
            balanced = (p["n"], takers.get(p["id"], 0), model_cov[key], scenario_cov[p["scenario_id"]], tie)
            if self.mode == "active":
                order.append(((p["n"] >= self.target, closeness.get(key, 0.0), *balanced), p))
            else:
                order.append((balanced, p))
        best = min(order, key=lambda item: item[0])[1]
        key = (best["model_a"], best["model_b"])
        return {"kind": "trial", **self._sides(best, model_left[key], model_cov[key])}

    def _closeness(self, reader: SchedulingReader) -> dict[tuple[int, int], float]:
        scores = self.scores(reader.vote_counts())
        out = {}
        for a, b in {(p["model_a"], p["model_b"]) for p in reader.pairs("trial")}:
            ta, sa = scores.get(a, (0.0, 1.0))
            tb, sb = scores.get(b, (0.0, 1.0))
            out[(a, b)] = abs(ta - tb) / math.sqrt(sa * sa + sb * sb + 1e-12)
        return out

    def _gold_pair(self, pairs: list[dict], seen: set[int], kind: str) -> dict | None:
        candidates = [p for p in pairs if p["id"] not in seen]
        if not candidates:
            return None
        ties = self._tiebreak(len(candidates))
        best = min(zip(candidates, ties, strict=True), key=lambda item: (item[0]["n"], item[1]))[0]
        return {"kind": kind, **self._sides(best, best["a_left"], best["n"])}

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
