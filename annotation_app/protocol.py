"""The rater protocol as pure functions over plain values: stages, quotas, answers, the listening floor, outcomes.

No store, no clock and no random generator here: every function takes what it needs (the study config, counts,
``now``) and returns plain values, so the whole protocol is tested without SQLite or time. :class:`RaterService`
loads the state, calls these functions and writes what they return.

Stages
------
A rater walks an ordered list of stages built from the study config by :func:`stage_flow`::

    consent -> instructions -> headphones -> questionnaire_before -> practice -> trials -> reshows
            -> questionnaire_after -> done

``consent`` is left out when the study has no consent text, ``headphones`` without ``quality.headphone_check``,
the questionnaires without questions, ``practice`` without practice trials and ``reshows`` without
``quality.consistency_repeats``. ``screened_out`` (a failed headphone test, or a failed attention check under
``on_attention_fail: screen``) and ``declined`` (the consent form declined) are final stages outside the list.
Adding a stage is adding it to :func:`stage_flow` (and, for a stage a rater leaves by a click, a sentence in
:data:`BEFORE_STAGE` and a service method calling :func:`leave_stage`); every "what comes next" question is
answered by :func:`next_stage`, and every write of a new stage goes through :func:`enter_stage`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotation_app.rater_views import Answer, InvalidAnswer, TooSoon, WrongStage
from annotation_app.study.model import QualityConfig, RatingConfig, StudyConfig

__all__ = [
    "BEFORE_STAGE",
    "CLOCK_SLACK_S",
    "FINAL_STAGES",
    "MAX_REASON_CHARS",
    "PRACTICE_EXTRA_ATTEMPTS",
    "QUESTIONNAIRE_STAGES",
    "RATING_PHASES",
    "TRIAL_STAGES",
    "Quotas",
    "answer_fields",
    "check_listening_floor",
    "clean_reason",
    "enter_stage",
    "gold_passed",
    "headphone_outcome",
    "leave_stage",
    "listening_floor_s",
    "next_stage",
    "quotas",
    "screen_out",
    "stage_codes",
    "stage_flow",
    "trial_kind",
    "validate_answer",
    "validate_aspects",
    "vote_outcome",
]

#: Longest free-text reason, in characters.
MAX_REASON_CHARS = 2000
#: Practice trials a rater may fail before the study's ``on_attention_fail`` rule applies.
PRACTICE_EXTRA_ATTEMPTS = 2
#: Tolerance of the listening floor for rounding (seconds).
CLOCK_SLACK_S = 1e-6
#: Stages a rater never leaves.
FINAL_STAGES = frozenset({"done", "screened_out", "declined"})
#: Stages in which the rater rates, and the assignment phase each one issues.
RATING_PHASES: Mapping[str, str] = {"practice": "practice", "trials": "main"}
#: The stages in which the rater is shown a trial (the rating stages and the re-shown trials).
TRIAL_STAGES = ("practice", "trials", "reshows")
#: What a rater is told when they try to leave a stage they have not reached (stage -> sentence).
BEFORE_STAGE: Mapping[str, str] = {
    "consent": "Please read and accept the consent form first.",
    "instructions": "Please read the instructions first.",
    "headphones": "Please finish the headphone check first.",
    "questionnaire_before": "Please answer the questions first.",
    "questionnaire_after": "Please finish the trials first.",
}
#: Questionnaire stages and the questionnaire each one asks.
QUESTIONNAIRE_STAGES: Mapping[str, str] = {"questionnaire_before": "before", "questionnaire_after": "after"}

#: Characters removed from free-text reasons: C0/C1 controls except tab and newline, and bidi overrides/isolates
#: (they can hide or reorder text in a researcher's terminal, spreadsheet or dashboard).
_REASON_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# ---------------------------------------------------------------------------------------------------- quotas
@dataclass(frozen=True)
class Quotas:
    """How many items of each kind one rater gets.

    Attributes
    ----------
    trials : int
        Ordinary trials (at most the study's trial items).
    attention : int
        Attention checks mixed into the trials (at most the gold items).
    practice : int
        Practice trials before the trials (at most the gold items).
    gold : int
        Gold items available (practice and attention checks draw from them).
    reshows : int
        Earlier trial pairs shown again, sides swapped, after the trials (at most the trials; pairwise only).
    """

    trials: int
    attention: int
    practice: int
    gold: int
    reshows: int = 0

    @property
    def total(self) -> int:
        """Positions of the main phase: trials plus attention checks."""
        return self.trials + self.attention


def quotas(config: StudyConfig, *, trial_items: int, gold_items: int) -> Quotas:
    """The per-rater quotas of a study with ``trial_items`` rateable items and ``gold_items`` gold items.

    Examples
    --------
    >>> from annotation_app.study.model import StudyConfig
    >>> quotas(StudyConfig(title="t"), trial_items=4, gold_items=3)
    Quotas(trials=4, attention=1, practice=1, gold=3, reshows=0)
    """
    trials = min(config.targets.trials_per_rater, trial_items)
    return Quotas(
        trials=trials,
        attention=min(config.quality.attention_checks, gold_items),
        practice=min(config.quality.practice_trials, gold_items),
        gold=gold_items,
        reshows=min(config.quality.consistency_repeats, trials) if config.rating.asks_preference else 0,
    )


# ---------------------------------------------------------------------------------------------------- stages
def stage_flow(config: StudyConfig, quota: Quotas) -> tuple[str, ...]:
    """The ordered stages of a rater in this study, ending with ``"done"``.

    Examples
    --------
    >>> from annotation_app.study.model import StudyConfig
    >>> stage_flow(StudyConfig(title="t", consent="ok?"), Quotas(3, 1, 1, 2))
    ('consent', 'instructions', 'practice', 'trials', 'done')
    >>> stage_flow(StudyConfig(title="t"), Quotas(3, 0, 0, 0))
    ('instructions', 'trials', 'done')
    """
    stages = []
    if config.consent.strip():
        stages.append("consent")
    stages.append("instructions")
    if config.quality.headphone_check != "off":
        stages.append("headphones")
    if config.questionnaire.before:
        stages.append("questionnaire_before")
    if quota.practice > 0:
        stages.append("practice")
    stages.append("trials")
    if quota.reshows > 0:
        stages.append("reshows")
    if config.questionnaire.after:
        stages.append("questionnaire_after")
    stages.append("done")
    return tuple(stages)


def next_stage(flow: Sequence[str], stage: str) -> str:
    """The stage after ``stage`` in ``flow`` (a final stage stays where it is).

    Raises
    ------
    ValueError
        When ``stage`` is not in ``flow`` and not final (a stage this study does not have).
    """
    if stage in FINAL_STAGES:
        return stage
    if stage not in flow:
        raise ValueError(f"stage {stage!r} is not one of this study's stages {list(flow)}")
    return flow[flow.index(stage) + 1]


def leave_stage(flow: Sequence[str], current: str, leaving: str) -> str | None:
    """The stage a rater at ``current`` moves to when they finish ``leaving`` (a click such as "I agree").

    Returns None when the rater is already past ``leaving`` (a repeated click changes nothing).

    Raises
    ------
    WrongStage
        When the rater has not reached ``leaving`` yet (the sentence of :data:`BEFORE_STAGE` for their stage).
    """
    if current == leaving:
        return next_stage(flow, leaving)
    if current in FINAL_STAGES or leaving not in flow or current not in flow:
        return None
    if flow.index(current) < flow.index(leaving):
        raise WrongStage(BEFORE_STAGE.get(current, "Please finish the previous step first."))
    return None


def enter_stage(
    stage: str,
    *,
    now: float,
    completion_code: str,
    screen_out_code: str | None = None,
    no_consent_code: str | None = None,
) -> dict:
    """The rater columns written when a rater enters ``stage`` (the only place a final stage is written).

    The code a rater is shown is the study's completion code when done, its screen-out code when screened out
    and its no-consent code when the consent form was declined (Prolific's conventions).

    Examples
    --------
    >>> enter_stage("done", now=5.0, completion_code="C1")
    {'stage': 'done', 'finished_at': 5.0, 'completion_code': 'C1'}
    >>> enter_stage("screened_out", now=5.0, completion_code="C1", screen_out_code="S1")
    {'stage': 'screened_out', 'finished_at': 5.0, 'completion_code': 'S1'}
    >>> enter_stage("trials", now=5.0, completion_code="C1")
    {'stage': 'trials'}
    """
    fields: dict = {"stage": stage}
    if stage in FINAL_STAGES:
        fields["finished_at"] = now
    code = {"done": completion_code, "screened_out": screen_out_code, "declined": no_consent_code}.get(stage)
    if code is not None:
        fields["completion_code"] = code
    return fields


def trial_kind(position: int, quota: Quotas, attention_positions: Sequence[int]) -> str | None:
    """The kind of main-phase item at 1-based ``position``: ``"attention"``, ``"trial"``, or None past the end."""
    if position > quota.total:
        return None
    return "attention" if position in attention_positions else "trial"


# ---------------------------------------------------------------------------------------------------- answers
def clean_reason(text: str | None) -> str:
    """A reason as stored: line ends normalised to ``\\n``, control characters removed, outer blanks stripped.

    Examples
    --------
    >>> clean_reason("  A was clearer\\r\\n\\x1b[31mreally\\x00 ")
    'A was clearer\\n[31mreally'
    """
    return _REASON_JUNK.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_answer(rating: RatingConfig, answer: Answer) -> None:
    """Check that ``answer`` is what the rating scheme asks for; raise :class:`InvalidAnswer` with one sentence."""
    half = rating.preference_points // 2
    if rating.asks_preference:
        if answer.both_bad:
            if not rating.allow_both_bad:
                raise InvalidAnswer("This study has no 'both bad' answer; choose which conversation you prefer.")
            if answer.preference not in (None, 0):
                raise InvalidAnswer("Choose either 'both bad' or a preference, not both.")
        elif answer.preference is None:
            raise InvalidAnswer("Please choose which conversation you prefer.")
        elif not _is_int(answer.preference) or not -half <= answer.preference <= half:
            raise InvalidAnswer(
                f"The preference {answer.preference!r} is not on this study's {rating.preference_points}-point "
                f"scale; choose a value from {-half} to {half}."
            )
    elif answer.preference is not None or answer.both_bad:
        raise InvalidAnswer("This study asks for a rating only, not a preference; give a rating.")
    for side in ("left", "right"):
        value = getattr(answer, f"likert_{side}")
        if side not in rating.likert_sides:
            if value is not None:
                raise InvalidAnswer(f"This study asks for no rating of the {side} conversation; leave it empty.")
            continue
        if value is None:
            raise InvalidAnswer(f"Please rate the {side} conversation (1 to {rating.likert_points}).")
        if not _is_int(value) or not 1 <= value <= rating.likert_points:
            raise InvalidAnswer(
                f"The rating {value!r} of the {side} conversation is outside 1 to {rating.likert_points}; "
                "choose a value on the scale."
            )
    reason = clean_reason(answer.reason)
    if rating.reason == "required" and not reason:
        raise InvalidAnswer("Please write a short reason for your choice.")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidAnswer(
            f"Your reason is {len(reason)} characters long; please shorten it to at most {MAX_REASON_CHARS}."
        )
    tz = answer.client_tz_offset_min
    if tz is not None and (not _is_int(tz) or not -900 <= tz <= 900):
        raise InvalidAnswer(f"The time zone offset {tz!r} is not a number of minutes between -900 and 900.")


def answer_fields(rating: RatingConfig, answer: Answer) -> dict:
    """The vote columns a (valid) answer sets: ``raw_choice``, ``preference_points``, ``winner_side`` (left,
    right, tie, both_bad or None), ``strength``, ``both_bad``, ``reason``, ``client_tz_offset_min``."""
    pref = answer.preference
    if not rating.asks_preference:
        winner_side = None
    elif answer.both_bad:
        winner_side = "both_bad"
    else:
        winner_side = "left" if pref < 0 else "right" if pref > 0 else "tie"
    reason = clean_reason(answer.reason) or None
    return {
        "raw_choice": pref,
        "preference_points": rating.preference_points if rating.asks_preference else None,
        "winner_side": winner_side,
        "strength": abs(pref) if pref is not None else None,
        "both_bad": int(answer.both_bad),
        "reason": reason if rating.reason != "off" else None,
        "client_tz_offset_min": answer.client_tz_offset_min,
    }


def gold_passed(rating: RatingConfig, answer: Answer, bad_side: str) -> bool:
    """Whether a gold item (practice or attention check) was answered right.

    A pair: the rater preferred the side that is not ``bad_side`` (a tie or "both bad" fails). A single
    conversation (Likert-only; ``bad_side`` is ``"left"``): the rating is in the lower half of the scale.
    """
    if rating.likert_only:
        return answer.likert_left is not None and answer.likert_left <= max(1, rating.likert_points // 2)
    if answer.both_bad or not answer.preference:
        return False
    return ("left" if answer.preference < 0 else "right") != bad_side


# ---------------------------------------------------------------------------------------------------- timing
def listening_floor_s(quality: QualityConfig, durations_s: Sequence[float]) -> float:
    """Seconds that must pass between showing a trial and its vote: ``min_listen_fraction`` times the audio.

    Examples
    --------
    >>> listening_floor_s(QualityConfig(min_listen_fraction=0.5), [10.0, 6.0])
    8.0
    """
    return quality.min_listen_fraction * float(sum(durations_s))


def check_listening_floor(quality: QualityConfig, durations_s: Sequence[float], elapsed_s: float | None) -> None:
    """Refuse a vote that came before the listening floor with :class:`TooSoon` (``elapsed_s`` None: never shown)."""
    if elapsed_s is None:
        raise TooSoon("This trial was not shown yet; reload the page and listen to both conversations.")
    wait = listening_floor_s(quality, durations_s)
    if elapsed_s + CLOCK_SLACK_S < wait:
        wait_s = max(1, math.ceil(wait - elapsed_s))
        raise TooSoon(
            f"Please listen to both conversations to the end before you answer: they last "
            f"{sum(durations_s):.0f} seconds together and only {elapsed_s:.0f} seconds have passed since they were "
            f"shown; try again in {wait_s} s.",
            wait_s=wait_s,
        )


# ---------------------------------------------------------------------------------------------------- outcomes
def stage_codes(config: StudyConfig) -> dict:
    """The keyword arguments of :func:`enter_stage` that carry the study's codes."""
    c = config.completion
    return {"completion_code": c.code, "screen_out_code": c.screen_out_code, "no_consent_code": c.no_consent_code}


def screen_out(config: StudyConfig, *, now: float, reason: str) -> dict:
    """The rater columns of a screen-out: the final stage, the study's screen-out code and the reason.

    Examples
    --------
    >>> from annotation_app.study.model import StudyConfig
    >>> screen_out(StudyConfig(title="t"), now=1.0, reason="headphones")
    {'stage': 'screened_out', 'finished_at': 1.0, 'screen_reason': 'headphones'}
    """
    return {**enter_stage("screened_out", now=now, **stage_codes(config)), "screen_reason": reason}


def headphone_outcome(config: StudyConfig, flow: Sequence[str], *, right: int, now: float) -> dict:
    """The rater columns after the headphone test: on to the next stage, or screened out below the pass mark.

    Examples
    --------
    >>> from annotation_app.study.model import QualityConfig, StudyConfig
    >>> c = StudyConfig(title="t", quality=QualityConfig(headphone_check="antiphase"))
    >>> flow = ("instructions", "headphones", "trials", "done")
    >>> headphone_outcome(c, flow, right=5, now=1.0)
    {'headphone_right': 5, 'headphone_passed': 1, 'stage': 'trials'}
    >>> headphone_outcome(c, flow, right=4, now=1.0)["stage"]
    'screened_out'
    """
    passed = right >= config.quality.headphone_pass
    fields = {"headphone_right": right, "headphone_passed": int(passed)}
    if passed:
        return fields | enter_stage(next_stage(flow, "headphones"), now=now, **stage_codes(config))
    return fields | screen_out(config, now=now, reason="headphones")


def validate_aspects(rating: RatingConfig, aspects: Mapping[str, int] | None) -> dict[str, str]:
    """Check the aspect answers of a pairwise answer (-1 left, 0 tie, +1 right); return aspect -> side.

    Raises
    ------
    InvalidAnswer
        An aspect the study does not ask, a missing aspect, or a value other than -1, 0, 1.

    Examples
    --------
    >>> from annotation_app.study.model import Aspect, RatingConfig
    >>> validate_aspects(RatingConfig(aspects=(Aspect("content", "Which?"),)), {"content": 1})
    {'content': 'right'}
    """
    given = dict(aspects or {})
    names = [a.name for a in rating.aspects]
    if set(given) - set(names):
        raise InvalidAnswer("This study does not ask that question; please reload the page.")
    out = {}
    for aspect in rating.aspects:
        value = given.get(aspect.name)
        if value is None:
            raise InvalidAnswer(f"Please answer “{aspect.question}”.")
        if not _is_int(value) or value not in (-1, 0, 1):
            raise InvalidAnswer(f"For “{aspect.question}” choose A, B or the same.")
        out[aspect.name] = {-1: "left", 0: "tie", 1: "right"}[value]
    return out


def vote_outcome(
    config: StudyConfig,
    quota: Quotas,
    flow: Sequence[str],
    *,
    stage: str,
    kind: str,
    passed: bool | None,
    counts: Mapping[str, int],
    now: float,
) -> dict:
    """The rater columns to write with a vote (empty when nothing changes).

    Parameters
    ----------
    config, quota, flow
        The study's config, :func:`quotas` and :func:`stage_flow`.
    stage : str
        The rater's stage when the vote was cast (``"practice"`` or ``"trials"``).
    kind : str
        The item's kind: ``"practice"``, ``"attention"`` or ``"trial"``.
    passed : bool or None
        Whether a gold item was answered right (None for ordinary trials).
    counts : mapping
        The rater's votes *before* this one: ``main``, ``practice``, ``practice_passed``.
    now : float
        The time of the vote (seconds).

    Notes
    -----
    Practice: after ``quota.practice`` passes the rater moves on; after ``quota.practice +``
    :data:`PRACTICE_EXTRA_ATTEMPTS` attempts (or when the gold items run out) without enough passes,
    ``on_attention_fail`` applies: ``screen`` ends the session (``screened_out``), ``flag`` flags the rater and
    moves on. A failed attention check flags or screens the same way. The last main-phase vote moves the rater on
    (to ``done`` unless the study adds a stage after the trials).
    """
    codes = stage_codes(config)
    screen = config.quality.on_attention_fail == "screen"
    if stage == "practice":
        if counts["practice_passed"] + int(bool(passed)) >= quota.practice:
            return {"practice_passed": 1, **enter_stage(next_stage(flow, stage), now=now, **codes)}
        attempts = counts["practice"] + 1
        if attempts >= quota.practice + PRACTICE_EXTRA_ATTEMPTS or attempts >= quota.gold:
            if screen:
                return {"practice_passed": 0, **screen_out(config, now=now, reason="practice")}
            return {
                "practice_passed": 0,
                "flagged": 1,
                "flag_reason": "practice failed",
                **enter_stage(next_stage(flow, stage), now=now, **codes),
            }
        return {}
    update: dict = {}
    if kind == "attention" and passed is False:
        if screen:
            return screen_out(config, now=now, reason="attention")
        update = {"flagged": 1, "flag_reason": "attention check failed"}
    if counts["main"] + 1 >= quota.total:
        update |= enter_stage(next_stage(flow, stage), now=now, **codes)
    return update
