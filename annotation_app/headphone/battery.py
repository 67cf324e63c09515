"""The headphone test of a study: a fixed pool of stimuli in the blind audio cache, a random draw per rater,
and the score.

The pool is deterministic (the same clips, so the same content-hash names, on every start), written at first
use. The right answer of each clip stays on the server: the service stores, for each rater, which clips were
issued and their answers, and compares the rater's choices with them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotation_app.audio_cache import AudioCache
from annotation_app.headphone.stimuli import antiphase_trial, calibration_sound, huggins_trial, wav_bytes

__all__ = ["HeadphoneStimulus", "build_battery", "draw_trials", "score_headphone_test"]

#: Noise seeds of the Huggins pool (two clips per right answer).
_HUGGINS_SEEDS = (101, 202)


@dataclass(frozen=True)
class HeadphoneStimulus:
    """One clip of the test: its cache name (what clients see) and the right answer (1, 2 or 3; server only)."""

    audio_name: str
    answer: int


@dataclass(frozen=True)
class HeadphoneBattery:
    """The calibration clip and the pool of test clips of one test kind."""

    kind: str
    calibration_name: str
    pool: tuple[HeadphoneStimulus, ...]


def build_battery(cache: AudioCache, kind: str) -> HeadphoneBattery:
    """Write (once) and return the calibration clip and the test pool of ``kind`` in ``cache``.

    ``antiphase``: the six arrangements of (quiet, antiphase) positions; ``huggins``: each target position with two
    noise seeds.
    """
    if kind == "antiphase":
        clips = [(antiphase_trial(q, a), q + 1) for q, a in itertools.permutations(range(3), 2)]
    elif kind == "huggins":
        clips = [(huggins_trial(t, seed), t + 1) for seed in _HUGGINS_SEEDS for t in range(3)]
    else:
        raise ValueError(f"no headphone test of kind {kind!r}")
    pool = tuple(HeadphoneStimulus(cache.add_bytes(wav_bytes(x), ".wav"), answer) for x, answer in clips)
    calibration = cache.add_bytes(wav_bytes(calibration_sound(kind)), ".wav")
    return HeadphoneBattery(kind, calibration, pool)


def draw_trials(battery: HeadphoneBattery, n: int, rng: np.random.Generator) -> list[HeadphoneStimulus]:
    """``n`` clips in random order: the pool shuffled, again and again when ``n`` is larger than the pool."""
    out: list[HeadphoneStimulus] = []
    while len(out) < n:
        out += [battery.pool[k] for k in rng.permutation(len(battery.pool))]
    return out[:n]


def score_headphone_test(answers: Sequence[int | None], correct: Sequence[int], needed: int) -> tuple[int, bool]:
    """Right answers and whether the rater passed (at least ``needed`` right).

    Examples
    --------
    >>> score_headphone_test([1, 2, 3, 1], [1, 2, 3, 2], needed=3)
    (3, True)
    """
    right = sum(int(a == c) for a, c in zip(answers, correct, strict=True))
    return right, right >= needed
