"""Queries of the researcher's side (export and admin dashboard), and the few admin writes they need.

They are methods of :class:`~annotation_app.store.Store` (through :class:`ResearchQueries`, a mix-in kept apart
from the rater path in :mod:`annotation_app.store.store` so the two grow independently); this is the only place
these statements live. Every query returns plain dicts in a stable order (by row id), so exports of the same
database are identical. The module-level functions of the same names are kept for existing callers.
"""

from __future__ import annotations

import secrets

from annotation_app.store import sql as plain

__all__ = ["PSEUDONYM_SALT", "ResearchQueries"]

#: Name of the pseudonym salt in ``study_secrets``.
PSEUDONYM_SALT = "pseudonym_salt"

_VOTES = """
SELECT v.id AS vote_id, v.kind, a.phase, v.position, v.rater_id,
       r.external_id, r.flagged AS rater_flagged, r.flag_reason AS rater_flag_reason, r.stage AS rater_stage,
       s.name AS scenario,
       v.left_conversation_id, cl.ext_id AS left_conversation, ml.name AS left_model,
       v.right_conversation_id, cr.ext_id AS right_conversation, mr.name AS right_model,
       v.raw_choice, v.preference_points, v.winner_side, v.strength, v.both_bad, v.reason,
       v.shown_at, v.voted_at, v.time_to_vote_s, v.client_tz_offset_min,
       v.plays_left, v.plays_right, v.listened_left_s, v.listened_right_s,
       t.passed AS check_passed,
       ll.value AS likert_left, lr.value AS likert_right, COALESCE(ll.points, lr.points) AS likert_points
FROM votes v
JOIN assignments a ON a.id = v.assignment_id
JOIN raters r ON r.id = v.rater_id
JOIN conversations cl ON cl.id = v.left_conversation_id
JOIN models ml ON ml.id = cl.model_id
JOIN scenarios s ON s.id = cl.scenario_id
LEFT JOIN conversations cr ON cr.id = v.right_conversation_id
LEFT JOIN models mr ON mr.id = cr.model_id
LEFT JOIN attention t ON t.assignment_id = v.assignment_id
LEFT JOIN likert ll ON ll.assignment_id = v.assignment_id AND ll.side = 'left'
LEFT JOIN likert lr ON lr.assignment_id = v.assignment_id AND lr.side = 'right'
"""


class ResearchQueries:
    """The researcher's queries, mixed into :class:`~annotation_app.store.Store` (uses its ``_rows``/``_write``)."""

    def vote_rows(self, *, kinds: tuple[str, ...] | None = ("trial",), include_flagged: bool = True) -> list[dict]:
        """Every vote with its rater, scenario, both sides' conversation and model, Likert values and check result.

        Parameters
        ----------
        kinds : tuple of str or None, default ("trial",)
            Vote kinds to return (``trial``, ``attention``, ``practice``); None for all.
        include_flagged : bool, default True
            Include votes of raters who are currently flagged.

        Returns
        -------
        list of dict
            One dict per vote, ordered by vote id (columns as in the ``SELECT`` of this module).
        """
        where, params = [], []
        if kinds is not None:
            where.append(f"v.kind IN ({', '.join('?' * len(kinds))})")
            params += list(kinds)
        if not include_flagged:
            where.append("r.flagged = 0")
        sql = _VOTES + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY v.id"
        return self._rows(sql, params)

    def conversation_turns(self) -> dict[int, list[dict]]:
        """Conversation row id -> its turns in order (``role``, ``sha256``, ``text``, ``duration_s``, loudness)."""
        out: dict[int, list[dict]] = {}
        for t in self._rows(
            "SELECT conversation_id, role, sha256, text, duration_s, loudness_lufs FROM turns "
            "ORDER BY conversation_id, idx"
        ):
            out.setdefault(t.pop("conversation_id"), []).append(t)
        return out

    def attention_by_rater(self) -> dict[int, dict]:
        """Rater row id -> ``{"checks": n, "failed": n}`` over attention checks (practice not counted)."""
        return {
            r["rater_id"]: {"checks": r["checks"], "failed": r["failed"]}
            for r in self._rows(
                "SELECT rater_id, COUNT(*) AS checks, SUM(passed = 0) AS failed FROM attention "
                "WHERE kind = 'attention' GROUP BY rater_id ORDER BY rater_id"
            )
        }

    def rater_rows(self) -> list[dict]:
        """Raters with their trial vote count (server side: includes external ids)."""
        return self._rows(
            "SELECT r.id, r.external_id, r.stage, r.flagged, r.flag_reason, r.created_at, r.finished_at, "
            "COUNT(v.id) AS votes FROM raters r LEFT JOIN votes v ON v.rater_id = r.id AND v.kind = 'trial' "
            "GROUP BY r.id ORDER BY r.id"
        )

    def set_rater_flag(self, rater_id: int, flagged: bool, reason: str | None = None) -> bool:
        """Flag or unflag a rater (an admin decision); returns False when no rater has this id."""
        with self._write() as db:
            if not plain.select(db, "SELECT id FROM raters WHERE id = ?", [rater_id]):
                return False
            plain.update(
                db,
                "raters",
                rater_id,
                {"flagged": int(flagged), "flag_reason": (reason or "flagged by admin") if flagged else None},
            )
        return True

    def pseudonym_salt(self) -> str:
        """The study's salt for rater pseudonyms: created (random, 128 bits) on first use, then always the same."""
        with self._write() as db:
            db.execute(
                "INSERT INTO study_secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                [PSEUDONYM_SALT, secrets.token_hex(16)],
            )
            return db.execute("SELECT value FROM study_secrets WHERE name = ?", [PSEUDONYM_SALT]).fetchone()[0]
