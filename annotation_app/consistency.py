"""Consistency re-shows: which earlier pairs come back (sides swapped) and whether the answer agrees (pure).

A re-show repeats one of the rater's earlier trial pairs with the left and right conversations exchanged. It is
*consistent* when the rater prefers the same conversation again, or says tie (or "both bad") again; a flip to
the other conversation or from a preference to a tie is inconsistent. A rater's self-consistency is the share of
consistent re-shows (:mod:`analysis.consistency_stats`, with a Wilson interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.consistency_stats import wilson_interval

__all__ = ["Shown", "is_consistent", "pick_reshows", "wilson_interval"]


@dataclass(frozen=True)
class Shown:
    """An answered trial that may come back: its vote, conversations and what was chosen.

    ``choice`` is the id of the preferred conversation, or ``"tie"`` / ``"both_bad"``.
    """

    vote_id: int
    left_conversation_id: int
    right_conversation_id: int
    choice: int | str


def pick_reshows(answered: Sequence[Shown], k: int, rng: np.random.Generator) -> list[Shown]:
    """Up to ``k`` earlier trials to show again, drawn from the first half of the rater's session if possible.

    Trials from early in the session are preferred (the longest gap before they come back); draws are random.

    Examples
    --------
    >>> shown = [Shown(i, 10 + i, 20 + i, "tie") for i in range(6)]
    >>> max(s.vote_id for s in pick_reshows(shown, 2, np.random.default_rng(0))) <= 2
    True
    """
    if k <= 0 or not answered:
        return []
    early = list(answered[: max(k, math.ceil(len(answered) / 2))])
    chosen = rng.choice(len(early), size=min(k, len(early)), replace=False)
    return [early[i] for i in sorted(chosen)]


def is_consistent(original: int | str, repeat: int | str) -> bool:
    """Whether a re-show agrees with the original answer (same conversation, or tie / both bad again).

    Examples
    --------
    >>> is_consistent(7, 7), is_consistent(7, 8), is_consistent("tie", "tie"), is_consistent(7, "tie")
    (True, False, True, False)
    """
    return original == repeat
