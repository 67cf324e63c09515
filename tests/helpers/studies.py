"""Build real small studies for tests: WAV files written with ``wave``, :class:`Study` objects made directly
from the domain dataclasses (no study loader needed) and study folders (study.yaml, conversations.jsonl, audio/)
for the tests that serve a study."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import wave
from pathlib import Path

import numpy as np
import yaml

from annotation_app.study.model import (
    CompletionConfig,
    Conversation,
    QualityConfig,
    RatingConfig,
    Study,
    StudyConfig,
    TargetsConfig,
    Turn,
)

RATE = 8000

#: Model names chosen so that a leak is easy to spot in any string.
MODELS = ("zebramodel", "yakmodel", "xerusmodel", "wombatmodel")


def write_tone(path: Path, seconds: float, freq: float) -> str:
    """Write a mono 16-bit WAV tone; returns the SHA-256 of the file."""
    t = np.arange(round(seconds * RATE)) / RATE
    samples = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_study(
    root: Path,
    *,
    models: tuple[str, ...] = MODELS[:3],
    scenarios: int = 4,
    turns: int = 2,
    seconds: float = 0.5,
    gold_bad: bool = False,
    rating: dict | None = None,
    targets: dict | None = None,
    quality: dict | None = None,
    completion: dict | None = None,
    title: str = "Test study",
    consent: str = "I agree to take part.",
) -> Study:
    """A study with ``scenarios`` × ``models`` conversations of ``turns`` user/assistant exchanges each.

    Every turn's audio is a distinct tone, so content hashes differ. ``gold_bad`` adds one deliberately bad
    conversation (model ``badmodel``) per scenario.
    """
    root = Path(root)
    conversations = []
    freq = 200.0
    names = list(models) + (["badmodel"] if gold_bad else [])
    for s in range(scenarios):
        scenario = f"scenario{s:02d}"
        for model in names:
            cid = f"{scenario}-{model}"
            ts = []
            for i in range(turns):
                for role in ("user", "assistant"):
                    freq += 7.0
                    path = root / "audio" / f"{cid}-{i}-{role}.wav"
                    sha = write_tone(path, seconds, freq)
                    ts.append(Turn(role, path, seconds, sha, f"{role} says something ({i})"))
            conversations.append(Conversation(cid, scenario, model, tuple(ts), gold_bad=model == "badmodel"))
    config = StudyConfig(
        title=title,
        instructions="Listen to both conversations, then choose.",
        consent=consent,
        rating=RatingConfig(**(rating or {})),
        targets=TargetsConfig(**(targets or {})),
        quality=QualityConfig(**(quality or {})),
        completion=CompletionConfig(**(completion or {"code": "CODE123"})),
    )
    digest = hashlib.sha256(repr(dataclasses.asdict(config)).encode())
    for c in conversations:
        digest.update(repr((c.id, c.scenario, c.model, c.gold_bad, [t.sha256 for t in c.turns])).encode())
    return Study(root, config, tuple(conversations), digest.hexdigest())


def write_study_folder(
    root: Path,
    config: dict,
    *,
    models: tuple[str, ...],
    scenarios: int,
    seconds: float,
    bad_model: str | None = None,
    bad_text: str | None = None,
    scenario_prefix: str = "s",
    conversation_prefix: str = "s",
    audio_prefix: str = "s",
) -> Path:
    """Write a study folder: ``config`` as study.yaml and ``scenarios`` × ``models`` conversations of one user and
    one assistant turn in conversations.jsonl, each clip a distinct ``seconds``-second tone (distinct content hashes).

    ``bad_model`` adds a deliberately bad conversation of that model (``gold_bad: true``) to each scenario, whose
    assistant transcript is ``bad_text`` when given. Scenario ``s`` is named ``<scenario_prefix><s>``, its
    conversations ``<conversation_prefix><s>-<model>`` and their clips ``audio/<audio_prefix><s>-<model>-<role>.wav``;
    transcripts name the scenario and the turn, never the model.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    freq = 200.0
    lines = []
    for s in range(scenarios):
        for model in (*models, bad_model) if bad_model else models:
            turns = []
            for role in ("user", "assistant"):
                freq += 7.0
                name = f"{audio_prefix}{s}-{model}-{role}.wav"
                write_tone(root / "audio" / name, seconds, freq)
                text = f"{role} line of scenario {s}"
                if model == bad_model and role == "assistant" and bad_text is not None:
                    text = bad_text
                turns.append({"role": role, "audio": f"audio/{name}", "text": text})
            record = {"id": f"{conversation_prefix}{s}-{model}", "scenario": f"{scenario_prefix}{s}", "model": model}
            record["turns"] = turns
            if model == bad_model:
                record["gold_bad"] = True
            lines.append(json.dumps(record))
    (root / "conversations.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


class FakeClock:
    """A clock the test moves by hand (seconds since the epoch)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def gold_preference(service, trial) -> int:
    """The preference that passes a practice/attention trial (server-side knowledge, for tests only)."""
    a = service.store.assignment_by_token(trial.token)
    pair = next(p for p in service.store.pairs("gold") if p["id"] == a["pair_id"])
    return -1 if a["left_conversation_id"] == pair["conv_a"] else 1


def to_trials(service, clock, rater_id: str = "rater-one") -> str:
    """Enter, consent, read the instructions and pass the practice; returns the rater token."""

    token = service.enter(typed_id=rater_id).rater_token
    service.accept_consent(token)
    service.finish_instructions(token)
    while service.rater(token).stage == "practice":
        trial = service.current_trial(token)
        clock.advance(trial.min_wait_s + 1)
        service.submit(token, trial.token, answer_for(service, gold_preference(service, trial)))
    return token


def answer_for(service, preference: int | None):
    """An answer that fits the service's rating scheme, with this preference (Likert 3 where asked)."""
    from annotation_app.rater_service import Answer

    scheme = service.config.rating.scheme
    likert = {"likert": {"likert_left": 3}, "pairwise+likert": {"likert_left": 3, "likert_right": 3}}.get(scheme, {})
    return Answer(preference=None if scheme == "likert" else preference, reason="ok", **likert)
