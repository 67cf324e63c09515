"""The list-valued keys of ``study.yaml`` (``rating.aspects``, ``questionnaire.before/after``) and checks that
span several keys (``quality.headphone_pass`` against ``quality.headphone_trials``, question names across both
questionnaires).

Each list item is a mapping read field by field, so a mistake is reported with the line of the item or the key
and the item's position (``questionnaire.before[2].options``), like every other key of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from annotation_app.study.model import Aspect, Question, StudyConfig
from annotation_app.study.problems import did_you_mean

__all__ = ["ITEM_READERS", "NAME_PATTERN", "check_across"]

#: Names of aspects and questions: they become export columns (``aspect_<name>``, ``q_<name>``).
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_NAME_RULE = "must be a short lower-case name of letters, digits and _ (it becomes an export column), like 'age_band'"

QUESTION_TYPES = ("choice", "multi", "likert", "number", "text")
_QUESTION_KEYS = {
    "name": "all",
    "type": "all",
    "text": "all",
    "required": "all",
    "options": ("choice", "multi"),
    "points": ("likert",),
    "low_label": ("likert",),
    "high_label": ("likert",),
    "min": ("number",),
    "max": ("number",),
    "max_chars": ("text",),
}
_ASPECT_KEYS = ("name", "question")

Report = Callable[[int | None, str | None, str], None]


def _items(node: yaml.Node, dotted: str, report: Report) -> list[yaml.MappingNode]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.SequenceNode):
        report(node.start_mark.line + 1, dotted, "must be a list of items, each starting with '- name: ...'")
        return []
    out = []
    for k, item in enumerate(node.value):
        if not isinstance(item, yaml.MappingNode):
            report(item.start_mark.line + 1, f"{dotted}[{k + 1}]", "each item must be a set of `key: value` lines")
            continue
        out.append(item)
    return out


def _fields(
    item: yaml.MappingNode, where: str, allowed: tuple[str, ...] | list[str], constructor: yaml.SafeLoader, report
) -> dict[str, tuple[Any, int]]:
    fields: dict[str, tuple[Any, int]] = {}
    for key_node, value_node in item.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        if key not in allowed:
            report(line, f"{where}.{key}", f"unknown key '{key}'{did_you_mean(str(key), allowed)}; the keys are: "
                   + ", ".join(allowed))  # fmt: skip
            continue
        if key in fields:
            report(line, f"{where}.{key}", f"the key appears twice (first on line {fields[key][1]}); keep one")
            continue
        try:
            fields[key] = (constructor.construct_object(value_node, deep=True), line)
        except yaml.YAMLError as exc:
            report(line, f"{where}.{key}", f"the value cannot be read ({exc}); write it in quotes")
    return fields


def _text(fields, key, where, report, *, required=True) -> str | None:
    if key not in fields:
        if required:
            report(None, f"{where}.{key}", f"the key is missing; add `{key}: ...`")
        return None
    value, line = fields[key]
    if not isinstance(value, str) or not value.strip():
        report(line, f"{where}.{key}", f"must be text, found {value!r}; write it in quotes")
        return None
    return value


def _name(fields, where, report, seen: dict[str, str]) -> str | None:
    name = _text(fields, "name", where, report)
    if name is None:
        return None
    line = fields["name"][1]
    if not NAME_PATTERN.match(name):
        report(line, f"{where}.name", f"{_NAME_RULE}; found {name!r}")
        return None
    if name in seen:
        report(line, f"{where}.name", f"the name '{name}' is already used by {seen[name]}; give each its own name")
        return None
    seen[name] = where
    return name


def read_aspects(node, dotted, constructor, lines, report) -> tuple[Aspect, ...]:
    """``rating.aspects``: a list of ``{name, question}``."""
    out, seen = [], {"overall": "the overall preference"}
    for k, item in enumerate(_items(node, dotted, report)):
        where = f"{dotted}[{k + 1}]"
        fields = _fields(item, where, _ASPECT_KEYS, constructor, report)
        name = _name(fields, where, report, seen)
        question = _text(fields, "question", where, report)
        if name and question:
            out.append(Aspect(name, question))
    return tuple(out)


def _number(fields, key, where, report, kind=float):
    if key not in fields:
        return None
    value, line = fields[key]
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        ok = ok and isinstance(value, int)
    if not ok:
        report(line, f"{where}.{key}", f"must be {'a whole number' if kind is int else 'a number'}, found {value!r}")
        return None
    return kind(value)


def read_questions(node, dotted, constructor, lines, report) -> tuple[Question, ...]:
    """``questionnaire.before`` / ``questionnaire.after``: a list of questions (see :class:`Question`)."""
    out, seen = [], {}
    for k, item in enumerate(_items(node, dotted, report)):
        where = f"{dotted}[{k + 1}]"
        line = item.start_mark.line + 1
        fields = _fields(item, where, list(_QUESTION_KEYS), constructor, report)
        name = _name(fields, where, report, seen)
        text = _text(fields, "text", where, report)
        kind = _text(fields, "type", where, report)
        if kind is not None and kind not in QUESTION_TYPES:
            report(fields["type"][1], f"{where}.type", f"must be one of {', '.join(QUESTION_TYPES)}"
                   f"{did_you_mean(kind, QUESTION_TYPES)}; found {kind!r}")  # fmt: skip
            kind = None
        if kind is None or name is None or text is None:
            continue
        for key, (_, key_line) in fields.items():
            scope = _QUESTION_KEYS[key]
            if scope != "all" and kind not in scope:
                report(key_line, f"{where}.{key}", f"does not apply to a question of type {kind}; remove it")
        kwargs: dict[str, Any] = {}
        if "required" in fields:
            value, key_line = fields["required"]
            if not isinstance(value, bool):
                report(key_line, f"{where}.required", f"must be true or false, found {value!r}")
            else:
                kwargs["required"] = value
        if kind in ("choice", "multi"):
            value, key_line = fields.get("options", (None, line))
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, str | int) for v in value):
                report(key_line, f"{where}.options", f"a {kind} question needs a list of at least two options, "
                       "like `options: [yes, no]`")  # fmt: skip
                continue
            options = tuple(str(v) for v in value)
            if len(set(options)) != len(options):
                report(key_line, f"{where}.options", "the options must all differ; remove the repeated one")
                continue
            kwargs["options"] = options
        if kind == "likert":
            points = _number(fields, "points", where, report, int)
            if points is not None and not 2 <= points <= 11:
                report(fields["points"][1], f"{where}.points", f"must be between 2 and 11 points; found {points}")
            elif points is not None:
                kwargs["points"] = points
            for key in ("low_label", "high_label"):
                label = _text(fields, key, where, report, required=False)
                if label:
                    kwargs[key] = label
        if kind == "number":
            low, high = _number(fields, "min", where, report), _number(fields, "max", where, report)
            if low is not None and high is not None and low >= high:
                report(fields["max"][1], f"{where}.max", f"must be more than min ({low}); found {high}")
                continue
            kwargs.update(min=low, max=high)
        if kind == "text":
            limit = _number(fields, "max_chars", where, report, int)
            if limit is not None and not 1 <= limit <= 5000:
                report(fields["max_chars"][1], f"{where}.max_chars", f"must be 1 to 5000; found {limit}")
            elif limit is not None:
                kwargs["max_chars"] = limit
        out.append(Question(name, kind, text, **kwargs))  # type: ignore[arg-type]
    return tuple(out)


#: Dotted key -> reader(value node, dotted key, constructor, lines, report) returning the field's value.
ITEM_READERS: dict[str, Callable[..., Any]] = {
    "rating.aspects": read_aspects,
    "questionnaire.before": read_questions,
    "questionnaire.after": read_questions,
}


def check_across(config: StudyConfig, lines: dict[str, int], report: Report) -> None:
    """Rules that relate two keys: the headphone pass mark, question names unique over both questionnaires."""
    quality = config.quality
    if quality.headphone_check != "off" and quality.headphone_pass > quality.headphone_trials:
        report(
            lines.get("quality.headphone_pass"),
            "quality.headphone_pass",
            f"is {quality.headphone_pass} but there are only {quality.headphone_trials} headphone trials "
            "(quality.headphone_trials); lower the pass mark or add trials",
        )
    before = {q.name for q in config.questionnaire.before}
    for k, question in enumerate(config.questionnaire.after):
        if question.name in before:
            report(
                lines.get("questionnaire.after"),
                f"questionnaire.after[{k + 1}].name",
                f"the name '{question.name}' is already used in questionnaire.before; give each question its own name",
            )
