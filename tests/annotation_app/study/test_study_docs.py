"""The format reference and the demo study.yaml explain every setting the loader accepts."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from annotation_app.study import StudyConfig, demo_study_path

DOC = Path(__file__).resolve().parents[3] / "docs" / "study-format.md"


def _keys(cls: type, prefix: str = "") -> list[tuple[str, object]]:
    """Dotted keys of study.yaml with their dataclass defaults."""
    hints = typing.get_type_hints(cls)
    out: list[tuple[str, object]] = []
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out += _keys(hints[f.name], f"{prefix}{f.name}.")
        else:
            out.append((prefix + f.name, f.default))
    return out


def _shown(default: object) -> str:
    """How the format reference writes a default."""
    if isinstance(default, bool):
        return "true" if default else "false"
    if default is None:
        return "*(none)*"
    if default == "":
        return '""'
    if default == ():
        return "[]"
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


KEYS = _keys(StudyConfig)


@pytest.mark.parametrize("key,default", KEYS, ids=[k for k, _ in KEYS])
def test_every_key_is_in_the_format_reference_with_its_default(key, default):
    rows = [line for line in DOC.read_text().splitlines() if line.startswith(f"| `{key}` |")]
    assert rows, f"{key} is missing from {DOC.name}"
    if default is dataclasses.MISSING:
        return
    shown = _shown(default)
    assert f"| `{shown}` |" in rows[0] or f"| {shown} |" in rows[0], rows[0]


@pytest.mark.parametrize("key", [k for k, _ in KEYS])
def test_every_key_is_set_in_the_demo_study_yaml(key):
    text = (demo_study_path() / "study.yaml").read_text()
    assert f"\n{'  ' if '.' in key else ''}{key.split('.')[-1]}:" in text
