"""Consistency re-shows: which earlier pairs come back (sides swapped) and whether the answer agrees (pure).

A re-show repeats one of the rater's earlier trial pairs with the left and right conversations exchanged. It is
*consistent* when the rater prefers the same conversation again, or says tie (or "both bad") again; a flip to
the other conversation or from a preference to a tie is inconsistent. A rater's self-consistency is the share of
consistent re-shows, reported with a Wilson interval.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22, 209–212.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (``(nan, nan)`` when ``n`` is 0).

    Examples
    --------
    >>> [round(v, 3) for v in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))
