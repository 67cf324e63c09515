"""The schema of the store as ordered migrations; ``schema_version`` records which ones ran.

Times are seconds since the epoch (REAL, from the service's clock). Model names and raw conversation ids live in
``models`` and ``conversations`` and never leave the server.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    config_json TEXT NOT NULL,
    root TEXT NOT NULL,
    imported_at REAL NOT NULL
);
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    ext_id TEXT NOT NULL UNIQUE,
    public_id TEXT NOT NULL,
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
    model_id INTEGER NOT NULL REFERENCES models(id),
    gold_bad INTEGER NOT NULL DEFAULT 0,
    generated INTEGER NOT NULL DEFAULT 0,
    duration_s REAL NOT NULL
);
CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    idx INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    audio_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_path TEXT NOT NULL,
    duration_s REAL NOT NULL,
    text TEXT,
    UNIQUE (conversation_id, idx)
);
CREATE TABLE pairs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('trial', 'gold')),
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id),
    conv_a INTEGER NOT NULL REFERENCES conversations(id),
    conv_b INTEGER NOT NULL REFERENCES conversations(id),
    model_a INTEGER NOT NULL REFERENCES models(id),
    model_b INTEGER NOT NULL REFERENCES models(id),
    UNIQUE (conv_a, conv_b)
);
CREATE TABLE raters (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    external_id TEXT NOT NULL UNIQUE,
    id_kind TEXT NOT NULL CHECK (id_kind IN ('prolific', 'typed')),
    prolific_pid TEXT,
    study_id TEXT,
    session_id TEXT,
    typed_id TEXT,
    stage TEXT NOT NULL,
    flagged INTEGER NOT NULL DEFAULT 0,
    flag_reason TEXT,
    attention_positions TEXT NOT NULL DEFAULT '[]',
    practice_passed INTEGER,
    completion_code TEXT,
    created_at REAL NOT NULL,
    consent_at REAL,
    instructions_at REAL,
    finished_at REAL
);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    phase TEXT NOT NULL CHECK (phase IN ('practice', 'main')),
    kind TEXT NOT NULL CHECK (kind IN ('trial', 'practice', 'attention')),
    position INTEGER NOT NULL,
    pair_id INTEGER REFERENCES pairs(id),
    conversation_id INTEGER REFERENCES conversations(id),
    left_conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    right_conversation_id INTEGER REFERENCES conversations(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'expired')),
    issued_at REAL NOT NULL,
    shown_at REAL,
    completed_at REAL,
    UNIQUE (rater_id, phase, position),
    UNIQUE (rater_id, pair_id),
    UNIQUE (rater_id, conversation_id),
    CHECK ((pair_id IS NULL) <> (conversation_id IS NULL))
);
CREATE INDEX assignments_pair ON assignments (pair_id, status);
CREATE INDEX assignments_conversation ON assignments (conversation_id, status);
CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    left_conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    right_conversation_id INTEGER REFERENCES conversations(id),
    raw_choice INTEGER,
    preference_points INTEGER,
    winner_side TEXT CHECK (winner_side IN ('left', 'right', 'tie', 'both_bad')),
    winner_conversation_id INTEGER REFERENCES conversations(id),
    strength INTEGER,
    both_bad INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    shown_at REAL NOT NULL,
    voted_at REAL NOT NULL,
    time_to_vote_s REAL NOT NULL,
    client_tz_offset_min INTEGER,
    plays_left INTEGER NOT NULL DEFAULT 0,
    plays_right INTEGER NOT NULL DEFAULT 0,
    listened_left_s REAL NOT NULL DEFAULT 0,
    listened_right_s REAL NOT NULL DEFAULT 0
);
CREATE TABLE likert (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    side TEXT NOT NULL CHECK (side IN ('left', 'right')),
    value INTEGER NOT NULL,
    points INTEGER NOT NULL,
    UNIQUE (assignment_id, side)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    side TEXT NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    turn INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('play', 'pause', 'ended', 'seeked')),
    media_time_s REAL NOT NULL,
    client_ms INTEGER,
    server_at REAL NOT NULL
);
CREATE INDEX events_assignment ON events (assignment_id);
CREATE TABLE attention (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    kind TEXT NOT NULL CHECK (kind IN ('practice', 'attention')),
    bad_side TEXT NOT NULL,
    passed INTEGER NOT NULL
);
"""

