"""The facade the rater UI calls: identity, stages, trials, votes and audio files, with every server-side rule.

No Gradio here. The UI calls only :class:`RaterService` and the view objects of :mod:`annotation_app.rater_views`;
everything it returns is blind (no model name, no raw conversation id, no study path).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from annotation_app.rater_views import (
    Answer,
    ConversationView,
    InvalidAnswer,
    InvalidRaterId,
    NotYourTrial,
    PlayEvent,
    RaterView,
    Receipt,
    TooSoon,
    TrialView,
    TurnView,
    UnknownRater,
    WrongStage,
)
from annotation_app.study.model import Study

__all__ = [
    "Answer",
    "ConversationView",
    "InvalidAnswer",
    "InvalidRaterId",
    "NotYourTrial",
    "PlayEvent",
    "RaterService",
    "RaterView",
    "Receipt",
    "TooSoon",
    "TrialView",
    "TurnView",
    "UnknownRater",
    "WrongStage",
]


class RaterService:
    """Everything a rater can do, with the server-side rules (blinding, listening floor, idempotent votes).

    Parameters
    ----------
    study : Study
        The validated study; it is imported into ``store`` (idempotent).
    store : Store
        The SQLite store (``annotation_app.store.Store``).
    cache_dir : Path
        Folder of the blind audio cache (``<sha256>.<ext>`` files); created and filled here.
    clock : callable, default ``time.time``
        Seconds since the epoch; inject a fake clock in tests and simulations.
    rng : numpy.random.Generator, optional
        Randomness of the scheduler (ties, attention positions, sides).
    """

    def __init__(
        self,
        study: Study,
        store,
        cache_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
        rng: np.random.Generator | None = None,
    ) -> None:
        raise NotImplementedError

    def enter(
        self,
        *,
        prolific_pid: str | None = None,
        study_id: str | None = None,
        session_id: str | None = None,
        typed_id: str | None = None,
        rater_token: str | None = None,
    ) -> RaterView:
        """Validate the ids and create or resume the rater (a known ``rater_token`` wins over ids)."""
        raise NotImplementedError

    def rater(self, rater_token: str) -> RaterView:
        """The rater's current state."""
        raise NotImplementedError

    def accept_consent(self, rater_token: str) -> RaterView:
        """Record consent and move to the instructions."""
        raise NotImplementedError

    def finish_instructions(self, rater_token: str) -> RaterView:
        """Move from the instructions to the practice trial(s) or the trials."""
        raise NotImplementedError

    def current_trial(self, rater_token: str) -> TrialView | None:
        """The rater's open trial (the same one on reload, second tab or restart), or None outside the trials."""
        raise NotImplementedError

    def log_events(self, rater_token: str, trial_token: str, events: tuple[PlayEvent, ...]) -> None:
        """Store client audio events of an open trial before the vote (optional; a vote may carry them too)."""
        raise NotImplementedError

    def submit(self, rater_token: str, trial_token: str, answer: Answer) -> Receipt:
        """Validate and store a vote; a repeated submit of the same trial returns the first result."""
        raise NotImplementedError

    def audio_file(self, audio_name: str) -> Path:
        """Resolve a cache file name (``<sha256>.<ext>``) to its path; anything else is refused."""
        raise NotImplementedError

    def study_text(self) -> dict:
        """Title, instructions, consent and rating scheme for the UI (blind)."""
        raise NotImplementedError
