"""The facade the rater UI calls: identity, stages, trials, votes and audio files, with every server-side rule.

No Gradio here. The UI calls only :class:`RaterService` and the view objects of :mod:`annotation_app.rater_views`;
everything it returns is blind (no model name, no raw conversation id, no study path).
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from annotation_app.audio_cache import AudioCache
from annotation_app.rate_limit import NewRaterLimit
from annotation_app.rater_views import (
    Answer,
    ConversationView,
    InvalidAnswer,
    InvalidRaterId,
    NotYourTrial,
    PlayEvent,
    RaterView,
    Receipt,
    TooManyNewRaters,
    TooSoon,
    TrialView,
    TurnView,
    UnknownRater,
    WrongStage,
)
from annotation_app.scheduler import Scheduler, gold_items
from annotation_app.scheduler.active import ScoreFn
from annotation_app.store import Store
from annotation_app.study.model import Study

__all__ = [
    "MAX_ID_CHARS",
    "MAX_REASON_CHARS",
    "PRACTICE_EXTRA_ATTEMPTS",
    "Answer",
    "ConversationView",
    "InvalidAnswer",
    "InvalidRaterId",
    "NotYourTrial",
    "PlayEvent",
    "RaterService",
    "RaterView",
    "Receipt",
    "TooManyNewRaters",
    "TooSoon",
    "TrialView",
    "TurnView",
    "UnknownRater",
    "WrongStage",
    "clean_reason",
]


_log = logging.getLogger(__name__)

#: Longest id we accept (Prolific ids are 24 characters).
MAX_ID_CHARS = 64
#: Longest free-text reason, in characters.
MAX_REASON_CHARS = 2000
#: Practice trials a rater may fail before the study's ``on_attention_fail`` rule applies.
PRACTICE_EXTRA_ATTEMPTS = 2

#: Tolerance of the listening floor for rounding (seconds).
_CLOCK_SLACK_S = 1e-6

_URL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_TYPED_ID = re.compile(r"^[A-Za-z0-9._@-]+$")
_EVENT_KINDS = frozenset({"play", "pause", "ended", "seeked"})
#: Characters removed from free-text reasons: C0/C1 controls except tab and newline, and bidi overrides/isolates
#: (they can hide or reorder text in a researcher's terminal, spreadsheet or dashboard).
_REASON_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def _shown(value: str) -> str:
    return value if len(value) <= 24 else value[:20] + "…"


def _check_id(value: str, what: str, pattern: re.Pattern, allowed: str, min_len: int = 1) -> str:
    value = value.strip()
    if len(value) < min_len:
        raise InvalidRaterId(
            f"The {what} is empty; open the study from its link again."
            if min_len == 1
            else f"The {what} '{_shown(value)}' is too short ({len(value)} characters); use at least {min_len}."
        )
    if len(value) > MAX_ID_CHARS:
        raise InvalidRaterId(
            f"The {what} '{_shown(value)}' is too long ({len(value)} characters); use at most {MAX_ID_CHARS}."
        )
    if not pattern.match(value):
        bad = sorted({ch for ch in value if not pattern.match(ch)})
        raise InvalidRaterId(
            f"The {what} '{_shown(value)}' contains {' '.join(repr(c) for c in bad)}; use only {allowed}."
        )
    return value


class RaterService:
    """Everything a rater can do, with the server-side rules (blinding, listening floor, idempotent votes).

    Parameters
    ----------
    study : Study
        The validated study; it is imported into ``store`` (idempotent; a changed study is refused once votes
        exist, see :meth:`Store.import_study`).
    store : Store
        The SQLite store.
    cache_dir : Path
        Folder of the blind audio cache (``<sha256>.<ext>`` files); created and filled here.
    clock : callable, default ``time.time``
        Seconds since the epoch; inject a fake clock in tests and simulations.
    rng : numpy.random.Generator, optional
        Randomness of the scheduler (ties, attention positions, sides); seeded from the OS when omitted.
    scores : callable, optional
        Score function of the active scheduling mode (see :mod:`annotation_app.scheduler.active`).
    new_rater_limit : NewRaterLimit, optional
        How many new raters one client (the ``client`` given to :meth:`enter`, an IP address) may create; no
        limit when omitted.
    """

    def __init__(
        self,
        study: Study,
        store: Store,
        cache_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
        rng: np.random.Generator | None = None,
        scores: ScoreFn | None = None,
        new_rater_limit: NewRaterLimit | None = None,
    ) -> None:
        self.study = study
        self.new_rater_limit = new_rater_limit
        self.config = study.config
        self.store = store
        self.cache = AudioCache(cache_dir)
        self.clock = clock
        self.rng = rng if rng is not None else np.random.default_rng()
        self._rng_lock = threading.Lock()  # numpy generators are not thread-safe; server threads share this one
        self.cache.add_study(study)
        gold = gold_items(study, self.cache)
        store.import_study(study, gold, now=clock())
        rating = self.config.rating
        self.likert_only = rating.scheme == "likert"
        self.scheduler = Scheduler(
            target=self.config.targets.raters_per_pair,
            likert_only=self.likert_only,
            rng=self.rng,
            mode=self.config.targets.scheduling,
            scores=scores,
        )
        self._views: dict[int, ConversationView] = {}
        for conv in store.conversations():
            turns = tuple(
                TurnView(t["role"], t["audio_name"], t["text"] if rating.show_transcripts else None, t["duration_s"])
                for t in store.turns(conv["id"])
            )
            self._views[conv["id"]] = ConversationView(conv["public_id"], turns)
        n_trial_items = (
            sum(1 for c in store.conversations() if not c["gold_bad"] and not c["generated"])
            if self.likert_only
            else len(store.pairs("trial"))
        )
        self._gold_pairs = {p["id"]: p for p in store.pairs("gold")}
        gold_bad_convs = sum(1 for c in store.conversations() if c["gold_bad"] or c["generated"])
        self._n_gold = gold_bad_convs if self.likert_only else len(self._gold_pairs)
        self.trials_quota = min(self.config.targets.trials_per_rater, n_trial_items)
        self.attention_quota = min(self.config.quality.attention_checks, self._n_gold)
        self.total = self.trials_quota + self.attention_quota
        self.practice_quota = min(self.config.quality.practice_trials, self._n_gold)

    # ------------------------------------------------------------------ identity and stages
    def enter(
        self,
        *,
        prolific_pid: str | None = None,
        study_id: str | None = None,
        session_id: str | None = None,
        typed_id: str | None = None,
        rater_token: str | None = None,
        client: str | None = None,
    ) -> RaterView:
        """Validate the ids and create or resume the rater.

        A known ``rater_token`` (kept by the browser) wins. Otherwise ``prolific_pid`` (with the optional
        ``study_id``/``session_id`` from the Prolific URL) or an id the rater typed identifies them; the same id
        always resumes the same rater. ``client`` (the caller's IP address) counts against the service's
        ``new_rater_limit`` when a new rater is created; resuming never counts.

        Raises
        ------
        InvalidRaterId
            An id is empty, longer than :data:`MAX_ID_CHARS` or has characters outside the allowed set.
        UnknownRater
            Only a token was given and it is not known.
        TooManyNewRaters
            ``client`` created more new raters than ``new_rater_limit`` allows.
        """
        if rater_token:
            row = self.store.rater_by_token(rater_token)
            if row is not None:
                return self._view(row)
            if not (prolific_pid or typed_id):
                raise UnknownRater("Your session is not known here; open the study from its link again.")
        url_allowed = "letters, digits, '-' and '_'"
        if prolific_pid:
            pid = _check_id(prolific_pid, "PROLIFIC_PID in the link", _URL_ID, url_allowed)
            sid = _check_id(study_id, "STUDY_ID in the link", _URL_ID, url_allowed) if study_id else None
            ses = _check_id(session_id, "SESSION_ID in the link", _URL_ID, url_allowed) if session_id else None
            record = {"external_id": f"prolific:{pid}", "id_kind": "prolific", "prolific_pid": pid}
            record |= {"study_id": sid, "session_id": ses, "typed_id": None}
        elif typed_id is not None:
            tid = _check_id(typed_id, "id you typed", _TYPED_ID, "letters, digits, '.', '@', '-' and '_'", 3)
            record = {"external_id": f"typed:{tid}", "id_kind": "typed", "typed_id": tid}
            record |= {"prolific_pid": None, "study_id": None, "session_id": None}
        else:
            raise InvalidRaterId("Please type your participant id (the one you were given for this study).")
        row = self.store.rater_by_external_id(record["external_id"])
        if row is None:
            if self.new_rater_limit is not None and not self.new_rater_limit.allow(client, now=self.clock()):
                _log.warning(
                    "refused a new rater from %s: more than %d new raters from this address within %.0f s "
                    "(raise --max-new-raters-per-ip if many raters share one address)",
                    client,
                    self.new_rater_limit.max_new,
                    self.new_rater_limit.window_s,
                )
                raise TooManyNewRaters(
                    "Too many new participants have joined from your network recently; please try again later, "
                    "or contact the researcher if you were invited to this study."
                )
            with self._rng_lock:
                drawn = self.rng.choice(self.total, size=self.attention_quota, replace=False)
            positions = sorted(int(p) + 1 for p in drawn)
            record |= {
                "token": secrets.token_urlsafe(24),
                "stage": "consent" if self.config.consent.strip() else "instructions",
                "attention_positions": json.dumps(positions),
                "created_at": self.clock(),
            }
            row = self.store.create_rater(record)
        return self._view(row)

    def rater(self, rater_token: str) -> RaterView:
        """The rater's current state."""
        return self._view(self._rater(rater_token))

    def accept_consent(self, rater_token: str) -> RaterView:
        """Record consent and move on to the instructions (repeating it changes nothing)."""
        row = self._rater(rater_token)
        if row["stage"] == "consent":
            self.store.update_rater(row["id"], stage="instructions", consent_at=self.clock())
        return self.rater(rater_token)

    def decline_consent(self, rater_token: str) -> RaterView:
        """Record that the rater does not consent: their session ends (stage ``declined``); only from consent."""
        row = self._rater(rater_token)
        if row["stage"] == "consent":
            self.store.update_rater(row["id"], stage="declined", finished_at=self.clock())
        elif row["stage"] != "declined":
            raise WrongStage("You already agreed to take part; reload the page to continue.")
        return self.rater(rater_token)

    def finish_instructions(self, rater_token: str) -> RaterView:
        """Move from the instructions to the practice trial(s), or to the trials."""
        row = self._rater(rater_token)
        if row["stage"] == "consent":
            raise WrongStage("Please read and accept the consent form first.")
        if row["stage"] == "instructions":
            stage = "practice" if self.practice_quota > 0 else "trials"
            self.store.update_rater(row["id"], stage=stage, instructions_at=self.clock())
        return self.rater(rater_token)

    def _rater(self, rater_token: str) -> dict:
        row = self.store.rater_by_token(rater_token) if rater_token else None
        if row is None:
            raise UnknownRater("Your session is not known here; open the study from its link again.")
        return row

    def _view(self, row: dict) -> RaterView:
        done = row["stage"] == "done"
        counts = self.store.rater_counts(row["id"])
        return RaterView(
            rater_token=row["token"],
            stage=row["stage"],
            completion_code=row["completion_code"] if done else None,
            redirect_url=self.config.completion.redirect_url if done else None,
            trials_done=counts["main"],
            trials_total=self.total,
        )

    # ------------------------------------------------------------------ trials
    def current_trial(self, rater_token: str) -> TrialView | None:
        """The rater's open trial, or None outside the practice/trial stages.

        A reload, a second tab or a server restart gets the same open trial (same token); the first call marks it
        shown, which starts the listening floor. When nothing is left to rate the rater is finished.
        """
        row = self._rater(rater_token)
        if row["stage"] not in ("practice", "trials"):
            return None
        phase = "practice" if row["stage"] == "practice" else "main"
        now = self.clock()
        assignment = self.store.open_assignment(row["id"], phase)
        if assignment is None:
            assignment = self._issue(row, phase, now)
            if assignment is None:
                if phase == "practice":
                    self.store.update_rater(row["id"], stage="trials")
                else:
                    self._finish(row["id"], now)
                return self.current_trial(rater_token)
        assignment = self.store.touch_assignment(assignment["id"], now)
        return self._trial_view(assignment)

    def _issue(self, row: dict, phase: str, now: float) -> dict | None:
        position = 1 + sum(1 for a in self.store.assignments(row["id"]) if a["phase"] == phase)
        if phase == "practice":
            kind = "practice"
        else:
            if position > self.total:
                return None
            kind = "attention" if position in json.loads(row["attention_positions"]) else "trial"
        timeout_s = self.config.quality.assignment_timeout_minutes * 60
        return self.store.issue_assignment(
            row["id"],
            phase,
            position,
            lambda reader, _now: self._choose(reader, row["id"], kind),
            now=now,
            expire_before=now - timeout_s,
            token=secrets.token_urlsafe(18),
        )

    def _choose(self, reader, rater_id: int, kind: str) -> dict | None:
        with self._rng_lock:
            return self.scheduler.choose(reader, rater_id, kind)

    def _finish(self, rater_id: int, now: float) -> None:
        self.store.update_rater(rater_id, stage="done", finished_at=now, completion_code=self.config.completion.code)

    def _min_wait(self, assignment: dict) -> float:
        seconds = self._views[assignment["left_conversation_id"]].duration_s
        if assignment["right_conversation_id"] is not None:
            seconds += self._views[assignment["right_conversation_id"]].duration_s
        return self.config.quality.min_listen_fraction * seconds

    def _trial_view(self, a: dict) -> TrialView:
        practice = a["phase"] == "practice"
        right = a["right_conversation_id"]
        return TrialView(
            token=a["token"],
            position=a["position"],
            total=max(self.practice_quota, a["position"]) if practice else self.total,
            practice=practice,
            left=self._views[a["left_conversation_id"]],
            right=self._views[right] if right is not None else None,
            min_wait_s=math.ceil(self._min_wait(a) * 1000) / 1000,
        )

    def _assignment(self, row: dict, trial_token: str) -> dict:
        a = self.store.assignment_by_token(trial_token) if trial_token else None
        if a is None or a["rater_id"] != row["id"]:
            raise NotYourTrial("This trial is not one of yours; reload the page to get your current trial.")
        return a

    # ------------------------------------------------------------------ events and votes
    def _event_rows(self, row: dict, a: dict, events, now: float) -> list[dict]:
        sides = {"left": a["left_conversation_id"], "right": a["right_conversation_id"]}
        out = []
        for e in events:
            conv = sides.get(getattr(e, "side", None))
            if conv is None or getattr(e, "kind", None) not in _EVENT_KINDS:
                continue
            turns = self._views[conv].turns
            try:
                turn, media, client_ms = int(e.turn), float(e.media_time_s), int(e.client_ms)
            except (TypeError, ValueError):
                continue
            if not (0 <= turn < len(turns)) or not math.isfinite(media) or media < 0:
                continue
            out.append(
                {
                    "assignment_id": a["id"],
                    "rater_id": row["id"],
                    "side": e.side,
                    "conversation_id": conv,
                    "turn": turn,
                    "kind": e.kind,
                    "media_time_s": min(media, turns[turn].duration_s),
                    "client_ms": client_ms,
                    "server_at": now,
                }
            )
        return out

    def log_events(self, rater_token: str, trial_token: str, events: tuple[PlayEvent, ...]) -> int:
        """Store client audio events of one of the rater's trials before the vote; returns how many were kept
        (malformed events are dropped)."""
        row = self._rater(rater_token)
        a = self._assignment(row, trial_token)
        return self.store.add_events(self._event_rows(row, a, events, self.clock()))

    def _validate(self, answer: Answer) -> None:
        rating = self.config.rating
        pairwise = rating.scheme in ("pairwise", "pairwise+likert")
        half = rating.preference_points // 2
        if pairwise:
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
        wanted = {"likert": ("left",), "pairwise+likert": ("left", "right")}.get(rating.scheme, ())
        for side in ("left", "right"):
            value = getattr(answer, f"likert_{side}")
            if side not in wanted:
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

    def _passed(self, a: dict, answer: Answer) -> tuple[bool, str]:
        """Whether a gold item was answered right, and on which side the bad conversation was."""
        if a["pair_id"] is None:
            half = self.config.rating.likert_points // 2
            return answer.likert_left is not None and answer.likert_left <= max(1, half), "left"
        pair = self._gold_pair(a["pair_id"])
        bad_side = "right" if pair["conv_a"] == a["left_conversation_id"] else "left"
        if answer.both_bad or not answer.preference:
            return False, bad_side
        chose = "left" if answer.preference < 0 else "right"
        return chose != bad_side, bad_side

    def _gold_pair(self, pair_id: int) -> dict:
        return self._gold_pairs[pair_id]

    def submit(self, rater_token: str, trial_token: str, answer: Answer) -> Receipt:
        """Validate and store a vote.

        A repeated submit of an answered trial returns the first result (``duplicate=True``) and writes nothing.
        The vote is refused with :class:`TooSoon` when it arrives sooner than ``min_listen_fraction`` times the
        trial's total audio duration after the trial was first shown, and with :class:`InvalidAnswer` when it
        does not fit the rating scheme.
        """
        row = self._rater(rater_token)
        a = self._assignment(row, trial_token)
        if self.store.vote_for(a["id"]) is not None:
            return self._receipt(a, duplicate=True)
        self._validate(answer)
        now = self.clock()
        if a["shown_at"] is None:
            raise TooSoon("This trial was not shown yet; reload the page and listen to both conversations.")
        elapsed = now - a["shown_at"]
        wait = self._min_wait(a)
        if elapsed + _CLOCK_SLACK_S < wait:
            audio = wait / self.config.quality.min_listen_fraction
            wait_s = max(1, math.ceil(wait - elapsed))
            raise TooSoon(
                f"Please listen to both conversations to the end before you answer: they last {audio:.0f} seconds "
                f"together and only {elapsed:.0f} seconds have passed since they were shown; try again in "
                f"{wait_s} s.",
                wait_s=wait_s,
            )
        vote = self._vote_record(row, a, answer, now)
        events = self._event_rows(row, a, answer.events, now)
        all_events = self.store.events(a["id"]) + events
        for side in ("left", "right"):
            vote[f"plays_{side}"] = sum(1 for e in all_events if e["side"] == side and e["kind"] == "play")
            vote[f"listened_{side}_s"] = _listened(all_events, side, self._views.get(vote[f"{side}_conversation_id"]))
        likert = [
            {
                "assignment_id": a["id"],
                "rater_id": row["id"],
                "conversation_id": a[f"{side}_conversation_id"],
                "side": side,
                "value": getattr(answer, f"likert_{side}"),
                "points": self.config.rating.likert_points,
            }
            for side in ("left", "right")
            if getattr(answer, f"likert_{side}") is not None
        ]
        attention = None
        update: dict = {}
        counts = self.store.rater_counts(row["id"])
        fail_rule = self.config.quality.on_attention_fail
        if a["kind"] in ("practice", "attention"):
            passed, bad_side = self._passed(a, answer)
            attention = {"assignment_id": a["id"], "rater_id": row["id"], "kind": a["kind"], "bad_side": bad_side}
            attention["passed"] = int(passed)
        if a["phase"] == "practice":
            passed_total = counts["practice_passed"] + int(attention["passed"])
            if passed_total >= self.practice_quota:
                update = {"stage": "trials", "practice_passed": 1}
            elif counts["practice"] + 1 >= self.practice_quota + PRACTICE_EXTRA_ATTEMPTS or (
                counts["practice"] + 1 >= self._n_gold
            ):
                update = {"practice_passed": 0}
                if fail_rule == "screen":
                    update |= {"stage": "screened_out", "finished_at": now}
                else:
                    update |= {"stage": "trials", "flagged": 1, "flag_reason": "practice failed"}
        else:
            if attention is not None and not attention["passed"]:
                if fail_rule == "screen":
                    update = {"stage": "screened_out", "finished_at": now}
                else:
                    update = {"flagged": 1, "flag_reason": "attention check failed"}
            if counts["main"] + 1 >= self.total and update.get("stage") != "screened_out":
                update |= {"stage": "done", "finished_at": now, "completion_code": self.config.completion.code}
        inserted = self.store.record_vote(vote, likert=likert, events=events, attention=attention, rater_update=update)
        return self._receipt(a, duplicate=not inserted)

    def _vote_record(self, row: dict, a: dict, answer: Answer, now: float) -> dict:
        pref = answer.preference
        if self.likert_only:
            winner_side = None
        elif answer.both_bad:
            winner_side = "both_bad"
        else:
            winner_side = "left" if pref < 0 else "right" if pref > 0 else "tie"
        winner = {"left": a["left_conversation_id"], "right": a["right_conversation_id"]}.get(winner_side)
        reason = clean_reason(answer.reason) or None
        return {
            "assignment_id": a["id"],
            "rater_id": row["id"],
            "kind": a["kind"],
            "position": a["position"],
            "left_conversation_id": a["left_conversation_id"],
            "right_conversation_id": a["right_conversation_id"],
            "raw_choice": pref,
            "preference_points": None if self.likert_only else self.config.rating.preference_points,
            "winner_side": winner_side,
            "winner_conversation_id": winner,
            "strength": abs(pref) if pref is not None else None,
            "both_bad": int(answer.both_bad),
            "reason": reason if self.config.rating.reason != "off" else None,
            "shown_at": a["shown_at"],
            "voted_at": now,
            "time_to_vote_s": now - a["shown_at"],
            "client_tz_offset_min": answer.client_tz_offset_min,
        }

    def _receipt(self, a: dict, *, duplicate: bool) -> Receipt:
        result = self.store.attention_for(a["id"])
        passed = None if result is None else bool(result["passed"])
        row = self.store.rater_by_id(a["rater_id"])
        return Receipt(
            duplicate=duplicate,
            practice_passed=passed if a["kind"] == "practice" else None,
            attention_passed=passed if a["kind"] == "attention" else None,
            rater=self._view(row),
        )

    # ------------------------------------------------------------------ files and texts
    def audio_file(self, audio_name: str) -> Path:
        """Resolve a cache file name (``<sha256>.<ext>``) to its path; anything else raises ``AudioNotFound``."""
        return self.cache.resolve(audio_name)

    def study_text(self) -> dict:
        """Title, instructions, consent and rating scheme for the UI (no model names, no paths)."""
        c = self.config
        r = c.rating
        return {
            "title": c.title,
            "instructions": c.instructions,
            "consent": c.consent,
            "scheme": r.scheme,
            "preference_points": r.preference_points,
            "allow_both_bad": r.allow_both_bad,
            "likert_points": r.likert_points,
            "likert_question": r.likert_question,
            "preference_question": r.preference_question,
            "reason": r.reason,
            "reason_max_chars": MAX_REASON_CHARS,
            "show_transcripts": r.show_transcripts,
            "trials_total": self.total,
            "practice_trials": self.practice_quota,
            "require_full_playback": c.quality.require_full_playback,
            "min_listen_fraction": c.quality.min_listen_fraction,
        }


def _listened(events: list[dict], side: str, view: ConversationView | None) -> float:
    """Seconds of a side's audio heard, estimated as the furthest media time reached in each turn."""
    if view is None:
        return 0.0
    furthest: dict[int, float] = {}
    for e in events:
        if e["side"] != side:
            continue
        t = e["turn"]
        reached = view.turns[t].duration_s if e["kind"] == "ended" else e["media_time_s"]
        furthest[t] = max(furthest.get(t, 0.0), reached)
    return round(sum(furthest.values()), 3)
