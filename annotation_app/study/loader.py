"""Load a study folder into a validated :class:`~annotation_app.study.model.Study` (reads the folder, writes nothing).

Every problem is collected before anything is reported: :func:`validate_study` returns them, :func:`load_study`
raises :class:`~annotation_app.study.problems.StudyValidationError` listing them all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from pathlib import Path, PurePosixPath

from analysis.errors import HumansError
from annotation_app.study.audio import AudioInfo, probe_audio
from annotation_app.study.config import read_config
from annotation_app.study.conversations import RawConversation, read_conversations
from annotation_app.study.model import Conversation, Study, StudyConfig, Turn
from annotation_app.study.problems import Problem, StudyValidationError

__all__ = ["content_hash", "load_study", "validate_study"]


def load_study(path: str | Path) -> Study:
    """Read, check and return the study in folder ``path``.

    Parameters
    ----------
    path : str or Path
        The study folder (``study.yaml``, ``conversations.jsonl`` or ``conversations.csv``, ``audio/``).

    Returns
    -------
    Study
        Immutable; turns carry absolute audio paths, durations (read once, here) and SHA-256 hashes;
        ``content_hash`` changes whenever the config, a conversation or an audio file changes.

    Raises
    ------
    StudyValidationError
        Listing every problem found (file, line, field, what to do), when there is at least one.

    Examples
    --------
    >>> from annotation_app.study import demo_study_path, load_study
    >>> study = load_study(demo_study_path())
    >>> study.models
    ('curt', 'helpful', 'unreliable', 'verbose')
    """
    study, problems = _load(Path(path))
    if problems or study is None:
        raise StudyValidationError(path, problems)
    return study


def validate_study(path: str | Path) -> list[Problem]:
    """Every problem of the study in folder ``path`` (an empty list when it is valid).

    Examples
    --------
    >>> from annotation_app.study import demo_study_path, validate_study
    >>> validate_study(demo_study_path())
    []
    """
    return _load(Path(path))[1]


def content_hash(config: StudyConfig, conversations: tuple[Conversation, ...]) -> str:
    """SHA-256 (hex) of the normalised config and every conversation with its turns' audio hashes.

    Audio paths and the order of conversations in the file are left out (moving the folder or sorting the file
    keeps the hash); roles, transcripts, models, scenarios, ids, ``gold_bad`` flags, the order of turns and the
    audio bytes (through their SHA-256) are in.
    """
    payload = {
        "config": _hashed_config(config),
        "conversations": [
            {
                "id": c.id,
                "scenario": c.scenario,
                "model": c.model,
                "gold_bad": c.gold_bad,
                "turns": [{"role": t.role, "text": t.text, "sha256": t.sha256} for t in c.turns],
            }
            for c in sorted(conversations, key=lambda c: c.id)
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


#: Keys added after studies were already collecting data: left out of the hash while they hold their default, so
#: a database made before they existed still matches its study folder after an upgrade.
_LATER_KEYS = {
    "rating": ("aspects",),
    "quality": (
        "headphone_check",
        "headphone_trials",
        "headphone_pass",
        "consistency_repeats",
        "min_consistency",
    ),
    "completion": ("screen_out_code", "screen_out_redirect_url", "no_consent_code"),
    "": ("questionnaire", "ui_text", "audio"),
}


def _hashed_config(config: StudyConfig) -> dict:
    data = dataclasses.asdict(config)
    defaults = dataclasses.asdict(StudyConfig(title=config.title))
    for section, keys in _LATER_KEYS.items():
        target, default = (data, defaults) if not section else (data[section], defaults[section])
        for key in keys:
            if key in target and target[key] == default[key]:
                del target[key]
    return data


def _load(root: Path) -> tuple[Study | None, list[Problem]]:
    if not root.is_dir():
        what = "is a file" if root.exists() else "does not exist"
        raise HumansError(f"{root} {what}; give the folder that holds study.yaml (`humans init DIR` makes one)")
    root = root.resolve()
    reading = read_config(root)
    problems = list(reading.problems)
    file, raw = read_conversations(root, problems)
    conversations = _build_conversations(root, file, raw, problems)
    _check_relations(reading.config, file, raw, problems)
    if problems:
        return None, problems
    return Study(root, reading.config, conversations, content_hash(reading.config, conversations)), []


def _build_conversations(
    root: Path, file: str, raw: list[RawConversation], problems: list[Problem]
) -> tuple[Conversation, ...]:
    """Resolve audio (each file probed once) and turn records into domain objects."""
    probed: dict[str, AudioInfo | str] = {}
    out: list[Conversation] = []
    for rc in raw:
        turns: list[Turn] = []
        for rt in rc.turns:
            name = rt.audio.replace("\\", "/")
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
                problems.append(
                    Problem(
                        file,
                        rt.line,
                        rt.field,
                        f"'{rt.audio}' points outside the study folder; copy the file into audio/ and name it "
                        f"relative to the folder, like 'audio/{pure.name}'",
                    )
                )
                continue
            if name not in probed:
                try:
                    probed[name] = probe_audio(root / pure, name)
                except HumansError as exc:
                    probed[name] = str(exc)
            info = probed[name]
            if isinstance(info, str):
                problems.append(Problem(file, rt.line, rt.field, info))
                continue
            turns.append(Turn(rt.role, root / pure, info.duration_s, info.sha256, rt.text))  # type: ignore[arg-type]
        if len(turns) == len(rc.turns):
            out.append(Conversation(rc.id, rc.scenario, rc.model, tuple(turns), rc.gold_bad))
    return tuple(out)


def _check_relations(config: StudyConfig, file: str, raw: list[RawConversation], problems: list[Problem]) -> None:
    """Ids, assistant turns, one conversation per model and scenario, models per scenario, gold pairing."""
    first_line: dict[str, int] = {}
    slot: dict[tuple[str, str], RawConversation] = {}
    models: dict[str, set[str]] = defaultdict(set)
    scenario_line: dict[str, int] = {}
    gold: list[RawConversation] = []
    for rc in raw:
        if rc.id in first_line:
            problems.append(
                Problem(
                    file,
                    rc.line,
                    "id",
                    f"the id '{rc.id}' is already used on line {first_line[rc.id]}; give each conversation its own id",
                )
            )
            continue
        first_line[rc.id] = rc.line
        if not any(t.role == "assistant" for t in rc.turns):
            problems.append(
                Problem(
                    file,
                    rc.line,
                    "turns",
                    f"conversation '{rc.id}' has no assistant turn; add at least one turn with role 'assistant'",
                )
            )
        if rc.gold_bad:
            gold.append(rc)
            continue
        earlier = slot.get((rc.scenario, rc.model))
        if earlier is not None:
            problems.append(
                Problem(
                    file,
                    rc.line,
                    "model",
                    f"model '{rc.model}' already has conversation '{earlier.id}' (line {earlier.line}) for scenario "
                    f"'{rc.scenario}'; keep one conversation per model and scenario, or give this one another "
                    f"scenario",
                )
            )
            continue
        slot[(rc.scenario, rc.model)] = rc
        models[rc.scenario].add(rc.model)
        scenario_line.setdefault(rc.scenario, rc.line)
    if config.rating.asks_preference:
        for scenario, names in models.items():
            if len(names) == 1:
                (only,) = names
                problems.append(
                    Problem(
                        file,
                        scenario_line[scenario],
                        "scenario",
                        f"scenario '{scenario}' has conversations of one model only ('{only}'); pairwise rating "
                        f"needs two or more models per scenario: add another model's conversation or drop it",
                    )
                )
    for rc in gold:
        if rc.scenario not in models:
            problems.append(
                Problem(
                    file,
                    rc.line,
                    "scenario",
                    f"gold_bad conversation '{rc.id}' has scenario '{rc.scenario}', which has no regular "
                    f"conversation to pair it with; use a scenario that the models answered",
                )
            )
