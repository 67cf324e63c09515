"""The pieces of a study folder for the loader and validation tests (WAV files written with ``wave``)."""

from __future__ import annotations

import json
import math
import struct
import wave
from pathlib import Path

STUDY_YAML = """\
title: Test study
rating:
  scheme: pairwise
  likert_points: 5
targets:
  raters_per_pair: 2
quality:
  attention_checks: 0
completion:
  code: TEST
"""


def write_wav(path: Path, seconds: float = 0.5, rate: int = 8000) -> Path:
    """A mono 16-bit WAV of a 440 Hz tone (``seconds`` = 0 writes a header without frames)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def conversation(cid: str, scenario: str, model: str, *audio: str, **extra) -> dict:
    """A conversation record whose turns alternate user / assistant over the given audio names."""
    turns = [
        {"role": "user" if i % 2 == 0 else "assistant", "audio": f"audio/{name}", "text": f"turn {i}"}
        for i, name in enumerate(audio)
    ]
    return {"id": cid, "scenario": scenario, "model": model, "turns": turns, **extra}


BASE_CONVERSATIONS = [
    conversation("c1", "s1", "ma", "u1.wav", "a1.wav"),
    conversation("c2", "s1", "mb", "u1.wav", "a2.wav"),
    conversation("c3", "s2", "ma", "u2.wav", "a3.wav"),
    conversation("c4", "s2", "mb", "u2.wav", "a4.wav"),
]


def write_jsonl(root: Path, records: list) -> None:
    """Write conversations.jsonl; a str record is written as is (to make broken lines)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    (root / "conversations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_valid_study(root: Path) -> Path:
    """A valid study in ``root``: 2 scenarios × 2 models, one user and one assistant WAV turn each."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "study.yaml").write_text(STUDY_YAML, encoding="utf-8")
    for name in ("u1", "u2", "a1", "a2", "a3", "a4"):
        write_wav(root / "audio" / f"{name}.wav", seconds=0.25 if name.startswith("u") else 0.5)
    write_jsonl(root, BASE_CONVERSATIONS)
    return root
