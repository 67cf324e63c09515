"""Build the exported tables from a study database: votes (or ratings) in long format, and preference pairs.

The winner is recorded by side in the database (``winner_side`` left/right/tie/both_bad); here it is mapped to the
pair's canonical order: ``model_a`` is the alphabetically first model, whatever side it was shown on, so
``winner = model_a`` exactly when the rater chose the side on which ``model_a`` was shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

import pandas as pd
import pyarrow as pa

from annotation_app.export import quality
from annotation_app.export.audio import ConversationAudio, conversation_audio
from annotation_app.export.columns import (
    PAIR_AUDIO_COLUMNS,
    PAIR_COLUMNS,
    PREFERENCE_AUDIO_COLUMNS,
    PREFERENCE_COLUMNS,
    RATING_AUDIO_COLUMNS,
    RATING_COLUMNS,
    Column,
)
from annotation_app.store import Store
from annotation_app.study.model import StudyConfig

__all__ = ["ExportTable", "StudyExport", "pseudonym", "read_export", "study_slug"]

_ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "list<float64>": pa.list_(pa.float64()),
    "audio": pa.string(),  # a relative path; embedded as AUDIO_STRUCT in the hf format
}
#: How the Hugging Face Audio feature is stored in Parquet: the file's bytes and its name.
AUDIO_STRUCT = pa.struct([pa.field("bytes", pa.binary()), pa.field("path", pa.string())])


def _cell(value, dtype: str, embed_audio: bool):
    if dtype != "audio" or value is None:
        return value
    return {"bytes": value.data, "path": value.name} if embed_audio else value.path


@dataclass(frozen=True)
class ExportTable:
    """A table to export: its name, its columns (:mod:`annotation_app.export.columns`) and its rows."""

    name: str
    columns: tuple[Column, ...]
    rows: list[dict]

    def __len__(self) -> int:
        return len(self.rows)

    def to_arrow(self, embed_audio: bool = False) -> pa.Table:
        """The table as a pyarrow Table with the declared types (audio as bytes + name when ``embed_audio``)."""
        schema = pa.schema(
            [
                pa.field(c.name, AUDIO_STRUCT if embed_audio and c.dtype == "audio" else _ARROW_TYPES[c.dtype])
                for c in self.columns
            ]
        )
        data = {c.name: self._column(c, embed_audio) for c in self.columns}
        return pa.Table.from_pydict(data, schema=schema)

    def _column(self, column: Column, embed_audio: bool) -> list:
        values = list(map(itemgetter(column.name), self.rows))  # in C, not a Python call per cell
        if column.dtype != "audio":
            return values
        return [_cell(v, column.dtype, embed_audio) for v in values]

    def audio_files(self) -> dict[str, bytes]:
        """Every audio file the table's rows name (relative path -> bytes), for exports that write them beside."""
        return {
            r[c.name].path: r[c.name].data for r in self.rows for c in self.columns if c.dtype == "audio" and r[c.name]
        }

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (nullable dtypes)."""
        return self.to_arrow().to_pandas(types_mapper=pd.ArrowDtype)


@dataclass(frozen=True)
class StudyExport:
    """Everything exported from one database: the study's identity, its scheme and the tables."""

    study_id: str
    title: str
    config_hash: str
    scheme: str
    main: ExportTable
    preferences: ExportTable | None
    include_flagged: bool
    include_checks: bool
    raters: int
    config: StudyConfig
    excluded_flagged: int
    excluded_checks: int
    with_audio: bool = False
    #: One row per rater (pseudonymised): stage, flags, headphone test, consistency, questionnaire answers.
    rater_table: ExportTable | None = None

    @property
    def tables(self) -> list[ExportTable]:
        """The main table, then the preference pairs (when the study is pairwise), then the raters."""
        out = [self.main] + ([self.preferences] if self.preferences is not None else [])
        return out + ([self.rater_table] if self.rater_table is not None else [])


def study_slug(title: str) -> str:
    """A short id from a study title: lower case, words joined by hyphens, at most 48 characters.

    Examples
    --------
    >>> study_slug("Which voice assistant would you rather talk to?")
    'which-voice-assistant-would-you-rather-talk-to'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:48].rstrip("-") or "study"


def pseudonym(salt: str, external_id: str) -> str:
    """A rater's pseudonym: the first 16 hex digits of SHA-256(salt + ":" + external id)."""
    return hashlib.sha256(f"{salt}:{external_id}".encode()).hexdigest()[:16]


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 3)


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _common(row: dict, study: dict, salt: str, attention: dict) -> dict:
    checks = attention.get(row["rater_id"], {"checks": 0, "failed": 0})
    return {
        **study,
        "rater": pseudonym(salt, row["external_id"]),
        "scenario": row["scenario"],
        "reason": row["reason"],
        "position": row["position"],
        "shown_at": _iso(row["shown_at"]),
        "voted_at": _iso(row["voted_at"]),
        "time_to_vote_s": _ms(row["time_to_vote_s"]),
        "client_tz_offset_min": row["client_tz_offset_min"],
        "kind": row["kind"],
        "check_passed": _bool(row["check_passed"]),
        "rater_attention_checks": int(checks["checks"] or 0),
        "rater_attention_failed": int(checks["failed"] or 0),
        "rater_flagged": bool(row["rater_flagged"]),
        "rater_flag_reason": row["rater_flag_reason"],
    }


