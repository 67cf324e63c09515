"""The audio of exported conversations: one Ogg/Opus file per conversation, turns one after another.

Choice (documented in the dataset card): a conversation is exported as **one file** with its turns joined by
:data:`TURN_GAP_S` seconds of silence, plus the start time of every turn (``*_turn_starts_s``), rather than one file
per turn: a row then holds two audio values (A and B) that any audio tool plays as the conversation, and the turn
boundaries are still exact. Each turn is prepared exactly as it was served (decoded from the study's source file,
mono, 24 kHz, loudness-normalised by the study's ``audio`` settings; see :mod:`annotation_app.audio.web`) and the
joined samples are encoded once, without metadata. A conversation's file is named by its public id (a hash of its
audio), so it says nothing about its model; the model is in the table, since the dataset is for publication.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from analysis.bootstrap import show_progress
from analysis.errors import HumansError
from annotation_app.audio.codec import decode, encode
from annotation_app.audio.web import WEB_RATE, prepare
from annotation_app.audio_cache import recipe_of
from annotation_app.store import Store

__all__ = ["AUDIO_FOLDER", "TURN_GAP_S", "ConversationAudio", "conversation_audio"]

#: Silence between two turns in an exported conversation (seconds).
TURN_GAP_S = 0.4
#: The folder, beside a CSV/JSONL/Parquet export, that holds the conversation files.
AUDIO_FOLDER = "audio"


@dataclass(frozen=True)
class ConversationAudio:
    """One conversation's exported audio: file name, Ogg/Opus bytes, turn start times (s), transcript."""

    name: str
    data: bytes
    turn_starts_s: tuple[float, ...]
    transcript: str

    @property
    def path(self) -> str:
        """The file's path relative to the exported table (``audio/<name>``)."""
        return f"{AUDIO_FOLDER}/{self.name}"


def conversation_audio(
    store: Store, conversation_ids: Iterable[int], *, progress: bool | None = None
) -> dict[int, ConversationAudio]:
    """Build the exported audio of each conversation row id in ``conversation_ids``.

    ``progress`` shows a bar (None: only on a terminal); encoding dominates the time (about 1 s per minute of audio).

    Raises
    ------
    HumansError
        When a turn's source file is gone (naming it and the way out).
    """
    recipe = recipe_of(store.load_study().config.audio)
    public = {c["id"]: c["public_id"] for c in store.conversations()}
    gap = np.zeros(round(TURN_GAP_S * WEB_RATE), dtype=np.float32)
    out: dict[int, ConversationAudio] = {}
    ids = sorted(set(conversation_ids))
    for cid in tqdm(ids, desc="audio", unit="conversation", disable=not show_progress(progress), leave=False):
        pieces, starts, lines, at = [], [], [], 0
        for turn in store.turns(cid):
            source = Path(turn["source_path"])
            if not source.is_file():
                raise HumansError(
                    f"the audio {source} of a study turn is missing, so --with-audio cannot export it; run the export "
                    "where the study folder is, or export without --with-audio"
                )
            mono, _, _ = prepare(decode(source), recipe)
            if pieces:
                pieces.append(gap)
                at += len(gap)
            starts.append(round(at / WEB_RATE, 3))
            pieces.append(mono)
            at += len(mono)
            lines.append(f"{turn['role']}: {(turn['text'] or '').strip()}")
        data = encode(np.concatenate(pieces), WEB_RATE, ".ogg")
        out[cid] = ConversationAudio(f"{public[cid]}.ogg", data, tuple(starts), "\n".join(lines))
    return out
