"""The store's reads and writes of the study-quality stages: questionnaires, aspect answers, the headphone
test and consistency re-shows.

:class:`QualityQueries` is a mix-in of :class:`~annotation_app.store.Store` (like the researcher's queries): its
methods use the store's connection and join the caller's transaction, so a rater step that writes here and in
the core tables commits once. Values are JSON where a question's answer may be a list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotation_app.store.store import Store

__all__ = ["QualityQueries"]


class QualityQueries:
    """Questionnaires, aspects, headphone test and re-shows (mixed into the Store)."""

    # ------------------------------------------------------------------ questionnaires
    def save_questionnaire(self: Store, rater_id: int, phase: str, answers: Mapping[str, object], now: float) -> None:
        """Store a rater's answers of one questionnaire (a second submit keeps the first answers)."""
        with self._write() as db:
            for question, value in answers.items():
                db.execute(
                    "INSERT OR IGNORE INTO questionnaire_answers (rater_id, phase, question, value_json, answered_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [rater_id, phase, question, json.dumps(value, ensure_ascii=False), now],
                )
            db.execute(
                f"UPDATE raters SET questionnaire_{'before' if phase == 'before' else 'after'}_at = COALESCE("
                f"questionnaire_{'before' if phase == 'before' else 'after'}_at, ?) WHERE id = ?",
                [now, rater_id],
            )

    def questionnaire_rows(self: Store) -> list[dict]:
        """Every questionnaire answer: rater id, external id, phase, question, value (decoded), by rater and id."""
        rows = self._rows(
            "SELECT q.rater_id, r.external_id, q.phase, q.question, q.value_json, q.answered_at "
            "FROM questionnaire_answers q JOIN raters r ON r.id = q.rater_id ORDER BY q.rater_id, q.id"
        )
        for row in rows:
            row["value"] = json.loads(row.pop("value_json"))
        return rows

    # ------------------------------------------------------------------ aspects
    def save_aspects(self: Store, vote_id: int, rater_id: int, answers: Sequence[tuple[str, str, int | None]]) -> None:
        """Store the aspect answers of a vote: (aspect, winner side left/right/tie, winner conversation id)."""
        with self._write() as db:
            for aspect, side, conversation in answers:
                db.execute(
                    "INSERT OR IGNORE INTO aspect_answers (vote_id, rater_id, aspect, winner_side, "
                    "winner_conversation_id) VALUES (?, ?, ?, ?, ?)",
                    [vote_id, rater_id, aspect, side, conversation],
                )

    def aspect_rows(self: Store) -> list[dict]:
        """Every aspect answer: vote id, aspect, winner side, winner conversation id (by vote, aspect)."""
        return self._rows(
            "SELECT vote_id, aspect, winner_side, winner_conversation_id FROM aspect_answers ORDER BY vote_id, id"
        )

    # ------------------------------------------------------------------ headphone test
    def issue_headphone_trials(
        self: Store, rater_id: int, kind: str, stimuli: Sequence[tuple[str, int]], now: float
    ) -> None:
        """Record the clips (cache name, right answer) a rater's headphone test uses, once."""
        with self._write() as db:
            for idx, (name, answer) in enumerate(stimuli):
                db.execute(
                    "INSERT OR IGNORE INTO headphone_trials (rater_id, idx, kind, audio_name, answer, issued_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [rater_id, idx, kind, name, answer, now],
                )

    def headphone_trials(self: Store, rater_id: int) -> list[dict]:
        """A rater's headphone trials in order: idx, kind, audio_name, answer, response, correct, issued_at."""
        return self._rows(
            "SELECT idx, kind, audio_name, answer, response, correct, issued_at, answered_at FROM headphone_trials "
            "WHERE rater_id = ? ORDER BY idx",
            [rater_id],
        )

    def record_headphone_result(
        self: Store, rater_id: int, responses: Sequence[int], right: int, passed: bool, now: float
    ) -> None:
        """Store the responses of a headphone test and its result on the rater."""
        with self._write() as db:
            for idx, response in enumerate(responses):
                db.execute(
                    "UPDATE headphone_trials SET response = ?, correct = (answer = ?), answered_at = ? "
                    "WHERE rater_id = ? AND idx = ?",
                    [response, response, now, rater_id, idx],
                )
            db.execute(
                "UPDATE raters SET headphone_right = ?, headphone_passed = ?, "
                "calibrated_at = COALESCE(calibrated_at, ?) WHERE id = ?",
                [right, int(passed), now, rater_id],
            )

    def set_screen_reason(self: Store, rater_id: int, reason: str) -> None:
        """Record why a rater was screened out (headphones, attention, practice)."""
        with self._write() as db:
            db.execute("UPDATE raters SET screen_reason = ? WHERE id = ?", [reason, rater_id])

    def set_declined(self: Store, rater_id: int, now: float) -> None:
        """Record that a rater declined the consent form."""
        with self._write() as db:
            db.execute("UPDATE raters SET declined_at = COALESCE(declined_at, ?) WHERE id = ?", [now, rater_id])

    # ------------------------------------------------------------------ consistency re-shows
    def answered_trials(self: Store, rater_id: int) -> list[dict]:
        """A rater's answered pairwise trial votes in order: vote id, both conversations, winner."""
        return self._rows(
            "SELECT id AS vote_id, left_conversation_id, right_conversation_id, winner_side, winner_conversation_id "
            "FROM votes WHERE rater_id = ? AND kind = 'trial' AND right_conversation_id IS NOT NULL ORDER BY position",
            [rater_id],
        )

    def issue_reshow(
        self: Store, token: str, rater_id: int, original_vote_id: int, position: int, left: int, right: int, now: float
    ) -> None:
        """Record a re-show of an earlier vote's pair at main-phase ``position`` (sides as given)."""
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO reshows (token, rater_id, original_vote_id, position, left_conversation_id, "
                "right_conversation_id, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [token, rater_id, original_vote_id, position, left, right, now],
            )

    def reshows_of(self: Store, rater_id: int) -> list[dict]:
        """A rater's re-shows in order of position."""
        return self._rows("SELECT * FROM reshows WHERE rater_id = ? ORDER BY position", [rater_id])

    def reshow_by_token(self: Store, token: str) -> dict | None:
        """One re-show by its token (None when unknown)."""
        return self._one("SELECT * FROM reshows WHERE token = ?", [token])

    def mark_reshow_shown(self: Store, reshow_id: int, now: float) -> None:
        """Set the time a re-show was first shown."""
        with self._write() as db:
            db.execute("UPDATE reshows SET shown_at = COALESCE(shown_at, ?) WHERE id = ?", [now, reshow_id])

    def answer_reshow(self: Store, reshow_id: int, fields: Mapping[str, object]) -> None:
        """Store the answer of a re-show (raw_choice, winner_side, winner_conversation_id, consistent, ...)."""
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self._write() as db:
            db.execute(
                f"UPDATE reshows SET {columns}, status = 'done' WHERE id = ? AND status = 'open'",
                [*fields.values(), reshow_id],
            )

    def reshow_rows(self: Store) -> list[dict]:
        """Every answered re-show with its rater's external id (for the export, dashboard and report)."""
        return self._rows(
            "SELECT s.id, s.rater_id, r.external_id, r.flagged, s.original_vote_id, s.position, s.winner_side, "
            "s.consistent, s.time_to_vote_s FROM reshows s JOIN raters r ON r.id = s.rater_id "
            "WHERE s.status = 'done' ORDER BY s.id"
        )

    def rater_quality_rows(self: Store) -> list[dict]:
        """Every rater with the quality columns (stage, flags, headphone result, screen-out, consent decline)."""
        return self._rows(
            "SELECT id AS rater_id, external_id, stage, flagged, flag_reason, created_at, finished_at, "
            "calibrated_at, headphone_right, headphone_passed, screen_reason, declined_at, "
            "questionnaire_before_at, questionnaire_after_at FROM raters ORDER BY id"
        )
