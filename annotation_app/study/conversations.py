"""Read ``conversations.jsonl`` (one conversation per line) or ``conversations.csv`` (one turn per row).

This module checks the shape of each record (keys, types, roles) and returns plain records with their line
numbers; :mod:`annotation_app.study.loader` checks audio and the relations between conversations.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation_app.study.problems import Problem, did_you_mean

__all__ = ["CSV_FILE", "JSONL_FILE", "RawConversation", "RawTurn", "read_conversations"]

JSONL_FILE = "conversations.jsonl"
CSV_FILE = "conversations.csv"

ROLES = ("user", "assistant")
CONVERSATION_KEYS = ("id", "scenario", "model", "turns", "gold_bad")
TURN_KEYS = ("role", "audio", "text")
CSV_COLUMNS = ("conversation", "scenario", "model", "turn", "role", "audio", "text", "gold_bad")
CSV_REQUIRED = ("conversation", "scenario", "model", "turn", "role", "audio")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


@dataclass
class RawTurn:
    """A turn as written: role, audio path string, transcript, and where it was written."""

    role: str
    audio: str
    text: str | None
    line: int
    field: str  # the field naming the audio, e.g. ``turns[1].audio`` or ``audio``


@dataclass
class RawConversation:
    """A conversation as written, with the line it starts on."""

    id: str
    scenario: str
    model: str
    gold_bad: bool
    line: int
    turns: list[RawTurn] = field(default_factory=list)


def read_conversations(root: Path, problems: list[Problem]) -> tuple[str, list[RawConversation]]:
    """Read the conversations file of ``root``; append every problem to ``problems``.

    Returns
    -------
    (str, list of RawConversation)
        The file name used and the well-formed conversations (malformed ones are reported and left out).
    """
    jsonl, table = root / JSONL_FILE, root / CSV_FILE
    if jsonl.exists() and table.exists():
        problems.append(
            Problem(
                CSV_FILE,
                None,
                None,
                f"both {JSONL_FILE} and {CSV_FILE} exist, so it is unclear which one holds the study; keep one",
            )
        )
        return CSV_FILE, []
    if not jsonl.exists() and not table.exists():
        problems.append(
            Problem(
                JSONL_FILE,
                None,
                None,
                f"the file is missing; list the conversations in {JSONL_FILE} (one JSON object per line) "
                f"or in {CSV_FILE} (one row per turn)",
            )
        )
        return JSONL_FILE, []
    name = JSONL_FILE if jsonl.exists() else CSV_FILE
    try:
        text = (root / name).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, None, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8"))
        return name, []
    except OSError as exc:
        problems.append(Problem(name, None, None, f"the file cannot be read ({exc.strerror}); check its permissions"))
        return name, []
    conversations = _read_jsonl(text, problems) if name == JSONL_FILE else _read_csv(text, problems)
    if not conversations and not any(p.file == name for p in problems):
        problems.append(Problem(name, None, None, "the file lists no conversations; add at least one per model"))
    return name, conversations


def _text_field(record: dict[str, Any], key: str, where: str, line: int, problems: list[Problem]) -> str | None:
    value = record.get(key)
    if value is None:
        problems.append(Problem(JSONL_FILE, line, where, f"the key '{key}' is missing; add it"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(JSONL_FILE, line, where, f"must be non-empty text, found {json.dumps(value)}"))
        return None
    return value


def _read_jsonl(text: str, problems: list[Problem]) -> list[RawConversation]:
    out: list[RawConversation] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue

        def report(fld: str | None, message: str, _line: int = line_no) -> None:
            problems.append(Problem(JSONL_FILE, _line, fld, message))

        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report(None, f"not valid JSON ({exc.msg} at column {exc.colno}); write one JSON object per line")
            continue
        if not isinstance(record, dict):
            report(None, 'must be one JSON object like {"id": ..., "scenario": ..., "model": ..., "turns": [...]}')
            continue
        ok = True
        for key in record:
            if key not in CONVERSATION_KEYS:
                allowed = ", ".join(CONVERSATION_KEYS)
                report(key, f"unknown key '{key}'{did_you_mean(key, CONVERSATION_KEYS)}; the keys are {allowed}")
                ok = False
        cid = _text_field(record, "id", "id", line_no, problems)
        scenario = _text_field(record, "scenario", "scenario", line_no, problems)
        model = _text_field(record, "model", "model", line_no, problems)
        gold_bad = record.get("gold_bad", False)
        if not isinstance(gold_bad, bool):
            report("gold_bad", f"must be true or false, found {json.dumps(gold_bad)}")
            ok = False
        turns_value = record.get("turns")
        turns: list[RawTurn] = []
        if turns_value is None:
            report("turns", 'the key \'turns\' is missing; add a list like [{"role": "user", "audio": "audio/…"}]')
            ok = False
        elif not isinstance(turns_value, list) or not turns_value:
            report("turns", f"must be a non-empty list of turns, found {json.dumps(turns_value)[:40]}")
            ok = False
        else:
            for i, item in enumerate(turns_value):
                turn = _read_turn(item, f"turns[{i}]", line_no, report)
                if turn is None:
                    ok = False
                else:
                    turns.append(turn)
        if ok and cid and scenario and model:
            out.append(RawConversation(cid, scenario, model, gold_bad, line_no, turns))
    return out


def _read_turn(item: Any, where: str, line: int, report) -> RawTurn | None:
    if not isinstance(item, dict):
        report(where, 'each turn must be an object like {"role": "user", "audio": "audio/…", "text": "…"}')
        return None
    ok = True
    for key in item:
        if key not in TURN_KEYS:
            report(f"{where}.{key}", f"unknown key '{key}'{did_you_mean(key, TURN_KEYS)}; a turn has role, audio, text")
            ok = False
    role = item.get("role")
    if role not in ROLES:
        hint = did_you_mean(role, ROLES) if isinstance(role, str) else ""
        found = "nothing" if role is None else json.dumps(role)
        report(f"{where}.role", f"must be 'user' or 'assistant', found {found}{hint}")
        ok = False
    audio = item.get("audio")
    if not isinstance(audio, str) or not audio.strip():
        found = "nothing" if audio is None else json.dumps(audio)
        report(f"{where}.audio", f'must name an audio file like "audio/turn1.ogg", found {found}')
        ok = False
    text = item.get("text")
    if text is not None and not isinstance(text, str):
        report(f"{where}.text", f"must be the transcript as text (or left out), found {json.dumps(text)}")
        ok = False
    if not ok:
        return None
    return RawTurn(role, audio, text or None, line, f"{where}.audio")


def _read_csv(text: str, problems: list[Problem]) -> list[RawConversation]:
    def report(line: int | None, fld: str | None, message: str) -> None:
        problems.append(Problem(CSV_FILE, line, fld, message))

    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        report(1, None, "the file has no header row; start with: " + ",".join(CSV_COLUMNS[:-1]))
        return []
    reader.fieldnames = header
    for col in header:
        if col not in CSV_COLUMNS:
            hint = did_you_mean(col, CSV_COLUMNS)
            report(1, col, f"unknown column '{col}'{hint}; the columns are " + ", ".join(CSV_COLUMNS))
    missing = [c for c in CSV_REQUIRED if c not in header]
    for col in missing:
        report(1, col, f"the column '{col}' is missing; add it to the header row")
    if missing:
        return []

    by_id: dict[str, RawConversation] = {}
    numbers: dict[str, dict[int, int]] = {}
    bad_ids: set[str] = set()
    previous_end = 1
    for row in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        if None in row:
            cells = len(header) + len(row[None])
            report(
                line,
                None,
                f"the row has {cells} cells but the header has {len(header)}; remove the extra cells or put text "
                f"that holds commas in double quotes",
            )
            continue
        ok = True
        for col in ("conversation", "scenario", "model", "audio"):
            if not values.get(col):
                report(line, col, f"the cell is empty; fill in the {col}")
                ok = False
        try:
            number = int(values.get("turn", ""))
        except ValueError:
            report(line, "turn", f"must be a whole number (1, 2, …), found {values.get('turn')!r}")
            ok = False
            number = 0
        role = values.get("role", "")
        if role not in ROLES:
            report(line, "role", f"must be 'user' or 'assistant', found {role!r}{did_you_mean(role, ROLES)}")
            ok = False
        gold_text = values.get("gold_bad", "").lower()
        if gold_text not in _TRUE | _FALSE:
            report(line, "gold_bad", f"must be true or false (or empty), found {values.get('gold_bad')!r}")
            ok = False
        cid = values.get("conversation", "")
        if not ok:
            bad_ids.add(cid)
            continue
        gold_bad = gold_text in _TRUE
        conversation = by_id.get(cid)
        if conversation is None:
            conversation = by_id[cid] = RawConversation(cid, values["scenario"], values["model"], gold_bad, line)
            numbers[cid] = {}
        else:
            for col, first in (("scenario", conversation.scenario), ("model", conversation.model)):
                if values[col] != first:
                    report(
                        line,
                        col,
                        f"conversation '{cid}' has {col} {first!r} on line {conversation.line} but {values[col]!r} "
                        f"here; all rows of a conversation must agree (or give this one another id)",
                    )
                    bad_ids.add(cid)
            if gold_bad != conversation.gold_bad:
                report(line, "gold_bad", f"conversation '{cid}' is marked gold_bad on some rows only; mark all or none")
                bad_ids.add(cid)
        if number in numbers[cid]:
            first = numbers[cid][number]
            report(
                line, "turn", f"conversation '{cid}' already has turn {number} on line {first}; number them 1, 2, 3, …"
            )
            bad_ids.add(cid)
            continue
        numbers[cid][number] = line
        conversation.turns.append(RawTurn(role, values["audio"], values.get("text") or None, line, "audio"))
    out = []
    for cid, conversation in by_id.items():
        if cid in bad_ids:
            continue
        number_of_line = {ln: n for n, ln in numbers[cid].items()}
        conversation.turns.sort(key=lambda t, m=number_of_line: m[t.line])
        out.append(conversation)
    return out