# Version 2 (export): per-study secrets, such as the salt of the rater pseudonyms in exported datasets.
_V2 = """
CREATE TABLE study_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Version 3 (core): new raters per client address, so the limit per IP address survives a restart and is shared
# by every server process on the database.
_V3 = """
CREATE TABLE new_raters (
    id INTEGER PRIMARY KEY,
    client TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX new_raters_client ON new_raters (client, created_at);
"""

# Version 4 (audio): the ITU-R BS.1770 integrated loudness of each turn's source clip (LUFS; NULL when the clip
# is shorter than 0.4 s, silent, or not measured yet), kept beside the normalised clip that is served.
_V4 = """
ALTER TABLE turns ADD COLUMN loudness_lufs REAL;
"""

# Version 5, study quality (issue 12): questionnaire answers, aspect answers per vote, the headphone test, consistency
# re-shows (their answers stay out of ``votes``, so a re-shown pair is not counted twice in the scores), and the
# rater columns of the new stages.
_QUALITY = """
CREATE TABLE questionnaire_answers (
    id INTEGER PRIMARY KEY,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    phase TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    question TEXT NOT NULL,
    value_json TEXT NOT NULL,
    answered_at REAL NOT NULL,
    UNIQUE (rater_id, phase, question)
);
CREATE TABLE aspect_answers (
    id INTEGER PRIMARY KEY,
    vote_id INTEGER NOT NULL REFERENCES votes(id),
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    aspect TEXT NOT NULL,
    winner_side TEXT NOT NULL CHECK (winner_side IN ('left', 'right', 'tie')),
    winner_conversation_id INTEGER REFERENCES conversations(id),
    UNIQUE (vote_id, aspect)
);
CREATE TABLE headphone_trials (
    id INTEGER PRIMARY KEY,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('antiphase', 'huggins')),
    audio_name TEXT NOT NULL,
    answer INTEGER NOT NULL,
    response INTEGER,
    correct INTEGER,
    issued_at REAL NOT NULL,
    answered_at REAL,
    UNIQUE (rater_id, idx)
);
CREATE TABLE reshows (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    rater_id INTEGER NOT NULL REFERENCES raters(id),
    original_vote_id INTEGER NOT NULL UNIQUE REFERENCES votes(id),
    position INTEGER NOT NULL,
    left_conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    right_conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    issued_at REAL NOT NULL,
    shown_at REAL,
    completed_at REAL,
    raw_choice INTEGER,
    winner_side TEXT CHECK (winner_side IN ('left', 'right', 'tie', 'both_bad')),
    winner_conversation_id INTEGER REFERENCES conversations(id),
    consistent INTEGER,
    time_to_vote_s REAL,
    UNIQUE (rater_id, position)
);
ALTER TABLE raters ADD COLUMN calibrated_at REAL;
ALTER TABLE raters ADD COLUMN headphone_right INTEGER;
ALTER TABLE raters ADD COLUMN headphone_passed INTEGER;
ALTER TABLE raters ADD COLUMN screen_reason TEXT;
ALTER TABLE raters ADD COLUMN declined_at REAL;
ALTER TABLE raters ADD COLUMN questionnaire_before_at REAL;
ALTER TABLE raters ADD COLUMN questionnaire_after_at REAL
"""

# Indexes for what every rater event asks, so its cost does not grow with the votes collected: the open
# assignments (few at any time: one per active rater) for expiry and the scheduler's live counts, a rater's votes
# and attention results.
_EVENT_INDEXES = """
CREATE INDEX assignments_open ON assignments (issued_at) WHERE status = 'open';
CREATE INDEX votes_rater ON votes (rater_id);
CREATE INDEX attention_rater ON attention (rater_id)
"""

#: Ordered migrations: ``MIGRATIONS[i]`` brings the schema from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _QUALITY, _EVENT_INDEXES)

#: The schema version this code writes.
SCHEMA_VERSION: int = len(MIGRATIONS)
