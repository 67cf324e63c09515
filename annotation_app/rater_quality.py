"""The rater-service steps of the quality stages: headphone test, questionnaires, aspects and re-shows.

:class:`QualitySteps` is a mix-in of :class:`~annotation_app.rater_service.RaterService`: it uses the service's
store, clock, random generator, stage flow and views, and every public method is one step (one transaction).
The rules are pure functions elsewhere: :mod:`annotation_app.protocol` (stages, outcomes, aspects),
:mod:`annotation_app.questionnaire` (answers), :mod:`annotation_app.consistency` (re-shows) and
:mod:`annotation_app.headphone` (stimuli and score); this module loads, asks them and writes.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence

from annotation_app import protocol
from annotation_app.consistency import Shown, is_consistent, pick_reshows
from annotation_app.headphone.battery import HeadphoneBattery, build_battery, draw_trials, score_headphone_test
from annotation_app.headphone.stimuli import GAP_S, INTERVAL_S
from annotation_app.quality_views import HeadphoneView, QuestionnaireView
from annotation_app.questionnaire import clean_answers
from annotation_app.rater_views import Answer, InvalidAnswer, Receipt, TooSoon, TrialView, WrongStage
from annotation_app.service_step import step

__all__ = ["QualitySteps"]

#: Seconds of one headphone clip (three intervals and two gaps).
HEADPHONE_CLIP_S = 3 * INTERVAL_S + 2 * GAP_S


class QualitySteps:
    """Headphones, questionnaires, aspects and consistency re-shows (mixed into RaterService)."""

    _battery: HeadphoneBattery | None = None

    # ------------------------------------------------------------------ headphones
    def _headphone_battery(self) -> HeadphoneBattery:
        if self._battery is None:  # generated at first use (written once into the blind cache)
            self._battery = build_battery(self.cache, self.config.quality.headphone_check)
        return self._battery

    def _headphone_wait_s(self) -> float:
        return self.config.quality.min_listen_fraction * HEADPHONE_CLIP_S * self.config.quality.headphone_trials

    @step
    def headphone_test(self, rater_token: str) -> HeadphoneView:
        """The rater's headphone test: the calibration clip and their clips (drawn once, in random order).

        Raises
        ------
        WrongStage
            When the rater is not at the headphone stage.
        """
        row = self._rater(rater_token)
        if row["stage"] != "headphones":
            raise WrongStage("There is no headphone check to do now; reload the page.")
        battery = self._headphone_battery()
        issued = self.store.headphone_trials(row["id"])
        if not issued:
            with self._rng_lock:
                drawn = draw_trials(battery, self.config.quality.headphone_trials, self.rng)
            self.store.issue_headphone_trials(
                row["id"], battery.kind, [(s.audio_name, s.answer) for s in drawn], self.clock()
            )
            issued = self.store.headphone_trials(row["id"])
        return HeadphoneView(
            kind=battery.kind,
            calibration_audio=battery.calibration_name,
            trials=tuple(t["audio_name"] for t in issued),
            needed=self.config.quality.headphone_pass,
            min_wait_s=math.ceil(self._headphone_wait_s() * 1000) / 1000,
        )

    @step
    def submit_headphone_test(self, rater_token: str, responses: Sequence[int | None]):
        """Score the rater's answers (1, 2 or 3 per clip): on to the next stage, or screened out.

        Raises
        ------
        InvalidAnswer
            When an answer is missing or not 1, 2 or 3.
        TooSoon
            When the answers come sooner than the clips could have been heard.
        """
        row = self._rater(rater_token)
        if row["stage"] != "headphones":
            if row["stage"] in protocol.FINAL_STAGES or row["headphone_passed"] is not None:
                return self._view(row)  # a repeated submit
            raise WrongStage(protocol.BEFORE_STAGE.get(row["stage"], "Please finish the previous step first."))
        issued = self.store.headphone_trials(row["id"])
        if not issued:
            raise WrongStage("Please start the headphone check first; reload the page.")
        answers = list(responses)
        if len(answers) != len(issued) or any(a not in (1, 2, 3) for a in answers):
            raise InvalidAnswer(f"Please answer all {len(issued)} sound checks (1, 2 or 3 each).")
        now = self.clock()
        elapsed = now - issued[0]["issued_at"]
        wait = self._headphone_wait_s()
        if elapsed + protocol.CLOCK_SLACK_S < wait:
            raise TooSoon(
                f"Please play each sound check before you answer; try again in {max(1, math.ceil(wait - elapsed))} s."
            )
        right, _ = score_headphone_test(answers, [t["answer"] for t in issued], self.config.quality.headphone_pass)
        fields = protocol.headphone_outcome(self.config, self.flow, right=right, now=now)
        self.store.record_headphone_result(row["id"], answers, right, bool(fields["headphone_passed"]), now)
        self.store.update_rater(row["id"], **fields)
        return self._view(self._rater(rater_token))

    # ------------------------------------------------------------------ questionnaires
    @step
    def questionnaire(self, rater_token: str) -> QuestionnaireView:
        """The questionnaire the rater is at (before or after the trials)."""
        row = self._rater(rater_token)
        phase = protocol.QUESTIONNAIRE_STAGES.get(row["stage"])
        if phase is None:
            raise WrongStage("There are no questions to answer now; reload the page.")
        return QuestionnaireView(phase, getattr(self.config.questionnaire, phase))

    @step
    def submit_questionnaire(self, rater_token: str, answers: Mapping[str, object]):
        """Check and store the answers of the rater's current questionnaire, then move on.

        Raises
        ------
        InvalidAnswer
            One sentence naming the first question whose answer is missing or does not fit.
        """
        row = self._rater(rater_token)
        phase = protocol.QUESTIONNAIRE_STAGES.get(row["stage"])
        if phase is None:
            return self._view(row)  # a repeated submit, or nothing to answer
        cleaned = clean_answers(getattr(self.config.questionnaire, phase), answers)
        now = self.clock()
        self.store.save_questionnaire(row["id"], phase, cleaned, now)
        self._enter_stage(row, protocol.next_stage(self.flow, row["stage"]))
        return self._view(self._rater(rater_token))

    # ------------------------------------------------------------------ aspects
    def _aspect_rows(self, a: dict, answer: Answer) -> list[tuple[str, str, int | None]]:
        """Validated aspect answers of a pairwise trial as (aspect, side, winner conversation id)."""
        sides = protocol.validate_aspects(self.config.rating, dict(answer.aspects))
        winners = {"left": a["left_conversation_id"], "right": a["right_conversation_id"], "tie": None}
        return [(name, side, winners[side]) for name, side in sides.items()]

    def _aspect_views(self) -> tuple[tuple[str, str], ...]:
        return tuple((a.name, a.question) for a in self.config.rating.aspects)

    # ------------------------------------------------------------------ re-shows
    def _reshow_trial(self, row: dict) -> TrialView | None:
        """The rater's open re-show (issuing the next one when needed), or None when all are answered."""
        shown = self.store.reshows_of(row["id"])
        open_ = [r for r in shown if r["status"] == "open"]
        if not open_:
            if len(shown) >= self.quotas.reshows:
                return None
            done = {r["original_vote_id"] for r in shown}
            answered = [
                Shown(v["vote_id"], v["left_conversation_id"], v["right_conversation_id"], _choice(v))
                for v in self.store.answered_trials(row["id"])
                if v["vote_id"] not in done
            ]
            with self._rng_lock:
                picked = pick_reshows(answered, 1, self.rng)
            if not picked:
                return None
            s = picked[0]  # sides swapped
            position = self.total + len(shown) + 1
            token = secrets.token_urlsafe(18)
            self.store.issue_reshow(
                token, row["id"], s.vote_id, position, s.right_conversation_id, s.left_conversation_id, self.clock()
            )
            open_ = [self.store.reshow_by_token(token)]
        r = open_[0]
        self.store.mark_reshow_shown(r["id"], self.clock())
        wait = protocol.listening_floor_s(self.config.quality, self._durations(r))
        return TrialView(
            token=r["token"],
            position=r["position"],
            total=self.total + self.quotas.reshows,
            practice=False,
            left=self._views[r["left_conversation_id"]],
            right=self._views[r["right_conversation_id"]],
            min_wait_s=math.ceil(wait * 1000) / 1000,
            aspects=self._aspect_views(),
        )

    def _submit_reshow(self, row: dict, r: dict, answer: Answer) -> Receipt:
        """Store the answer to a re-show (not a vote: the pair is not counted twice) and whether it agrees."""
        if r["status"] == "done":
            return Receipt(duplicate=True, practice_passed=None, attention_passed=None, rater=self._view(row))
        protocol.validate_answer(self.config.rating, answer)
        self._aspect_rows(r, answer)  # aspects are asked on re-shows too (so they look like any trial)
        now = self.clock()
        r = self.store.reshow_by_token(r["token"])
        elapsed = None if r["shown_at"] is None else now - r["shown_at"]
        protocol.check_listening_floor(self.config.quality, self._durations(r), elapsed)
        fields = protocol.answer_fields(self.config.rating, answer)
        side = fields["winner_side"]
        winner = {"left": r["left_conversation_id"], "right": r["right_conversation_id"]}.get(side)
        original = next(v for v in self.store.answered_trials(row["id"]) if v["vote_id"] == r["original_vote_id"])
        self.store.answer_reshow(
            r["id"],
            {
                "raw_choice": fields["raw_choice"],
                "winner_side": side,
                "winner_conversation_id": winner,
                "consistent": int(is_consistent(_choice(original), winner if winner is not None else side)),
                "completed_at": now,
                "time_to_vote_s": now - r["shown_at"],
            },
        )
        answered = sum(1 for s in self.store.reshows_of(row["id"]) if s["status"] == "done")
        if answered >= self.quotas.reshows:
            self._finish_reshows(row)
        fresh = self.store.rater_by_id(row["id"])
        return Receipt(duplicate=False, practice_passed=None, attention_passed=None, rater=self._view(fresh))

    def _finish_reshows(self, row: dict) -> None:
        """Leave the re-show stage; flag the rater when their consistency is below ``min_consistency``."""
        shown = [s for s in self.store.reshows_of(row["id"]) if s["status"] == "done"]
        floor = self.config.quality.min_consistency
        extra = {}
        if floor is not None and shown and sum(s["consistent"] for s in shown) / len(shown) < floor:
            extra = {"flagged": 1, "flag_reason": f"consistency below {floor:g}"}
        self._enter_stage(row, protocol.next_stage(self.flow, "reshows"), **extra)


def _choice(vote: dict) -> int | str:
    """What a vote chose: the preferred conversation id, or ``tie`` / ``both_bad``."""
    if vote["winner_conversation_id"] is not None:
        return vote["winner_conversation_id"]
    return vote["winner_side"]
