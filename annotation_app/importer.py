"""``import_outputs(source, directory)``: model outputs (a manifest or a folder of clips) to a study folder.

SOURCE is either

- a manifest, ``.csv`` or ``.jsonl``, one row per turn with ``scenario, model, turn, role, audio`` and an optional
  ``text`` (audio paths relative to the manifest), or
- a folder laid out ``<scenario>/<model>/<turn>_<role>.<ext>`` (``turn`` a whole number, ``role`` ``user`` or
  ``assistant``), with an optional transcript ``<turn>_<role>.txt`` beside each clip.

Clips may be WAV, FLAC, Ogg/Opus, Ogg/Vorbis, MP3, or M4A/AAC (through ffmpeg, when installed). Everything is
checked first — every row, every file, every clip decoded — and every problem is reported at once with its file and
line; nothing is written unless there is none. Then each clip is averaged to mono, resampled to 24 kHz and written
as Ogg/Opus without any metadata under a content-hash name (``audio/<hash>.ogg``: no model or scenario in a file
name); its loudness is left as recorded, so the original is what the study measures, stores and exports, and
``humans serve`` brings it to ``audio.loudness_target_lufs`` (and adds the MP3 copy for Safari) when serving. The
folder gets a commented ``study.yaml`` (the demo's, with this study's title and audio settings) and
``conversations.jsonl``; it is written beside the target and renamed into place, so a failure leaves nothing behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf
from tqdm.auto import tqdm

from analysis.bootstrap import show_progress
from analysis.errors import HumansError
from annotation_app.audio.codec import IMPORT_EXTENSIONS, decode, encode
from annotation_app.audio.web import WEB_RATE, to_web_rate
from annotation_app.study.demo import demo_study_path
from annotation_app.study.problems import Problem

__all__ = ["MANIFEST_COLUMNS", "ImportProblems", "ImportResult", "import_outputs"]

#: Columns of a manifest (``text`` optional).
MANIFEST_COLUMNS = ("scenario", "model", "turn", "role", "audio", "text")
_REQUIRED = MANIFEST_COLUMNS[:-1]
_ROLES = ("user", "assistant")
_CLIP_NAME = re.compile(r"^(\d+)_(user|assistant)$")


@dataclass
class _Turn:
    file: str
    line: int | None
    scenario: str
    model: str
    turn: int
    role: str
    audio: Path
    text: str | None


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_outputs` wrote: the study folder, conversation and clip counts, and the source kinds."""

    directory: Path
    conversations: int
    clips: int
    kinds: dict[str, int] = field(default_factory=dict)


class ImportProblems(HumansError):
    """SOURCE has one or more problems; ``problems`` lists them all (nothing was written)."""

    def __init__(self, source: Path, problems: list[Problem]):
        self.source = Path(source)
        self.problems = tuple(problems)
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        lines = [f"{source} has {count}; nothing was written. Fix them and run `humans import` again:"]
        super().__init__("\n".join(lines + [f"  {p}" for p in problems]))


