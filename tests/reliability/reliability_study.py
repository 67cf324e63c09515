"""Study folders for the reliability suite: many scenarios, very short WAV clips, a low listening floor.

Model names and conversation ids are chosen so that a leak into anything a rater receives is easy to spot.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import yaml

RATE = 8000
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


def write_tone(path: Path, seconds: float, freq: float) -> None:
    """A mono 16-bit WAV tone of ``seconds`` at ``freq`` Hz."""
    t = np.arange(round(seconds * RATE)) / RATE
    samples = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


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
    root.mkdir(parents=True, exist_ok=True)
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
    (root / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    freq = 200.0
    lines = []
    for s in range(scenarios):
        for model in (*MODELS, BAD_MODEL):
            turns = []
            for role in ("user", "assistant"):
                freq += 7.0
                name = f"{AUDIO_PREFIX}-{s}-{model}-{role}.wav"
                write_tone(root / "audio" / name, CLIP_S, freq)
                turns.append({"role": role, "audio": f"audio/{name}", "text": f"{role} turn of scenario {s}"})
            record = {"id": f"{CONV_PREFIX}-{s}-{model}", "scenario": f"scen{s}", "model": model, "turns": turns}
            if model == BAD_MODEL:
                record["gold_bad"] = True
            lines.append(json.dumps(record))
    (root / "conversations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def leaks(text: str) -> list[str]:
    """The secrets of a :func:`write_study` study that occur in ``text`` (model names, raw ids, source paths)."""
    secrets = (*MODELS, BAD_MODEL, CONV_PREFIX, AUDIO_PREFIX, "scen0", "scen1")
    return [s for s in secrets if s in text]
