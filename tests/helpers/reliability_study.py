"""Study folders for the reliability suite: many scenarios, very short WAV clips, a low listening floor.

Model names and conversation ids are chosen so that a leak into anything a rater receives is easy to spot.
"""

from __future__ import annotations

from pathlib import Path

from helpers.studies import write_study_folder

#: Length of every clip (seconds): a trial lasts 4 clips, so the listening floor is tiny.
CLIP_S = 0.2
#: Model names (unusual words, so a leak is unambiguous).
MODELS = ("okapimodel", "narwhalmodel", "axolotlmodel")
#: The model of the deliberately bad conversations (attention checks).
BAD_MODEL = "pangolinmodel"
#: Prefix of every raw conversation id (never shown to raters).
CONV_PREFIX = "rawconv"
#: Prefix of every study audio file name (never shown to raters).
AUDIO_PREFIX = "srcclip"


def write_study(
    root: Path,
    *,
    scenarios: int = 8,
    trials_per_rater: int = 5,
    attention_checks: int = 1,
    raters_per_pair: int = 3,
    min_listen_fraction: float = 0.1,
    reason: str = "optional",
    consent: str = "I agree to take part in this reliability test.",
) -> Path:
    """Write a pairwise study folder: ``scenarios`` × 3 models (+ one bad conversation per scenario).

    Every clip is a distinct :data:`CLIP_S`-second tone (distinct content hashes). ``3 * scenarios`` trial pairs
    exist, so a rater can get up to that many distinct trials.
    """
    config = {
        "title": "Reliability study",
        "instructions": "Listen to both conversations, then answer.",
        "consent": consent,
        "rating": {"scheme": "pairwise", "preference_points": 3, "allow_both_bad": True, "reason": reason},
        "targets": {"raters_per_pair": raters_per_pair, "trials_per_rater": trials_per_rater},
        "quality": {
            "min_listen_fraction": min_listen_fraction,
            "attention_checks": attention_checks,
            "practice_trials": 0,
        },
        "completion": {"code": "RELIABILITY-DONE"},
    }
    return write_study_folder(
        root,
        config,
        models=MODELS,
        scenarios=scenarios,
        seconds=CLIP_S,
        bad_model=BAD_MODEL,
        scenario_prefix="scen",
        conversation_prefix=f"{CONV_PREFIX}-",
        audio_prefix=f"{AUDIO_PREFIX}-",
    )


def leaks(text: str) -> list[str]:
    """The secrets of a :func:`write_study` study that occur in ``text`` (model names, raw ids, source paths)."""
    secrets = (*MODELS, BAD_MODEL, CONV_PREFIX, AUDIO_PREFIX, "scen0", "scen1")
    return [s for s in secrets if s in text]
