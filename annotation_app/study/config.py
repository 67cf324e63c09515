"""Read ``study.yaml`` into a :class:`~annotation_app.study.model.StudyConfig`, collecting every problem.

The YAML keys map one to one onto the dataclass fields (nested sections ``rating:``, ``targets:``, ``quality:``,
``completion:``); a key that is left out takes the dataclass default. Types come from the dataclass annotations,
ranges from :data:`_RULES`.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal

import yaml

from annotation_app.study.model import StudyConfig
from annotation_app.study.problems import Problem, did_you_mean
from annotation_app.study.ui_text import check_ui_text

__all__ = ["STUDY_FILE", "ConfigReading", "read_config"]

STUDY_FILE = "study.yaml"

#: Range rules on top of the types: dotted key -> (test, what is allowed).
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "title": (lambda v: bool(v.strip()), "must not be empty; give the study a short title"),
    "rating.preference_points": (lambda v: v in (3, 5), "must be 3 (A / tie / B) or 5 (A≫ / A> / = / B> / B≫)"),
    "rating.likert_points": (lambda v: 2 <= v <= 11, "must be between 2 and 11 points"),
    "targets.raters_per_pair": (lambda v: v >= 1, "must be at least 1 rater per pair"),
    "targets.trials_per_rater": (lambda v: v >= 1, "must be at least 1 trial per rater"),
    "quality.min_listen_fraction": (lambda v: 0.0 <= v <= 1.0, "must be a fraction between 0 and 1 (0.9 = 90%)"),
    "quality.attention_checks": (lambda v: v >= 0, "must be 0 or more"),
    "quality.practice_trials": (lambda v: v >= 0, "must be 0 or more"),
    "quality.assignment_timeout_minutes": (lambda v: v > 0, "must be more than 0 minutes"),
    "completion.code": (lambda v: bool(v.strip()), "must not be empty; use the code raters should submit"),
    "completion.redirect_url": (
        lambda v: v is None or v.startswith(("https://", "http://")),
        "must be a web address starting with https:// (or empty for none)",
    ),
}

#: Keys whose value is a table of ``name: text`` lines, and the check of each (returns (name, message) pairs).
_TABLES: dict[str, Callable[[dict], list[tuple[str, str]]]] = {"ui_text": check_ui_text}

_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


@dataclasses.dataclass(frozen=True)
class ConfigReading:
    """What :func:`read_config` found: the config (defaults where a value was wrong), key lines, problems."""

    config: StudyConfig
    lines: dict[str, int]
    problems: list[Problem]


def read_config(root: Path) -> ConfigReading:
    """Parse and check ``root/study.yaml``.

    Parameters
    ----------
    root : Path
        The study folder.

    Returns
    -------
    ConfigReading
        ``config`` is always usable (a wrong or missing value is replaced by its default, a missing title by
        ``""``) so later checks can run; ``problems`` is empty only when the file is valid.
    """
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    fallback = StudyConfig(title="")
    path = root / STUDY_FILE

    def report(line: int | None, field: str | None, message: str) -> None:
        problems.append(Problem(STUDY_FILE, line, field, message))

    if not path.is_file():
        report(None, None, "the file is missing; every study folder needs one (`humans init DIR` writes an example)")
        return ConfigReading(fallback, lines, problems)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report(None, None, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
        return ConfigReading(fallback, lines, problems)
    except OSError as exc:
        report(None, None, f"the file cannot be read ({exc.strerror}); check its permissions")
        return ConfigReading(fallback, lines, problems)

    loader = yaml.SafeLoader(text)
    try:
        root_node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        report(
            mark.line + 1 if mark else None,
            None,
            f"this is not valid YAML ({what}); check the indentation and quoting on this line and the one before",
        )
        return ConfigReading(fallback, lines, problems)
    finally:
        loader.dispose()

    if root_node is None:
        report(None, None, "the file is empty; it needs at least a line `title: ...`")
        return ConfigReading(fallback, lines, problems)
    if not isinstance(root_node, yaml.MappingNode):
        report(
            root_node.start_mark.line + 1,
            None,
            "the file must be a set of `key: value` lines (a YAML mapping), not a list or a single value",
        )
        return ConfigReading(fallback, lines, problems)

    constructor = yaml.SafeLoader("")
    values = _read_section(StudyConfig, root_node, "", constructor, lines, report)
    if "title" not in values and not any(p.field == "title" for p in problems):
        report(None, "title", "the key is missing; add a line `title: ...` naming the study")
    values.setdefault("title", "")
    return ConfigReading(StudyConfig(**values), lines, problems)


def _read_section(
    cls: type,
    node: yaml.MappingNode,
    prefix: str,
    constructor: yaml.SafeLoader,
    lines: dict[str, int],
    report: Callable[[int | None, str | None, str], None],
) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            report(line, prefix.rstrip(".") or None, "keys must be plain words like `title`")
            continue
        dotted = prefix + key
        if dotted in lines:
            report(line, dotted, f"the key appears twice (first on line {lines[dotted]}); keep one")
            continue
        lines[dotted] = line
        if key not in names:
            where = f"section `{prefix.rstrip('.')}`" if prefix else "study.yaml"
            allowed = ", ".join(names)
            report(
                line,
                dotted,
                f"unknown key '{key}'{did_you_mean(key, names)}; the keys of {where} are: {allowed}",
            )
            continue
        kind = hints[key]
        if dataclasses.is_dataclass(kind):
            if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~", "null"):
                continue  # an empty section keeps its defaults
            if not isinstance(value_node, yaml.MappingNode):
                report(line, dotted, f"must be a section of indented `key: value` lines, found {_show(value_node)}")
                continue
            values[key] = kind(**_read_section(kind, value_node, dotted + ".", constructor, lines, report))
            continue
        if dotted in _TABLES:
            table = _read_table(value_node, dotted, constructor, _TABLES[dotted], report)
            if table is not None:
                values[key] = table
            continue
        try:
            raw = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:  # e.g. an invalid timestamp
            report(line, dotted, f"the value cannot be read ({exc}); write it in quotes")
            continue
        ok, value, expected = _coerce(raw, kind)
        if not ok:
            report(value_node.start_mark.line + 1, dotted, f"must be {expected}, found {_describe(raw)}")
            continue
        rule = _RULES.get(dotted)
        if rule is not None and not rule[0](value):
            report(value_node.start_mark.line + 1, dotted, f"{rule[1]}; found {raw!r}")
            continue
        values[key] = value
    return values


def _read_table(
    node: yaml.Node,
    dotted: str,
    constructor: yaml.SafeLoader,
    check: Callable[[dict], list[tuple[str, str]]],
    report: Callable[[int | None, str | None, str], None],
) -> dict[str, str] | None:
    """A ``name: text`` section (e.g. ``ui_text``), each problem reported on its own line; None when invalid."""
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return {}
    if not isinstance(node, yaml.MappingNode):
        found = _show(node)
        report(node.start_mark.line + 1, dotted, f"must be a section of indented `name: text` lines, found {found}")
        return None
    table: dict[str, str] = {}
    lines: dict[str, int] = {}
    ok = True
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
        if key is None or key in lines:
            report(line, dotted, "keys must be plain names, each once" if key is None else f"'{key}' appears twice")
            ok = False
            continue
        lines[key] = line
        try:
            table[key] = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            report(line, f"{dotted}.{key}", f"the value cannot be read ({exc}); write it in quotes")
            ok = False
    for key, message in check(table):
        report(lines.get(key), f"{dotted}.{key}", message)
        ok = False
    return table if ok else None


def _coerce(raw: Any, kind: Any) -> tuple[bool, Any, str]:
    """Check ``raw`` against a field annotation; return (ok, value, what was expected)."""
    origin = typing.get_origin(kind)
    if origin is Literal:
        options = typing.get_args(kind)
        hint = did_you_mean(raw, options) if isinstance(raw, str) else ""
        return raw in options, raw, "one of " + ", ".join(options) + hint
    if origin in (UnionType, typing.Union):
        args = [a for a in typing.get_args(kind) if a is not NoneType]
        if raw is None or raw == "":
            return True, None, ""
        ok, value, expected = _coerce(raw, args[0])
        return ok, value, expected + " (or empty)"
    if kind is bool:
        return isinstance(raw, bool), raw, "true or false"
    if kind is int:
        return isinstance(raw, int) and not isinstance(raw, bool), raw, "a whole number"
    if kind is float:
        ok = isinstance(raw, int | float) and not isinstance(raw, bool)
        return ok, float(raw) if ok else raw, "a number"
    if kind is str:
        return isinstance(raw, str), raw, "text (put it in quotes if it looks like a number or a date)"
    raise TypeError(f"study.yaml field type {kind!r} is not supported by the reader")  # a bug in model.py


def _describe(raw: Any) -> str:
    if isinstance(raw, bool):
        return f"{raw!r} (true/false)"
    if isinstance(raw, int | float):
        return f"{raw!r} (a number)"
    if isinstance(raw, str):
        return f"{raw!r} (text)"
    if raw is None:
        return "nothing"
    if isinstance(raw, dict):
        return "a section of keys"
    if isinstance(raw, list):
        return "a list"
    return repr(raw)


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a section"
