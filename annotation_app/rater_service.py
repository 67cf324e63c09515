"""The facade the rater UI calls: identity, stages, trials, votes and audio files.

Orchestration only: each public method loads what it needs from the :class:`Store`, asks the pure rules of
:mod:`annotation_app.protocol` (stages, quotas, answers, listening floor, outcomes) and the :class:`Scheduler`,
and writes the result, all inside one database transaction (:meth:`Store.atomic`), so rater events may run
concurrently, in one process or several.

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

from annotation_app import protocol
from annotation_app.audio_cache import AudioCache
from annotation_app.protocol import MAX_REASON_CHARS, PRACTICE_EXTRA_ATTEMPTS, clean_reason
from annotation_app.rate_limit import NewRaterLimit
from annotation_app.rater_quality import QualitySteps
from annotation_app.rater_views import (
    Answer,
    ConversationView,
    InvalidAnswer,
    InvalidRaterId,
    NotYourTrial,
    PlayEvent,
    RaterView,
    Receipt,
    Screen,
    ServiceUnavailable,
    TooManyNewRaters,
    TooSoon,
    TrialView,
    TurnView,
    UnknownRater,
    WrongStage,
)
from annotation_app.scheduler import Scheduler, gold_items
from annotation_app.scheduler.active import ScoreFn
from annotation_app.service_step import step as _step
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
    "ServiceUnavailable",
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

_URL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_TYPED_ID = re.compile(r"^[A-Za-z0-9._@-]+$")
_EVENT_KINDS = frozenset({"play", "pause", "ended", "seeked"})


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


class RaterService(QualitySteps):
    """Everything a rater can do, with the server-side rules (blinding, listening floor, idempotent votes).

    Every public method is one step: one database transaction (``BEGIN IMMEDIATE``, retried when the database is
    busy; see :meth:`Store.atomic`) in which it loads the rater's state, applies :mod:`annotation_app.protocol`
    and writes the outcome. Steps may run concurrently in threads and in several processes on one database.

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
        How many new raters one client (the ``client`` given to :meth:`enter`, an IP address) may create; counted
        in the study's database (a restart does not reset it); no limit when omitted.

    Raises
    ------
    ServiceUnavailable
        From any step, when the database cannot be written (the rater sees its ``rater_message``).
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
        self.config = study.config
        self.store = store
        self.new_rater_limit = new_rater_limit.on(store) if new_rater_limit is not None else None
        self.cache = AudioCache(cache_dir, study.config.audio)
        self.clock = clock
        self.rng = rng if rng is not None else np.random.default_rng()
        self._rng_lock = threading.Lock()  # numpy generators are not thread-safe; server threads share this one
        self.cache.add_study(study)
        gold = gold_items(study, self.cache)
        store.import_study(study, gold, now=clock())
        store.record_loudness(dict(self.cache.loudness))
        rating = self.config.rating
        self.likert_only = rating.likert_only
        self.scheduler = Scheduler(
            target=self.config.targets.raters_per_pair,
            likert_only=self.likert_only,
            rng=self.rng,
            mode=self.config.targets.scheduling,
            scores=scores,
        )
        self._views: dict[int, ConversationView] = {}
        conversations = store.conversations()
        for conv in conversations:
            turns = tuple(
                TurnView(t["role"], t["audio_name"], t["text"] if rating.show_transcripts else None, t["duration_s"])
                for t in store.turns(conv["id"])
            )
            self._views[conv["id"]] = ConversationView(conv["public_id"], turns)
        self._gold_pairs = {p["id"]: p for p in store.pairs("gold")}
        if self.likert_only:
            n_trial = sum(1 for c in conversations if not c["gold_bad"] and not c["generated"])
            n_gold = sum(1 for c in conversations if c["gold_bad"] or c["generated"])
        else:
            n_trial, n_gold = len(store.pairs("trial")), len(self._gold_pairs)
        self.quotas = protocol.quotas(self.config, trial_items=n_trial, gold_items=n_gold)
        self.flow = protocol.stage_flow(self.config, self.quotas)
        self.trials_quota = self.quotas.trials
        self.attention_quota = self.quotas.attention
        self.practice_quota = self.quotas.practice
        self.total = self.quotas.total

    # ------------------------------------------------------------------ identity and stages
    @_step
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
            now = self.clock()
            if self.new_rater_limit is not None and not self.new_rater_limit.allow(client, now=now):
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
            record |= {
                "token": secrets.token_urlsafe(24),
                "stage": self.flow[0],
                "attention_positions": json.dumps(sorted(int(p) + 1 for p in drawn)),
                "created_at": now,
            }
            row = self.store.create_rater(record)
        return self._view(row)

    @_step
    def rater(self, rater_token: str) -> RaterView:
        """The rater's current state."""
        return self._view(self._rater(rater_token))

    def accept_consent(self, rater_token: str) -> RaterView:
        """Record consent and move on to the instructions (repeating it changes nothing)."""
        return self._leave(rater_token, "consent", "consent_at")

    @_step
    def decline_consent(self, rater_token: str) -> RaterView:
        """Record that the rater does not consent: their session ends at once (final stage ``declined``).

        Raises
        ------
        WrongStage
            The rater already agreed (declining later is closing the page).
        """
        row = self._rater(rater_token)
        if row["stage"] == "consent":
            self._enter_stage(row, "declined", declined_at=self.clock())
            row = self._rater(rater_token)
        elif row["stage"] != "declined":
            raise WrongStage("You already agreed to take part; reload the page to continue.")
        return self._view(row)

    def finish_instructions(self, rater_token: str) -> RaterView:
        """Move from the instructions to the practice trial(s), or to the trials.

        Raises
        ------
        WrongStage
            The rater has not accepted the consent form yet.
        """
        return self._leave(rater_token, "instructions", "instructions_at")

    @_step
    def _leave(self, rater_token: str, stage: str, stamp: str | None = None) -> RaterView:
        """Move the rater past ``stage`` (a click that ends it), writing ``stamp`` (a time column) when it moves."""
        row = self._rater(rater_token)
        target = protocol.leave_stage(self.flow, row["stage"], stage)
        if target is not None:
            self._enter_stage(row, target, **({stamp: self.clock()} if stamp else {}))
            row = self._rater(rater_token)
        return self._view(row)

    def _enter_stage(self, row: dict, stage: str, **extra) -> None:
        fields = protocol.enter_stage(stage, now=self.clock(), **protocol.stage_codes(self.config))
        self.store.update_rater(row["id"], **fields, **extra)

    def _rater(self, rater_token: str) -> dict:
        row = self.store.rater_by_token(rater_token) if rater_token else None
        if row is None:
            raise UnknownRater("Your session is not known here; open the study from its link again.")
        return row

    def _view(self, row: dict) -> RaterView:
        final = row["stage"] in protocol.FINAL_STAGES
        completion = self.config.completion
        redirect = {"done": completion.redirect_url, "screened_out": completion.screen_out_redirect_url}
        counts = self.store.rater_counts(row["id"])
        return RaterView(
            rater_token=row["token"],
            stage=row["stage"],
            completion_code=row["completion_code"] if final else None,
            redirect_url=redirect.get(row["stage"]),
            trials_done=counts["main"],
            trials_total=self.total + self.quotas.reshows,
        )

    # ------------------------------------------------------------------ trials
    @_step
    def current_trial(self, rater_token: str) -> TrialView | None:
        """The rater's open trial, or None outside the rating stages.

        A reload, a second tab or a server restart gets the same open trial (same token); the first call marks it
        shown, which starts the listening floor. When nothing is left to rate the rater moves to the next stage.
        """
        row = self._rater(rater_token)
        if row["stage"] == "reshows":
            trial = self._reshow_trial(row)
            if trial is not None:
                return trial
            self._finish_reshows(row)
            row = self._rater(rater_token)
        while row["stage"] in protocol.RATING_PHASES:
            phase = protocol.RATING_PHASES[row["stage"]]
            now = self.clock()
            assignment = self.store.open_assignment(row["id"], phase) or self._issue(row, phase, now)
            if assignment is not None:
                return self._trial_view(self.store.touch_assignment(assignment["id"], now))
            self._enter_stage(row, protocol.next_stage(self.flow, row["stage"]))
            row = self._rater(rater_token)
            if row["stage"] == "reshows":
                return self.current_trial(rater_token)
        return None

    @_step
    def screen(self, event: Callable[[], RaterView | Receipt | None]) -> Screen:
        """Run a rater event's step and read what the rater sees next, all in one transaction.

        ``event`` calls one of this service's steps (:meth:`enter`, :meth:`submit`, :meth:`accept_consent`…) and
        returns its result (None: no rater yet). Its step joins this one, so a vote and the issue of the rater's
        next trial commit together: one write transaction per rater event, not two (the database takes one at a
        time; docs/deployment.md). An exception of ``event`` rolls everything back and passes through.
        """
        result = event()
        receipt = result if isinstance(result, Receipt) else None
        rater = receipt.rater if receipt is not None else result
        if rater is None:
            return Screen(None)
        trial = self.current_trial(rater.rater_token) if rater.stage in protocol.TRIAL_STAGES else None
        if trial is None and rater.stage in protocol.TRIAL_STAGES:  # the rating stage has ended just now
            rater = self.rater(rater.rater_token)
        headphones = self.headphone_test(rater.rater_token) if rater.stage == "headphones" else None
        return Screen(rater, trial, headphones, receipt)

    def _issue(self, row: dict, phase: str, now: float) -> dict | None:
        position = 1 + sum(1 for a in self.store.assignments(row["id"]) if a["phase"] == phase)
        if phase == "practice":
            kind = "practice"
        else:
            kind = protocol.trial_kind(position, self.quotas, json.loads(row["attention_positions"]))
            if kind is None:
                return None
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

    def _durations(self, assignment: dict) -> list[float]:
        sides = (assignment["left_conversation_id"], assignment["right_conversation_id"])
        return [self._views[c].duration_s for c in sides if c is not None]

    def _trial_view(self, a: dict) -> TrialView:
        practice = a["phase"] == "practice"
        right = a["right_conversation_id"]
        wait = protocol.listening_floor_s(self.config.quality, self._durations(a))
        return TrialView(
            token=a["token"],
            position=a["position"],
            total=max(self.practice_quota, a["position"]) if practice else self.total + self.quotas.reshows,
            practice=practice,
            left=self._views[a["left_conversation_id"]],
            right=self._views[right] if right is not None else None,
            min_wait_s=math.ceil(wait * 1000) / 1000,
            aspects=self._aspect_views() if right is not None else (),
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

    @_step
    def log_events(self, rater_token: str, trial_token: str, events: tuple[PlayEvent, ...]) -> int:
        """Store client audio events of one of the rater's trials before the vote; returns how many were kept
        (malformed events are dropped)."""
        row = self._rater(rater_token)
        if self.store.reshow_by_token(trial_token) is not None:
            return 0  # re-shows keep no play events (their answers are not votes)
        a = self._assignment(row, trial_token)
        return self.store.add_events(self._event_rows(row, a, events, self.clock()))

    @_step
    def submit(self, rater_token: str, trial_token: str, answer: Answer) -> Receipt:
        """Validate and store a vote.

        A repeated submit of an answered trial returns the first result (``duplicate=True``) and writes nothing.
        The vote is refused with :class:`TooSoon` when it arrives sooner than ``min_listen_fraction`` times the
        trial's total audio duration after the trial was first shown, and with :class:`InvalidAnswer` when it
        does not fit the rating scheme.
        """
        # load
        row = self._rater(rater_token)
        reshow = self.store.reshow_by_token(trial_token) if trial_token else None
        if reshow is not None and reshow["rater_id"] == row["id"]:
            return self._submit_reshow(row, reshow, answer)
        a = self._assignment(row, trial_token)
        if self.store.vote_for(a["id"]) is not None:
            return self._receipt(a, duplicate=True)
        now = self.clock()
        # protocol
        rating = self.config.rating
        protocol.validate_answer(rating, answer)
        aspects = self._aspect_rows(a, answer) if a["right_conversation_id"] is not None else []
        elapsed = None if a["shown_at"] is None else now - a["shown_at"]
        protocol.check_listening_floor(self.config.quality, self._durations(a), elapsed)
        attention = None
        if a["kind"] in ("practice", "attention"):
            bad_side = self._bad_side(a)
            passed = protocol.gold_passed(rating, answer, bad_side)
            attention = {"assignment_id": a["id"], "rater_id": row["id"], "kind": a["kind"]}
            attention |= {"bad_side": bad_side, "passed": int(passed)}
        update = protocol.vote_outcome(
            self.config,
            self.quotas,
            self.flow,
            stage="practice" if a["phase"] == "practice" else "trials",
            kind=a["kind"],
            passed=None if attention is None else bool(attention["passed"]),
            counts=self.store.rater_counts(row["id"]),
            now=now,
        )
        # write
        events = self._event_rows(row, a, answer.events, now)
        vote = self._vote_record(row, a, answer, now, self.store.events(a["id"]) + events)
        likert = [
            {
                "assignment_id": a["id"],
                "rater_id": row["id"],
                "conversation_id": a[f"{side}_conversation_id"],
                "side": side,
                "value": getattr(answer, f"likert_{side}"),
                "points": rating.likert_points,
            }
            for side in rating.likert_sides
        ]
        inserted = self.store.record_vote(vote, likert=likert, events=events, attention=attention, rater_update=update)
        if inserted and aspects:
            self.store.save_aspects(self.store.vote_for(a["id"])["id"], row["id"], aspects)
        return self._receipt(a, duplicate=not inserted)

    def _bad_side(self, a: dict) -> str:
        """The side of a gold item's bad conversation (a single conversation is always on the left)."""
        if a["pair_id"] is None:
            return "left"
        return "right" if self._gold_pairs[a["pair_id"]]["conv_a"] == a["left_conversation_id"] else "left"

    def _vote_record(self, row: dict, a: dict, answer: Answer, now: float, events: list[dict]) -> dict:
        fields = protocol.answer_fields(self.config.rating, answer)
        winner = {"left": a["left_conversation_id"], "right": a["right_conversation_id"]}.get(fields["winner_side"])
        vote = {
            "assignment_id": a["id"],
            "rater_id": row["id"],
            "kind": a["kind"],
            "position": a["position"],
            "left_conversation_id": a["left_conversation_id"],
            "right_conversation_id": a["right_conversation_id"],
            "raw_choice": fields["raw_choice"],
            "preference_points": fields["preference_points"],
            "winner_side": fields["winner_side"],
            "winner_conversation_id": winner,
            "strength": fields["strength"],
            "both_bad": fields["both_bad"],
            "reason": fields["reason"],
            "shown_at": a["shown_at"],
            "voted_at": now,
            "time_to_vote_s": now - a["shown_at"],
            "client_tz_offset_min": fields["client_tz_offset_min"],
        }
        for side in ("left", "right"):
            vote[f"plays_{side}"] = sum(1 for e in events if e["side"] == side and e["kind"] == "play")
            vote[f"listened_{side}_s"] = _listened(events, side, self._views.get(vote[f"{side}_conversation_id"]))
        return vote

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