def import_outputs(
    source: str | Path,
    directory: str | Path,
    *,
    title: str = "Which voice assistant would you rather talk to?",
    normalize: bool = True,
    loudness_target_lufs: float = -23.0,
    progress: bool | None = None,
) -> ImportResult:
    """Build a study folder from model outputs (see the module docstring for the two layouts).

    Parameters
    ----------
    source : path
        A manifest (``.csv`` / ``.jsonl``) or a folder ``<scenario>/<model>/<turn>_<role>.<ext>``.
    directory : path
        The study folder to write; must not exist or be empty.
    title : str
        The study's title (``study.yaml``).
    normalize : bool, default True
        ``audio.normalize`` of the new study: serve every clip at ``loudness_target_lufs``.
    loudness_target_lufs : float, default -23.0
        ``audio.loudness_target_lufs`` of the new study.
    progress : bool or None, default None
        Show a progress bar while decoding and encoding (None: only on a terminal).

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportProblems
        Listing every problem of SOURCE (file, line, what to do); nothing is written.
    HumansError
        When ``directory`` is a file or a non-empty folder, or SOURCE does not exist.
    """
    source = Path(source)
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise HumansError(f"{target} is a file; give the name of a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise HumansError(f"{target} is not empty; give a new or empty folder so nothing of yours is overwritten")
    problems: list[Problem] = []
    if source.is_dir():
        turns = _read_folder(source, problems)
    elif source.is_file():
        turns = _read_manifest(source, problems)
    else:
        raise HumansError(f"{source} does not exist; give a manifest (.csv or .jsonl) or a folder of clips")
    conversations = _group(turns, problems)
    clips = {}
    for turn in tqdm(turns, desc="decode", unit="clip", disable=not show_progress(progress), leave=False):
        if turn.audio in clips:
            continue
        try:
            clips[turn.audio] = decode(turn.audio, turn.file if turn.line is None else str(turn.audio))
        except HumansError as exc:
            clips[turn.audio] = None
            problems.append(Problem(turn.file, turn.line, "audio", str(exc)))
    if not turns and not problems:
        problems.append(Problem(source.name, None, None, "no clips found; see `humans import --help` for the layout"))
    if problems:
        raise ImportProblems(source, problems)
    kinds: dict[str, int] = defaultdict(int)
    for path in clips:
        kinds[_kind(path)] += 1
    _write(target, conversations, clips, title, normalize, loudness_target_lufs, show_progress(progress))
    return ImportResult(target, len(conversations), len(clips), dict(kinds))


def _read_folder(root: Path, problems: list[Problem]) -> list[_Turn]:
    turns = []
    seen: dict[tuple[str, str, int, str], str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts) or path.is_dir():
            continue
        suffix = path.suffix.lower()
        if suffix == ".txt":
            if not path.with_suffix("").name or not any(
                path.with_suffix(ext).is_file() for ext in (*IMPORT_EXTENSIONS, *(e.upper() for e in IMPORT_EXTENSIONS))
            ):
                problems.append(Problem(rel, None, None, "a transcript without a clip of the same name beside it"))
            continue
        parts = path.relative_to(root).parts
        if len(parts) != 3:
            problems.append(
                Problem(rel, None, None, "not at <scenario>/<model>/<turn>_<role>.<ext>; move it into that layout")
            )
            continue
        if suffix not in IMPORT_EXTENSIONS:
            problems.append(
                Problem(
                    rel,
                    None,
                    None,
                    f"'{suffix or 'no extension'}' is not an accepted audio kind; use "
                    f"{', '.join(IMPORT_EXTENSIONS)} (transcripts: .txt)",
                )
            )
            continue
        match = _CLIP_NAME.match(path.stem)
        if match is None:
            problems.append(
                Problem(
                    rel,
                    None,
                    None,
                    "the name must be <turn>_<role> with a whole-number turn and role user or "
                    "assistant, like 1_user.wav or 2_assistant.mp3",
                )
            )
            continue
        key = (parts[0], parts[1], int(match.group(1)), match.group(2))
        if key in seen:
            problems.append(Problem(rel, None, None, f"turn {key[2]} ({key[3]}) also comes from {seen[key]}; keep one"))
            continue
        seen[key] = rel
        text_path = path.with_suffix(".txt")
        text = text_path.read_text(encoding="utf-8", errors="replace").strip() if text_path.is_file() else None
        turns.append(_Turn(rel, None, parts[0], parts[1], key[2], key[3], path, text or None))
    return turns


def _read_manifest(path: Path, problems: list[Problem]) -> list[_Turn]:
    name = path.name
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HumansError(f"{path} cannot be read as UTF-8 text ({exc}); save it as UTF-8") from None
    rows: list[tuple[int, dict]] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in _REQUIRED if c not in header]
        unknown = [c for c in header if c not in MANIFEST_COLUMNS]
        if missing or unknown:
            what = []
            if missing:
                what.append(f"missing column(s) {', '.join(missing)}")
            if unknown:
                what.append(f"unknown column(s) {', '.join(unknown)}")
            problems.append(
                Problem(
                    name, 1, None, f"{'; '.join(what)}; the columns are {', '.join(MANIFEST_COLUMNS)} (text optional)"
                )
            )
            return []
        reader.fieldnames = header
        rows = [(i + 2, row) for i, row in enumerate(reader)]
    elif suffix == ".jsonl":
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Problem(name, i, None, f"not valid JSON ({exc.msg}); one object per line"))
                continue
            if not isinstance(row, dict):
                problems.append(Problem(name, i, None, "each line must be a JSON object with scenario, model, turn, …"))
                continue
            for key in row:
                if key not in MANIFEST_COLUMNS:
                    problems.append(Problem(name, i, key, f"unknown key; the keys are {', '.join(MANIFEST_COLUMNS)}"))
            rows.append((i, row))
    else:
        raise HumansError(f"{path}: a manifest must be .csv or .jsonl (or give a folder of clips)")
    turns = []
    seen: dict[tuple[str, str, int, str], int] = {}
    for line, row in rows:
        values = {c: row.get(c) for c in MANIFEST_COLUMNS}
        bad = False
        for col in _REQUIRED:
            value = values[col]
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(
                    Problem(name, line, col, "is empty; every row needs scenario, model, turn, role, audio")
                )
                bad = True
        if bad:
            continue
        try:
            turn_no = int(str(values["turn"]).strip())
        except ValueError:
            problems.append(Problem(name, line, "turn", f"must be a whole number (1, 2, …), found {values['turn']!r}"))
            continue
        role = str(values["role"]).strip()
        if role not in _ROLES:
            problems.append(Problem(name, line, "role", f"must be user or assistant, found {role!r}"))
            continue
        audio = (path.parent / str(values["audio"]).strip()).resolve()
        if not audio.is_file():
            problems.append(
                Problem(name, line, "audio", f"{values['audio']} does not exist (paths are relative to the manifest)")
            )
            continue
        key = (str(values["scenario"]).strip(), str(values["model"]).strip(), turn_no, role)
        if key in seen:
            problems.append(Problem(name, line, "turn", f"the same turn is on line {seen[key]}; keep one row per turn"))
            continue
        seen[key] = line
        text_value = values["text"]
        turns.append(
            _Turn(
                name,
                line,
                key[0],
                key[1],
                turn_no,
                role,
                audio,
                (str(text_value).strip() or None) if text_value is not None else None,
            )
        )
    return turns


