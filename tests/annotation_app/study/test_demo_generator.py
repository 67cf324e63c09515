"""The demo generator speaks a line the same way every time, and its script matches the committed study."""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

from annotation_app.study import demo_study_path


def _generator():
    spec = importlib.util.spec_from_file_location("make_demo", demo_study_path() / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_script_matches_the_committed_conversations():
    gen = _generator()
    lines = [json.loads(line) for line in (demo_study_path() / "conversations.jsonl").read_text().splitlines()]
    assert len(lines) == len(gen.SCENARIOS) * len(gen.MODELS) + len(gen.GOLD_BAD)
    assert len(set(gen.VOICES.values())) == len(gen.VOICES)  # a different voice for the user and each assistant
    for line in lines:
        user1, user2, answers = gen.SCENARIOS[line["scenario"]]
        texts = [t["text"] for t in line["turns"]]
        expected = gen.GOLD_BAD[line["scenario"]] if line.get("gold_bad") else answers[line["model"]]
        assert texts == [user1, expected[0], user2, expected[1]]


def test_synthesis_is_byte_identical_on_every_run(tmp_path):
    missing = [t for t in ("espeak-ng", "sox", "opusenc") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian: apt-get install espeak-ng sox opus-tools)")
    gen = _generator()
    text = gen.SCENARIOS["timer"][2]["helpful"][0]
    first, second = tmp_path / "1.ogg", tmp_path / "2.ogg"
    gen.synthesise("helpful", text, first, tmp_path)
    gen.synthesise("helpful", text, second, tmp_path)
    assert first.read_bytes() == second.read_bytes()
