"""What the rater UI sees and sends: blind view objects and the errors a rater can cause.

Nothing here may carry a model name, a raw conversation id or a study path. Audio is named by content hash
(``<sha256>.<ext>`` in the audio cache) and conversations by :attr:`Conversation.public_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.errors import HumansError

if TYPE_CHECKING:
    from annotation_app.quality_views import HeadphoneView

__all__ = [
    "STAGES",
    "Answer",
    "ConversationView",
    "InvalidAnswer",
    "InvalidRaterId",
    "NotYourTrial",
    "PlayEvent",
    "RaterView",
    "Receipt",
    "Screen",
    "ServiceUnavailable",
    "TooManyNewRaters",
    "TooSoon",
    "TrialView",
    "TurnView",
    "UnknownRater",
    "WrongStage",
]

#: Stages of a rater, in order (``screened_out`` replaces the rest when a screening check fails, ``declined`` when
#: the rater does not consent).
STAGES: tuple[str, ...] = (
    "consent",
    "instructions",
    "headphones",
    "questionnaire_before",
    "practice",
    "trials",
    "reshows",
    "questionnaire_after",
    "done",
    "screened_out",
    "declined",
)


class RaterError(HumansError):
    """Base of the errors a rater (or a misbehaving client) can cause; messages are fit to show the rater.

    ``params`` holds the details of the message (e.g. ``wait_s`` of :class:`TooSoon`) so the page can say the
    same in the study's language (:mod:`annotation_app.study.ui_text`).
    """

    def __init__(self, message: str = "", **params) -> None:
        super().__init__(message)
        self.params = params


class InvalidRaterId(RaterError):
    """An id from the URL or typed by the rater is empty, too long or has characters we do not accept."""


class UnknownRater(RaterError):
    """The rater token is not known (a stale browser state, or a made-up token)."""


class NotYourTrial(RaterError):
    """The trial token does not exist or belongs to another rater."""


class WrongStage(RaterError):
    """The rater asked for something their stage does not allow (e.g. a vote before consent)."""


class TooManyNewRaters(RaterError):
    """One client (IP address) created more new raters than the server's limit allows."""


class TooSoon(RaterError):
    """A vote arrived sooner than the audio of the trial could have been heard."""


class ServiceUnavailable(HumansError):
    """The study's database cannot be written right now (disk full, read-only, I/O error, busy too long).

    ``str(exc)`` is for the researcher (the server log: names the file and what to do); :attr:`rater_message` is
    what a rater may be shown (nothing about the server).
    """

    rater_message = (
        "Sorry, your answer could not be saved just now because of a problem on our side. Please wait a minute "
        "and submit again; your earlier answers are safe."
    )


class InvalidAnswer(RaterError):
    """An answer does not fit the study's rating scheme (out of range, missing required reason, ...)."""


@dataclass(frozen=True)
class TurnView:
    """A turn as a client may see it: role, content-hash audio name, optional transcript, duration."""

    role: str
    audio_name: str
    text: str | None
    duration_s: float


@dataclass(frozen=True)
class ConversationView:
    """A conversation as a client may see it: an opaque id (hash of the audio) and its turns in order."""

    public_id: str
    turns: tuple[TurnView, ...]

    @property
    def duration_s(self) -> float:
        """Total audio duration in seconds."""
        return sum(t.duration_s for t in self.turns)


@dataclass(frozen=True)
class TrialView:
    """One trial to show.

    ``token`` is an opaque, unguessable assignment token; ``position`` is 1-based among the trials of this
    phase (practice or main) and ``total`` the number of trials in that phase (attention checks included).
    ``right`` is None in Likert-only studies. The server refuses a vote sooner than ``min_wait_s`` seconds after
    the trial was first shown.
    """

    token: str
    position: int
    total: int
    practice: bool
    left: ConversationView
    right: ConversationView | None
    min_wait_s: float
    #: Extra A / B / tie questions asked with the preference (``rating.aspects``): (name, question) pairs.
    aspects: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RaterView:
    """A rater's state: the opaque token the client keeps, the stage, and in a final stage the code to show and
    the redirect URL (completion code when done, the screen-out code when screened out, the no-consent code when
    the consent form was declined)."""

    rater_token: str
    stage: str
    completion_code: str | None
    redirect_url: str | None
    trials_done: int = 0
    trials_total: int = 0


@dataclass(frozen=True)
class PlayEvent:
    """A client audio event: ``side`` left/right, ``turn`` index, ``kind`` play/pause/ended/seeked."""

    side: str
    turn: int
    kind: str
    media_time_s: float
    client_ms: int


@dataclass(frozen=True)
class Answer:
    """A rater's answer to one trial.

    ``preference`` is signed, negative = LEFT better: 3-point -1/0/+1, 5-point -2..+2, 0 = tie (None when
    ``both_bad`` is the answer, or in Likert-only studies). ``likert_left``/``likert_right`` are 1..S.
    """

    preference: int | None = None
    both_bad: bool = False
    likert_left: int | None = None
    likert_right: int | None = None
    reason: str | None = None
    client_tz_offset_min: int | None = None
    events: tuple[PlayEvent, ...] = ()
    #: Aspect answers: (aspect name, -1 left / 0 same / +1 right) pairs, one per aspect of the study.
    aspects: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Receipt:
    """The result of a submit. ``duplicate``: this trial was already answered (first answer kept, nothing
    written). ``practice_passed`` is set for practice trials (may be shown); ``attention_passed`` is logged only,
    never shown to the rater. ``rater`` is the state after the vote."""

    duplicate: bool
    practice_passed: bool | None
    attention_passed: bool | None
    rater: RaterView


@dataclass(frozen=True)
class Screen:
    """What a rater sees after one of their events: ``rater`` their state (None: no rater yet, the id form),
    ``trial`` the open trial in a rating stage (None elsewhere, or when the rating stage has just ended),
    ``headphones`` the headphone test in its stage, ``receipt`` the result of the vote the event sent (if any)."""

    rater: RaterView | None
    trial: TrialView | None = None
    headphones: HeadphoneView | None = None
    receipt: Receipt | None = None
