"""Round-trip of :class:`StudyConfig` through JSON, so the store can rebuild the study it holds."""

from __future__ import annotations

import dataclasses
import json

from annotation_app.study.model import (
    AudioConfig,
    CompletionConfig,
    QualityConfig,
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
}


def config_to_json(config: StudyConfig) -> str:
    """Serialise a study config to canonical JSON (sorted keys)."""
    return json.dumps(dataclasses.asdict(config), sort_keys=True, ensure_ascii=False)


def _known(cls, data: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def config_from_json(text: str) -> StudyConfig:
    """Rebuild a study config from :func:`config_to_json` output (unknown keys from newer versions ignored)."""
    data = json.loads(text)
    kwargs = _known(StudyConfig, data)
    for name, cls in _SECTIONS.items():
        if isinstance(kwargs.get(name), dict):
            kwargs[name] = cls(**_known(cls, kwargs[name]))
    return StudyConfig(**kwargs)
