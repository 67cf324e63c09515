"""The columns of the exported tables: name, type and meaning (one definition for every format and the card).

Types are the dataset card's ``dtype`` names: ``string``, ``int64``, ``float64`` and ``bool``, and with
``--with-audio`` ``audio`` (the Hugging Face Audio feature in the ``hf`` format; a relative file path in the others)
and ``list<float64>`` (a list; space-separated in CSV); every column may be empty (null) unless said
otherwise. Seconds are rounded to milliseconds and times are ISO 8601 in UTC, so every
format carries the same values.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PAIR_AUDIO_COLUMNS",
    "PAIR_COLUMNS",
    "PREFERENCE_AUDIO_COLUMNS",
    "PREFERENCE_COLUMNS",
    "RATING_AUDIO_COLUMNS",
    "RATING_COLUMNS",
    "Column",
]


@dataclass(frozen=True)
class Column:
    """One exported column."""

    name: str
    dtype: str
    description: str


_STUDY = (
    Column("study_id", "string", "Short name of the study (from its title)."),
    Column("config_hash", "string", "SHA-256 of the study's content (config, conversations, audio)."),
)
_RATER = (
    Column("rater", "string", "Rater pseudonym: salted SHA-256 of the rater's external id (salt secret, per study)."),
)
_TIMING = (
    Column("position", "int64", "Position of the trial in the rater's session (0-based, per phase)."),
    Column("shown_at", "string", "When the trial was first shown (ISO 8601, UTC, milliseconds)."),
    Column("voted_at", "string", "When the answer was stored (ISO 8601, UTC, milliseconds)."),
    Column("time_to_vote_s", "float64", "Seconds from the trial being shown to the answer."),
    Column("client_tz_offset_min", "int64", "The rater's time zone offset from UTC in minutes (browser)."),
)
_QUALITY = (
    Column("kind", "string", "trial, attention (gold check) or practice; the default export holds trials only."),
    Column("check_passed", "bool", "For attention and practice rows: whether the check was passed."),
    Column("rater_attention_checks", "int64", "Attention checks the rater answered."),
    Column("rater_attention_failed", "int64", "Attention checks the rater failed."),
    Column("rater_flagged", "bool", "Whether the rater is flagged (excluded unless exported with --include-flagged)."),
    Column("rater_flag_reason", "string", "Why the rater was flagged."),
)

#: One row per pairwise vote.
PAIR_COLUMNS: tuple[Column, ...] = (
    *_STUDY,
    Column("vote_id", "int64", "Id of the vote in the study database (rows are in this order)."),
    *_RATER,
    Column("scenario", "string", "The scenario both conversations answer."),
    Column("model_a", "string", "First model of the pair (alphabetical order, not the side it was shown on)."),
    Column("model_b", "string", "Second model of the pair (alphabetical order)."),
    Column("conversation_a", "string", "Id of model_a's conversation (from conversations.jsonl)."),
    Column("conversation_b", "string", "Id of model_b's conversation."),
    Column("audio_a", "string", "SHA-256 of each audio file of conversation_a, in turn order, separated by spaces."),
    Column("audio_b", "string", "SHA-256 of each audio file of conversation_b, in turn order."),
    Column(
        "loudness_a_lufs",
        "string",
        "Original loudness of each audio file of conversation_a (ITU-R BS.1770 integrated, LUFS, before any "
        "normalisation), in turn order, separated by spaces; 'nan' for a clip too short (< 0.4 s) or silent.",
    ),
    Column("loudness_b_lufs", "string", "Original loudness of each audio file of conversation_b, as loudness_a_lufs."),
    Column("left", "string", "Which model was shown on the left: model_a or model_b."),
    Column("winner", "string", "model_a, model_b, tie or both_bad."),
    Column("strength", "int64", "0 for a tie, 1 for 'better', 2 for 'much better' (5-point scale)."),
    Column("raw_choice", "int64", "The answer as given: negative = left preferred, positive = right, 0 = tie."),
    Column("preference_points", "int64", "Points of the preference scale (3 or 5)."),
    Column("likert_a", "int64", "Likert rating of conversation_a (pairwise+likert studies)."),
    Column("likert_b", "int64", "Likert rating of conversation_b."),
    Column("likert_points", "int64", "Points of the Likert scale (1..likert_points)."),
    Column("reason", "string", "The rater's free-text reason."),
    *_TIMING,
    Column("plays_a", "int64", "Times any turn of conversation_a was started."),
    Column("plays_b", "int64", "Times any turn of conversation_b was started."),
    Column("listened_a_s", "float64", "Seconds of conversation_a heard (furthest point reached per turn)."),
    Column("listened_b_s", "float64", "Seconds of conversation_b heard."),
    *_QUALITY,
)

#: One row per Likert rating (Likert-only studies).
RATING_COLUMNS: tuple[Column, ...] = (
    *_STUDY,
    Column("rating_id", "int64", "Id of the answer in the study database (rows are in this order)."),
    *_RATER,
    Column("scenario", "string", "The conversation's scenario."),
    Column("model", "string", "The model that produced the conversation."),
    Column("conversation", "string", "Id of the conversation (from conversations.jsonl)."),
    Column("audio", "string", "SHA-256 of each audio file of the conversation, in turn order, separated by spaces."),
    Column(
        "loudness_lufs",
        "string",
        "Original loudness of each audio file (ITU-R BS.1770 integrated, LUFS, before any normalisation), in turn "
        "order, separated by spaces; 'nan' for a clip too short (< 0.4 s) or silent.",
    ),
    Column("rating", "int64", "The Likert rating, 1..likert_points."),
    Column("likert_points", "int64", "Points of the Likert scale."),
    Column("reason", "string", "The rater's free-text reason."),
    *_TIMING,
    Column("plays", "int64", "Times any turn of the conversation was started."),
    Column("listened_s", "float64", "Seconds of the conversation heard (furthest point reached per turn)."),
    *_QUALITY,
)

#: One row per decisive pairwise vote, for preference training (DPO/reward models).
PREFERENCE_COLUMNS: tuple[Column, ...] = (
    *_STUDY,
    Column("vote_id", "int64", "Id of the vote (joins the votes table)."),
    *_RATER,
    Column("scenario", "string", "The scenario both conversations answer."),
    Column("prompt", "string", "Transcript of the user's turns (of the chosen conversation), one per line."),
    Column("chosen", "string", "Transcript of the preferred assistant's turns, one per line."),
    Column("rejected", "string", "Transcript of the other assistant's turns, one per line."),
    Column("chosen_model", "string", "Model of the preferred conversation."),
    Column("rejected_model", "string", "Model of the other conversation."),
    Column("chosen_conversation", "string", "Id of the preferred conversation."),
    Column("rejected_conversation", "string", "Id of the other conversation."),
    Column("chosen_audio", "string", "SHA-256 of each audio file of the preferred conversation, in turn order."),
    Column("rejected_audio", "string", "SHA-256 of each audio file of the other conversation, in turn order."),
    Column("strength", "int64", "1 for 'better', 2 for 'much better' (5-point scale)."),
)


def _audio(prefix: str, whose: str) -> tuple[Column, ...]:
    return (
        Column(
            f"{prefix}_audio",
            "audio",
            f"{whose}: the whole conversation as heard (each turn as served: mono, 24 kHz, loudness-normalised), "
            "turns one after another with 0.4 s of silence between them; Ogg/Opus.",
        ),
        Column(f"{prefix}_turn_starts_s", "list<float64>", f"{whose}: start of each turn in that audio (seconds)."),
        Column(f"{prefix}_transcript", "string", f"{whose}: every turn as 'role: text', one per line."),
    )


#: Extra columns of the votes table with ``--with-audio``.
PAIR_AUDIO_COLUMNS: tuple[Column, ...] = (
    *_audio("conversation_a", "conversation_a"),
    *_audio("conversation_b", "conversation_b"),
)
#: Extra columns of the ratings table with ``--with-audio``.
RATING_AUDIO_COLUMNS: tuple[Column, ...] = _audio("conversation", "The conversation")
#: Extra columns of the preference pairs with ``--with-audio``.
PREFERENCE_AUDIO_COLUMNS: tuple[Column, ...] = (
    *_audio("chosen_conversation", "The preferred conversation")[:2],
    *_audio("rejected_conversation", "The other conversation")[:2],
)
