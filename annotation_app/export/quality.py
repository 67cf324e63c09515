"""The exported columns and table of the study-quality features.

Votes gain the length covariates of both conversations (what ``humans scores --control`` reads), one column per
aspect (``aspect_<name>``, in the pair's canonical order like ``winner``) and the rater's re-show and headphone
figures. The ``raters`` table has one row per rater (pseudonymised like the votes) with their stage, flags,
headphone result, consistency and questionnaire answers (``q_<name>``; several choices joined by ``"; "``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from annotation_app.export.columns import Column
from annotation_app.study.model import StudyConfig

__all__ = [
    "COVARIATE_COLUMNS",
    "RATER_COLUMNS",
    "aspect_columns",
    "covariates_by_conversation",
    "pair_quality_columns",
    "question_columns",
    "rater_rows",
    "vote_quality",
]

_WORD = re.compile(r"\w+")

#: Length covariates of the two conversations of a vote (assistant turns only).
COVARIATE_COLUMNS: tuple[Column, ...] = (
    Column("duration_a", "float64", "Seconds of assistant speech in conversation_a."),
    Column("duration_b", "float64", "Seconds of assistant speech in conversation_b."),
    Column("words_a", "int64", "Words in the assistant turns' transcripts of conversation_a."),
    Column("words_b", "int64", "Words in the assistant turns' transcripts of conversation_b."),
    Column("turns_a", "int64", "Assistant turns of conversation_a."),
    Column("turns_b", "int64", "Assistant turns of conversation_b."),
)
_RATER_QUALITY = (
    Column("rater_reshows", "int64", "Re-shown pairs (sides swapped) the rater answered."),
    Column("rater_reshows_consistent", "int64", "Of those, answered the same way (same conversation, or tie again)."),
    Column("rater_headphone_right", "int64", "Right answers in the rater's headphone test (empty: no test)."),
)

#: One row per rater: identity (pseudonym), progress, quality; questionnaire columns follow (per study).
RATER_COLUMNS: tuple[Column, ...] = (
    Column("study_id", "string", "Short name of the study (from its title)."),
    Column("config_hash", "string", "SHA-256 of the study's content (config, conversations, audio)."),
    Column("rater", "string", "Rater pseudonym: the same salted SHA-256 as in the votes table."),
    Column("stage", "string", "Where the rater is: consent ... done, or screened_out."),
    Column("screen_reason", "string", "Why the rater was screened out (headphones, attention, practice)."),
    Column("declined_consent", "bool", "Whether the rater declined the consent form."),
    Column("flagged", "bool", "Whether the rater is flagged."),
    Column("flag_reason", "string", "Why the rater was flagged."),
    Column("headphone_right", "int64", "Right answers in the headphone test (empty: no test taken)."),
    Column("headphone_passed", "bool", "Whether the rater passed the headphone test."),
    Column("reshows", "int64", "Re-shown pairs answered."),
    Column("reshows_consistent", "int64", "Re-shown pairs answered the same way."),
    Column("consistency", "float64", "reshows_consistent / reshows (empty without re-shows)."),
    Column("started_at", "string", "When the rater first opened the study (ISO 8601, UTC)."),
    Column("finished_at", "string", "When the rater finished or was screened out (ISO 8601, UTC)."),
)


def aspect_columns(config: StudyConfig) -> tuple[Column, ...]:
    """One column per aspect of the study."""
    return tuple(
        Column(f"aspect_{a.name}", "string", f"Aspect '{a.name}' ({a.question}): model_a, model_b or tie.")
        for a in config.rating.aspects
    )


def pair_quality_columns(config: StudyConfig) -> tuple[Column, ...]:
    """The quality columns a pairwise votes table gets (covariates, aspects, rater figures)."""
    return COVARIATE_COLUMNS + aspect_columns(config) + _RATER_QUALITY


def question_columns(config: StudyConfig) -> tuple[Column, ...]:
    """One column per questionnaire question (``q_<name>``), typed by the question."""
    out = []
    for phase, questions in (("before", config.questionnaire.before), ("after", config.questionnaire.after)):
        for q in questions:
            dtype = "float64" if q.type == "number" else "int64" if q.type == "likert" else "string"
            out.append(Column(f"q_{q.name}", dtype, f"{q.text} ({q.type}, asked {phase} the trials)."))
    return tuple(out)


def covariates_by_conversation(turns: dict[int, list[dict]]) -> dict[int, dict]:
    """Conversation row id -> ``duration``, ``words``, ``turns`` of its assistant turns."""
    out = {}
    for cid, ts in turns.items():
        assistant = [t for t in ts if t["role"] == "assistant"]
        out[cid] = {
            "duration": round(sum(float(t["duration_s"]) for t in assistant), 3),
            "words": sum(len(_WORD.findall(t["text"] or "")) for t in assistant),
            "turns": len(assistant),
        }
    return out


def vote_quality(
    row: dict,
    out: dict,
    covariates: dict[int, dict],
    aspects: dict[int, dict[str, tuple[str, int | None]]],
    config: StudyConfig,
    reshows: dict[int, tuple[int, int]],
    headphone: dict[int, int | None],
) -> dict:
    """The quality columns of one exported pairwise vote (``row``: the store's row, ``out``: the exported row)."""
    conv = {"a": row[f"{_side(out, 'a')}_conversation_id"], "b": row[f"{_side(out, 'b')}_conversation_id"]}
    values: dict = {}
    for name in ("duration", "words", "turns"):
        for s in ("a", "b"):
            values[f"{name}_{s}"] = covariates[conv[s]][name]
    answered = aspects.get(row["vote_id"], {})
    for aspect in config.rating.aspects:
        side, winner = answered.get(aspect.name, (None, None))
        values[f"aspect_{aspect.name}"] = (
            None if side is None else "tie" if side == "tie" else "model_a" if winner == conv["a"] else "model_b"
        )
    shown, same = reshows.get(row["rater_id"], (0, 0))
    values["rater_reshows"] = shown
    values["rater_reshows_consistent"] = same
    values["rater_headphone_right"] = headphone.get(row["rater_id"])
    return values


def _side(out: dict, which: str) -> str:
    """The side ('left'/'right') on which model_<which> was shown."""
    a_left = out["left"] == "model_a"
    return ("left" if a_left else "right") if which == "a" else ("right" if a_left else "left")


def rater_rows(
    raters: Sequence[dict],
    answers: Sequence[dict],
    reshows: dict[int, tuple[int, int]],
    ident: dict,
    pseudonym,
    iso,
    columns: Sequence[Column],
) -> list[dict]:
    """The rows of the raters table (``pseudonym`` and ``iso`` format ids and times as in the votes)."""
    by_rater: dict[int, dict] = {}
    for a in answers:
        value = a["value"]
        by_rater.setdefault(a["rater_id"], {})[f"q_{a['question']}"] = (
            "; ".join(map(str, value)) if isinstance(value, list) else value
        )
    names = [c.name for c in columns if c.name.startswith("q_")]
    dtypes = {c.name: c.dtype for c in columns}
    out = []
    for r in raters:
        shown, same = reshows.get(r["rater_id"], (0, 0))
        row = {
            **ident,
            "rater": pseudonym(r["external_id"]),
            "stage": r["stage"],
            "screen_reason": r["screen_reason"],
            "declined_consent": r["declined_at"] is not None,
            "flagged": bool(r["flagged"]),
            "flag_reason": r["flag_reason"],
            "headphone_right": r["headphone_right"],
            "headphone_passed": None if r["headphone_passed"] is None else bool(r["headphone_passed"]),
            "reshows": shown,
            "reshows_consistent": same,
            "consistency": round(same / shown, 3) if shown else None,
            "started_at": iso(r["created_at"]),
            "finished_at": iso(r["finished_at"]),
        }
        given = by_rater.get(r["rater_id"], {})
        for name in names:
            value = given.get(name)
            if value is not None and dtypes[name] == "float64":
                value = float(value)
            elif value is not None and dtypes[name] == "string" and not isinstance(value, str):
                value = json.dumps(value) if not isinstance(value, int | float) else str(value)
            row[name] = value
        out.append(row)
    return out