def _media(prefix: str, media: dict[int, ConversationAudio] | None, cid: int) -> dict:
    if media is None:
        return {}
    clip = media[cid]
    return {
        f"{prefix}_audio": clip,
        f"{prefix}_turn_starts_s": list(clip.turn_starts_s),
        f"{prefix}_transcript": clip.transcript,
    }


def _pair_row(
    row: dict, common: dict, audio: dict[int, str], loud: dict[int, str], media: dict[int, ConversationAudio] | None
) -> dict:
    """One vote in canonical order (model_a < model_b by name)."""
    left_first = row["left_model"] <= row["right_model"]
    a, b = ("left", "right") if left_first else ("right", "left")
    side = row["winner_side"]
    winner = {"left": "model_a" if left_first else "model_b", "right": "model_b" if left_first else "model_a"}.get(
        side, side
    )
    return {
        **common,
        "vote_id": row["vote_id"],
        "model_a": row[f"{a}_model"],
        "model_b": row[f"{b}_model"],
        "conversation_a": row[f"{a}_conversation"],
        "conversation_b": row[f"{b}_conversation"],
        "audio_a": audio[row[f"{a}_conversation_id"]],
        "audio_b": audio[row[f"{b}_conversation_id"]],
        "loudness_a_lufs": loud[row[f"{a}_conversation_id"]],
        "loudness_b_lufs": loud[row[f"{b}_conversation_id"]],
        **_media("conversation_a", media, row[f"{a}_conversation_id"]),
        **_media("conversation_b", media, row[f"{b}_conversation_id"]),
        "left": "model_a" if left_first else "model_b",
        "winner": winner,
        "strength": row["strength"],
        "raw_choice": row["raw_choice"],
        "preference_points": row["preference_points"],
        "likert_a": row[f"likert_{a}"],
        "likert_b": row[f"likert_{b}"],
        "likert_points": row["likert_points"],
        "plays_a": row[f"plays_{a}"],
        "plays_b": row[f"plays_{b}"],
        "listened_a_s": _ms(row[f"listened_{a}_s"]),
        "listened_b_s": _ms(row[f"listened_{b}_s"]),
    }


def _rating_row(
    row: dict, common: dict, audio: dict[int, str], loud: dict[int, str], media: dict[int, ConversationAudio] | None
) -> dict:
    return {
        **common,
        "rating_id": row["vote_id"],
        "model": row["left_model"],
        "conversation": row["left_conversation"],
        "audio": audio[row["left_conversation_id"]],
        "loudness_lufs": loud[row["left_conversation_id"]],
        **_media("conversation", media, row["left_conversation_id"]),
        "rating": row["likert_left"],
        "likert_points": row["likert_points"],
        "plays": row["plays_left"],
        "listened_s": _ms(row["listened_left_s"]),
    }


def _lufs(value: float | None) -> str:
    return "nan" if value is None else f"{value:.2f}"


def _transcript(turns: Sequence[dict], role: str) -> str:
    return "\n".join((t["text"] or "").strip() for t in turns if t["role"] == role)


def _preference_rows(
    votes: list[dict], raw: dict[int, dict], turns: dict[int, list[dict]], media: dict[int, ConversationAudio] | None
) -> list[dict]:
    out = []
    for row in votes:
        if row["winner"] not in ("model_a", "model_b") or row["kind"] != "trial":
            continue
        src = raw[row["vote_id"]]
        won = "left" if src["winner_side"] == "left" else "right"
        lost = "right" if won == "left" else "left"
        chosen, rejected = src[f"{won}_conversation_id"], src[f"{lost}_conversation_id"]
        w, lo = row["winner"][-1], "b" if row["winner"] == "model_a" else "a"
        out.append(
            {
                "study_id": row["study_id"],
                "config_hash": row["config_hash"],
                "vote_id": row["vote_id"],
                "rater": row["rater"],
                "scenario": row["scenario"],
                "prompt": _transcript(turns[chosen], "user"),
                "chosen": _transcript(turns[chosen], "assistant"),
                "rejected": _transcript(turns[rejected], "assistant"),
                "chosen_model": row[f"model_{w}"],
                "rejected_model": row[f"model_{lo}"],
                "chosen_conversation": row[f"conversation_{w}"],
                "rejected_conversation": row[f"conversation_{lo}"],
                "chosen_audio": row[f"audio_{w}"],
                "rejected_audio": row[f"audio_{lo}"],
                "strength": row["strength"],
                **{k: v for k, v in _media("chosen_conversation", media, chosen).items() if "transcript" not in k},
                **{k: v for k, v in _media("rejected_conversation", media, rejected).items() if "transcript" not in k},
            }
        )
    return out


