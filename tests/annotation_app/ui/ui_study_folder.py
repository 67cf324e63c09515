"""Small real study folders for the rater UI tests: study.yaml, conversations.jsonl and short WAV tones."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import yaml

RATE = 8000

#: Model names chosen so that a leak into a page, payload or URL is easy to spot.
MODELS = ("zebramodel", "yakmodel", "xerusmodel")
#: The model of the deliberately bad conversations (attention checks and practice).
BAD_MODEL = "quaggamodel"
#: The transcript of the bad conversations' assistant turns (lets a browser test pass the practice on purpose).
BAD_TEXT = "A deliberately wrong answer."


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
    models: tuple[str, ...] = MODELS,
    scenarios: int = 2,
    seconds: float = 0.25,
    rating: dict | None = None,
    targets: dict | None = None,
    quality: dict | None = None,
    completion: dict | None = None,
    gold_bad: bool = True,
) -> Path:
    """A study folder: ``scenarios`` × ``models`` conversations of one user and one assistant turn.

    Every clip is a distinct tone (distinct content hashes) of ``seconds`` seconds; transcripts name the scenario
    and the turn, never the model. ``gold_bad`` adds a deliberately bad conversation (model :data:`BAD_MODEL`) to
    each scenario, for attention checks and practice trials.
    """
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "title": "UI test study",
        "instructions": "Listen to **both** conversations, then answer.",
        "consent": "I agree to take part in this test.",
        "rating": {"scheme": "pairwise", "preference_points": 3, "allow_both_bad": True, "reason": "optional"}
        | (rating or {}),
        "targets": {"raters_per_pair": 2, "trials_per_rater": 3} | (targets or {}),
        "quality": {"min_listen_fraction": 0.5, "attention_checks": 1, "practice_trials": 0} | (quality or {}),
        "completion": {"code": "UI-TEST-CODE"} | (completion or {}),
    }
    (root / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    freq = 220.0
    lines = []
    for s in range(scenarios):
        for model in (*models, BAD_MODEL) if gold_bad else models:
            turns = []
            for role in ("user", "assistant"):
                freq += 11.0
                name = f"s{s}-{model}-{role}.wav"
                write_tone(root / "audio" / name, seconds, freq)
                text = f"{role} line of scenario {s}"
                if model == BAD_MODEL and role == "assistant":
                    text = BAD_TEXT
                turns.append({"role": role, "audio": f"audio/{name}", "text": text})
            record = {"id": f"s{s}-{model}", "scenario": f"s{s}", "model": model, "turns": turns}
            if model == BAD_MODEL:
                record["gold_bad"] = True
            lines.append(json.dumps(record))
    (root / "conversations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
