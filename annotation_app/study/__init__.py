"""The study folder: load, validate and describe a rating study (domain objects; reads the folder only)."""

from annotation_app.study.model import (
    CompletionConfig,
    Conversation,
    Pair,
    QualityConfig,
    RatingConfig,
    Study,
    StudyConfig,
    TargetsConfig,
    Turn,
)

__all__ = [
    "CompletionConfig",
    "Conversation",
    "Pair",
    "QualityConfig",
    "RatingConfig",
    "Study",
    "StudyConfig",
    "TargetsConfig",
    "Turn",
]