def _group(turns: list[_Turn], problems: list[Problem]) -> dict[tuple[str, str], list[_Turn]]:
    conversations: dict[tuple[str, str], list[_Turn]] = defaultdict(list)
    for t in turns:
        conversations[(t.scenario, t.model)].append(t)
    models: dict[str, set[str]] = defaultdict(set)
    for (scenario, model), ts in conversations.items():
        ts.sort(key=lambda t: (t.turn, t.role != "user"))
        models[scenario].add(model)
        if not any(t.role == "assistant" for t in ts):
            first = ts[0]
            problems.append(
                Problem(
                    first.file,
                    first.line,
                    "role",
                    f"scenario '{scenario}', model '{model}' has no assistant turn; add the model's answer",
                )
            )
    for scenario, names in sorted(models.items()):
        if len(names) < 2:
            first = conversations[(scenario, next(iter(names)))][0]
            problems.append(
                Problem(
                    first.file,
                    first.line,
                    "scenario",
                    f"scenario '{scenario}' has one model only "
                    f"('{next(iter(names))}'); a pairwise study needs two or more models per scenario",
                )
            )
    return dict(sorted(conversations.items()))


def _kind(path: Path) -> str:
    """What a clip is, for the summary: WAV, FLAC, MP3, M4A, or Ogg/Opus, Ogg/Vorbis by the codec inside."""
    ext = path.suffix.lower().lstrip(".").upper()
    if ext in ("OGG", "OPUS"):
        try:
            return "Ogg/" + sf.info(str(path)).subtype.title()
        except (sf.LibsndfileError, RuntimeError):
            return ext
    return ext


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "x"


def _study_yaml(title: str, normalize: bool, target: float) -> str:
    text = (demo_study_path() / "study.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", "title: " + json.dumps(title, ensure_ascii=False), text, count=1)
    text = re.sub(r"(?m)^  normalize: .*$", f"  normalize: {str(normalize).lower()}", text, count=1)
    text = re.sub(r"(?m)^  loudness_target_lufs: .*$", f"  loudness_target_lufs: {target:g}", text, count=1)
    return text


def _write(target: Path, conversations, clips, title: str, normalize: bool, lufs: float, bar: bool) -> None:
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        (staging / "audio").mkdir(parents=True)
        written: dict[Path, str] = {}
        for path, clip in tqdm(clips.items(), desc="encode", unit="clip", disable=not bar, leave=False):
            data = encode(to_web_rate(clip.mono(), clip.rate), WEB_RATE, ".ogg")
            name = f"audio/{hashlib.sha256(data).hexdigest()[:20]}.ogg"
            (staging / name).write_bytes(data)
            written[path] = name
        lines = []
        ids: set[str] = set()
        for (scenario, model), ts in conversations.items():
            cid = base = f"{_slug(scenario)}-{_slug(model)}"
            n = 1
            while cid in ids:
                n += 1
                cid = f"{base}-{n}"
            ids.add(cid)
            record = {
                "id": cid,
                "scenario": scenario,
                "model": model,
                "turns": [
                    {"role": t.role, "audio": written[t.audio], **({"text": t.text} if t.text else {})} for t in ts
                ],
            }
            lines.append(json.dumps(record, ensure_ascii=False))
        (staging / "conversations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (staging / "study.yaml").write_text(_study_yaml(title, normalize, lufs), encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise HumansError(f"{target}: cannot write the study here ({exc.strerror}); choose another folder") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
