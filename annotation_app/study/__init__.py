"""The study folder: load, validate and describe a rating study (domain objects; reads the folder only)."""

from annotation_app.study.audio import SUPPORTED_AUDIO, AudioInfo, probe_audio
from annotation_app.study.demo import demo_study_path, init_study
from annotation_app.study.loader import content_hash, load_study, validate_study
from annotation_app.study.model import (
    AudioConfig,
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
from annotation_app.study.problems import Problem, StudyValidationError

__all__ = [
    "SUPPORTED_AUDIO",
    "AudioConfig",
    "AudioInfo",
    "CompletionConfig",
    "Conversation",
    "Pair",
    "Problem",
    "QualityConfig",
    "RatingConfig",
    "Study",
    "StudyConfig",
    "StudyValidationError",
    "TargetsConfig",
    "Turn",
    "content_hash",
    "demo_study_path",
    "init_study",
    "load_study",
    "probe_audio",
    "validate_study",
]
