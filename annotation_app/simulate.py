"""Simulated raters that go through :class:`RaterService` exactly like real ones.

Each simulated rater enters with a made-up Prolific id, consents, reads the instructions, does the practice and
all trials, sending play/ended events and waiting (on a fake clock) past the listening floor. Careful raters vote
from a hidden Bradley–Terry truth: the left conversation wins with probability
:math:`\\sigma(\\theta_{left} - \\theta_{right})`, a tie with probability :data:`TIE_RATE`; they always pass
attention checks and rate Likert as :math:`\\mathrm{clip}(\\mathrm{round}(m + \\theta + \\varepsilon), 1, S)` with
:math:`m` the scale's midpoint and :math:`\\varepsilon \\sim N(0, 0.5^2)`. Careless raters answer at random
(even ones) or always prefer the left side (odd ones).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.errors import HumansError
from annotation_app.rater_service import RaterService
from annotation_app.rater_views import Answer, PlayEvent, TrialView
from annotation_app.store import Store
from annotation_app.study import load_study
from annotation_app.study.model import Study

__all__ = ["BAD_THETA", "TIE_RATE", "SimulatedClock", "SimulationResult", "simulate", "simulate_raters"]

#: Strength of a deliberately bad conversation (attention checks): careful raters always reject it.
BAD_THETA = -10.0

#: Share of ties among careful raters' votes on ordinary pairs.
TIE_RATE = 0.1


class SimulatedClock:
    """A clock that only moves when told to (seconds since the epoch)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation did: raters and votes added, how many raters were careless, and the hidden truth."""

    raters: int
    votes: int
    careless: int
    finished: int
    truth: dict[str, float]


def _answer(service: RaterService, trial: TrialView, theta_left: float, theta_right: float, careless: int | None, rng):
    rating = service.config.rating
    half = rating.preference_points // 2
    scale = rating.likert_points
    events = []
    for side, conv in (("left", trial.left), ("right", trial.right)):
        for i, turn in enumerate(conv.turns if conv else ()):
            events.append(PlayEvent(side, i, "play", 0.0, 0))
            events.append(PlayEvent(side, i, "ended", turn.duration_s, 0))
    preference = None
    likert = {}
    if rating.asks_preference:
        if careless == 0:
            preference = int(rng.integers(-half, half + 1))
        elif careless == 1:
            preference = -half
        elif BAD_THETA in (theta_left, theta_right):
            preference = -half if theta_right == BAD_THETA else half  # a careful rater spots the bad one
        elif rng.random() < TIE_RATE:
            preference = 0
        else:
            delta = theta_left - theta_right
            left_wins = rng.random() < 1.0 / (1.0 + np.exp(-delta))
            strength = 2 if half == 2 and abs(delta) > 1.0 else 1
            preference = -strength if left_wins else strength
    if rating.asks_likert:
        sides = rating.likert_sides
        for side, theta in zip(sides, (theta_left, theta_right), strict=False):
            if careless is not None:
                likert[side] = int(rng.integers(1, scale + 1))
            else:
                value = round((scale + 1) / 2 + theta + rng.normal(0, 0.5))
                likert[side] = int(min(scale, max(1, value)))
    reason = "simulated reason" if rating.reason == "required" else None
    return Answer(
        preference=preference,
        likert_left=likert.get("left"),
        likert_right=likert.get("right"),
        reason=reason,
        client_tz_offset_min=0,
        events=tuple(events),
    )


def simulate_raters(
    service: RaterService,
    clock: SimulatedClock,
    raters: int,
    *,
    careless: float = 0.0,
    seed: int = 0,
    truth: Mapping[str, float] | None = None,
    prefix: str = "sim",
) -> SimulationResult:
    """Run ``raters`` simulated raters through ``service`` one after another.

    Parameters
    ----------
    service : RaterService
        A service built with ``clock=clock``.
    clock : SimulatedClock
        Advanced past each trial's listening floor (plus a few seconds).
    raters : int
        Number of raters (>= 1).
    careless : float, default 0.0
        Share of careless raters in [0, 1].
    seed : int, default 0
        Seed of the raters' choices and of the truth when ``truth`` is None.
    truth : mapping, optional
        Model name -> BT log-strength; by default drawn from N(0, 1).
    prefix : str, default "sim"
        Start of the simulated Prolific ids (``<prefix>-<seed>-<n>``, numbered on from the raters already there).
    """
    if raters < 1:
        raise HumansError(f"--raters is {raters}; simulate at least 1 rater.")
    if not 0.0 <= careless <= 1.0:
        raise HumansError(f"--careless is {careless}; give a share between 0 and 1.")
    rng = np.random.default_rng(seed)
    models = service.study.models
    if truth is None:
        truth = dict(zip(models, rng.normal(0.0, 1.0, len(models)).tolist(), strict=True))
    # Server-side knowledge the simulator needs (never sent to clients): public id -> true strength.
    # Deliberately bad conversations (study gold or generated silence) get a very low strength.
    theta = {c.public_id: (BAD_THETA if c.gold_bad else float(truth[c.model])) for c in service.study.conversations}
    n_careless = round(careless * raters)
    careless_ids = set(rng.choice(raters, size=n_careless, replace=False).tolist())
    votes = finished = 0
    offset = service.store.count("raters")  # a second run adds new raters instead of resuming the old ones
    for i in range(raters):
        kind = (i % 2) if i in careless_ids else None
        view = service.enter(prolific_pid=f"{prefix}-{seed}-{offset + i}", study_id="SIMULATED", session_id=f"s{i}")
        token = view.rater_token
        service.accept_consent(token)
        service.finish_instructions(token)
        while (trial := service.current_trial(token)) is not None:
            clock.advance(trial.min_wait_s + float(rng.uniform(1.0, 5.0)))
            left = theta.get(trial.left.public_id, BAD_THETA)
            right = theta.get(trial.right.public_id, BAD_THETA) if trial.right else 0.0
            receipt = service.submit(token, trial.token, _answer(service, trial, left, right, kind, rng))
            votes += not receipt.duplicate
        finished += service.rater(token).stage == "done"
    return SimulationResult(raters, votes, n_careless, finished, dict(truth))


def simulate(
    target: str | Path,
    raters: int = 20,
    careless: float = 0.0,
    seed: int = 0,
    db: str | Path | None = None,
) -> SimulationResult:
    """Fill a study database with simulated raters (through the same service and store paths as real raters).

    Parameters
    ----------
    target : path
        A study database (file) or a study folder (loaded with ``annotation_app.study.load_study``).
    raters, careless, seed
        See :func:`simulate_raters`.
    db : path, optional
        With a study folder: the database to fill (default ``<folder>/humans.sqlite``).
    """
    from annotation_app.audio_cache import default_cache_dir
    from annotation_app.store import default_db_path

    target = Path(target)
    if target.is_dir():
        study: Study = load_study(target)
        db_path = Path(db) if db else default_db_path(target)
    elif target.is_file():
        db_path = target
        with Store.open_existing(db_path) as probe:
            study = probe.load_study()
    else:
        raise HumansError(f"{target} is neither a study folder nor a study database; check the path.")
    clock = SimulatedClock()
    with Store(db_path) as store:
        service = RaterService(
            study, store, default_cache_dir(db_path), clock=clock, rng=np.random.default_rng(seed + 1)
        )
        return simulate_raters(service, clock, raters, careless=careless, seed=seed)
