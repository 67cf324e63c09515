"""What the rater UI sees of the quality stages: the headphone test and a questionnaire (blind view objects).

The headphone view names clips by content hash only; which interval is right stays on the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotation_app.study.model import Question

__all__ = ["HeadphoneView", "QuestionnaireView"]


@dataclass(frozen=True)
class HeadphoneView:
    """The headphone stage: the calibration clip, then ``trials`` clips of three sounds each.

    ``kind`` is ``antiphase`` (the question: which sound is quietest) or ``huggins`` (which noise has a faint tone
    in it). The server refuses the answers sooner than ``min_wait_s`` after the test was first shown.
    """

    kind: str
    calibration_audio: str
    trials: tuple[str, ...]
    needed: int
    min_wait_s: float


@dataclass(frozen=True)
class QuestionnaireView:
    """One questionnaire: ``phase`` is ``before`` or ``after`` the trials; ``questions`` in order."""

    phase: str
    questions: tuple[Question, ...]