def read_export(
    store: Store,
    *,
    include_flagged: bool = False,
    include_checks: bool = False,
    with_preferences: bool = True,
    with_audio: bool = False,
) -> StudyExport:
    """Read the tables to export from an open study database.

    Parameters
    ----------
    store : Store
        An open database holding a study.
    include_flagged : bool, default False
        Keep the votes of flagged raters (they are marked in ``rater_flagged``).
    include_checks : bool, default False
        Also export attention-check and practice answers (marked in ``kind``; never in the preference pairs).
    with_preferences : bool, default True
        Build the preference-pairs table (pairwise studies); False leaves it empty (faster, for the dashboard).
    with_audio : bool, default False
        Add each conversation's audio, turn start times and transcript (:mod:`annotation_app.export.audio`).

    Returns
    -------
    StudyExport
    """
    study_row = store.study_row()
    study = store.load_study()
    scheme = study.config.rating.scheme
    likert_only = study.config.rating.likert_only
    ident = {"study_id": study_slug(study_row["title"]), "config_hash": study_row["content_hash"]}
    salt = store.pseudonym_salt()
    all_rows = store.vote_rows(kinds=None, include_flagged=True)
    raw_rows = [
        r for r in all_rows if (include_checks or r["kind"] == "trial") and (include_flagged or not r["rater_flagged"])
    ]
    excluded_checks = 0 if include_checks else sum(r["kind"] != "trial" for r in all_rows)
    excluded_flagged = 0 if include_flagged else sum(r["kind"] == "trial" and r["rater_flagged"] for r in all_rows)
    turns = store.conversation_turns()
    audio = {cid: " ".join(t["sha256"] for t in ts) for cid, ts in turns.items()}
    loud = {cid: " ".join(_lufs(t["loudness_lufs"]) for t in ts) for cid, ts in turns.items()}
    media = None
    if with_audio:
        used = {r[f"{side}_conversation_id"] for r in raw_rows for side in ("left", "right")} - {None}
        media = conversation_audio(store, used)
    attention = store.attention_by_rater()
    reshows: dict[int, tuple[int, int]] = {}
    for r in store.reshow_rows():
        shown, same = reshows.get(r["rater_id"], (0, 0))
        reshows[r["rater_id"]] = (shown + 1, same + int(r["consistent"]))
    rows = []
    for row in raw_rows:
        common = _common(row, ident, salt, attention)
        if likert_only:
            rows.append(_rating_row(row, common, audio, loud, media))
        else:
            rows.append(_pair_row(row, common, audio, loud, media))
    if likert_only:
        main = ExportTable("ratings", RATING_COLUMNS + (RATING_AUDIO_COLUMNS if with_audio else ()), rows)
        preferences = None
    else:
        columns = PAIR_COLUMNS + quality.pair_quality_columns(study.config) + (PAIR_AUDIO_COLUMNS if with_audio else ())
        covariates = quality.covariates_by_conversation(turns)
        aspects: dict[int, dict] = {}
        for a in store.aspect_rows():
            aspects.setdefault(a["vote_id"], {})[a["aspect"]] = (a["winner_side"], a["winner_conversation_id"])
        headphone = {r["rater_id"]: r["headphone_right"] for r in store.rater_quality_rows()}
        for row, out in zip(raw_rows, rows, strict=True):
            out.update(quality.vote_quality(row, out, covariates, aspects, study.config, reshows, headphone))
        main = ExportTable("votes", columns, rows)
        raw = {r["vote_id"]: r for r in raw_rows}
        pairs = _preference_rows(rows, raw, turns, media) if with_preferences else []
        pair_columns = PREFERENCE_COLUMNS + (PREFERENCE_AUDIO_COLUMNS if with_audio else ())
        preferences = ExportTable("preference_pairs", pair_columns, pairs)
    rater_columns = quality.RATER_COLUMNS + quality.question_columns(study.config)
    rater_rows = quality.rater_rows(
        store.rater_quality_rows(),
        store.questionnaire_rows(),
        reshows,
        ident,
        lambda external_id: pseudonym(salt, external_id),
        _iso,
        rater_columns,
    )
    return StudyExport(
        study_id=ident["study_id"],
        title=study_row["title"],
        config_hash=ident["config_hash"],
        scheme=scheme,
        main=main,
        preferences=preferences,
        include_flagged=include_flagged,
        include_checks=include_checks,
        raters=len({r["rater"] for r in rows}),
        config=study.config,
        excluded_flagged=excluded_flagged,
        excluded_checks=excluded_checks,
        with_audio=with_audio,
        rater_table=ExportTable("raters", rater_columns, rater_rows),
    )
