"""Round-trip of :class:`StudyConfig` through JSON, so the store can rebuild the study it holds."""

from __future__ import annotations

import dataclasses
import json

from annotation_app.study.model import (
    Aspect,
    AudioConfig,
    CompletionConfig,
    QualityConfig,
    Question,
    QuestionnaireConfig,
    RatingConfig,
    StudyConfig,
    TargetsConfig,
)

__all__ = ["config_from_json", "config_to_json"]

_SECTIONS = {
    "rating": RatingConfig,
    "targets": TargetsConfig,
    "quality": QualityConfig,
    "completion": CompletionConfig,
    "audio": AudioConfig,
    "questionnaire": QuestionnaireConfig,
}
#: List-valued fields: (section, field) -> item class. JSON turns tuples into lists; they come back as tuples.
_ITEMS = {
    ("rating", "aspects"): Aspect,
    ("questionnaire", "before"): Question,
    ("questionnaire", "after"): Question,
}


def config_to_json(config: StudyConfig) -> str:
    """Serialise a study config to canonical JSON (sorted keys)."""
    return json.dumps(dataclasses.asdict(config), sort_keys=True, ensure_ascii=False)


def _known(cls, data: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _item(cls, data: dict):
    data = _known(cls, data)
    if isinstance(data.get("options"), list):
        data["options"] = tuple(data["options"])
    return cls(**data)


def config_from_json(text: str) -> StudyConfig:
    """Rebuild a study config from :func:`config_to_json` output (unknown keys from newer versions ignored)."""
    data = json.loads(text)
    kwargs = _known(StudyConfig, data)
    for name, cls in _SECTIONS.items():
        if isinstance(kwargs.get(name), dict):
            section = _known(cls, kwargs[name])
            for (owner, field), item_cls in _ITEMS.items():
                if owner == name and isinstance(section.get(field), list):
                    section[field] = tuple(_item(item_cls, v) for v in section[field])
            kwargs[name] = cls(**section)
    return StudyConfig(**kwargs)
