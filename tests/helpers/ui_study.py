"""Small real study folders for the rater UI tests: study.yaml, conversations.jsonl and short WAV tones."""

from __future__ import annotations

from pathlib import Path

from helpers.studies import write_study_folder

#: Model names chosen so that a leak into a page, payload or URL is easy to spot.
MODELS = ("zebramodel", "yakmodel", "xerusmodel")
#: The model of the deliberately bad conversations (attention checks and practice).
BAD_MODEL = "quaggamodel"
#: The transcript of the bad conversations' assistant turns (lets a browser test pass the practice on purpose).
BAD_TEXT = "A deliberately wrong answer."


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
    extra: dict | None = None,
) -> Path:
    """A study folder: ``scenarios`` × ``models`` conversations of one user and one assistant turn.

    Every clip is a distinct tone (distinct content hashes) of ``seconds`` seconds; transcripts name the scenario
    and the turn, never the model. ``gold_bad`` adds a deliberately bad conversation (model :data:`BAD_MODEL`) to
    each scenario, for attention checks and practice trials. ``extra`` replaces or adds top-level keys (texts,
    ``ui_text``).
    """
    config = {
        "title": "UI test study",
        "instructions": "Listen to **both** conversations, then answer.",
        "consent": "I agree to take part in this test.",
        "rating": {"scheme": "pairwise", "preference_points": 3, "allow_both_bad": True, "reason": "optional"}
        | (rating or {}),
        "targets": {"raters_per_pair": 2, "trials_per_rater": 3} | (targets or {}),
        "quality": {"min_listen_fraction": 0.5, "attention_checks": 1, "practice_trials": 0} | (quality or {}),
        "completion": {"code": "UI-TEST-CODE"} | (completion or {}),
    } | (extra or {})
    bad = {"bad_model": BAD_MODEL, "bad_text": BAD_TEXT} if gold_bad else {}
    return write_study_folder(root, config, models=models, scenarios=scenarios, seconds=seconds, **bad)
