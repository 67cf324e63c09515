"""Nothing produced for a rater carries a model name, a raw conversation id or a study path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from analysis.errors import HumansError
from annotation_app.audio_cache import AUDIO_NAME, LOUDNESS_FILE
from annotation_app.rater_service import Answer, PlayEvent, RaterService
from annotation_app.store import Store


@pytest.mark.parametrize("scheme", ["pairwise", "likert", "pairwise+likert"])
@pytest.mark.parametrize("gold_bad", [False, True])
def test_no_model_name_or_conversation_id_reaches_a_rater(tmp_path, study_factory, clock, scheme, gold_bad):
    study = study_factory(
        rating={"scheme": scheme, "reason": "required"},
        targets={"trials_per_rater": 4},
        quality={"attention_checks": 2, "practice_trials": 1},
        gold_bad=gold_bad,
    )
    secrets = (
        set(study.models)
        | {"badmodel"}
        | {c.id for c in study.conversations}
        | {c.scenario for c in study.conversations}
    )
    secrets |= {str(study.root), "#silenced", "scenario"}
    service = RaterService(
        study, Store(tmp_path / "db.sqlite"), tmp_path / "cache", clock=clock, rng=np.random.default_rng(5)
    )
    produced: list[object] = [service.study_text()]
    errors: list[str] = []
    view = service.enter(prolific_pid="5f8a9b0c1d2e3f4a5b6c7d8e", study_id="STUDY1", session_id="SESSION1")
    token = view.rater_token
    produced += [view, service.accept_consent(token), service.finish_instructions(token)]
    likert = {"likert": {"likert_left": 3}, "pairwise+likert": {"likert_left": 3, "likert_right": 4}}.get(scheme, {})
    pref = None if scheme == "likert" else -1
    while (trial := service.current_trial(token)) is not None:
        produced.append(trial)
        for attempt in (
            lambda: service.submit(token, trial.token, Answer(preference=pref, reason="ok", **likert)),  # too soon
            lambda: service.submit(token, "no-such-trial", Answer(preference=pref)),
            lambda: service.submit(token, trial.token, Answer(preference=7, reason="x", likert_left=99)),
            lambda: service.audio_file("../" + trial.left.turns[0].audio_name),
        ):
            try:
                attempt()
            except HumansError as exc:
                errors.append(str(exc))
        clock.advance(trial.min_wait_s + 0.5)
        events = (PlayEvent("left", 0, "play", 0.0, 1), PlayEvent("left", 0, "ended", 0.5, 2))
        produced.append(
            service.submit(token, trial.token, Answer(preference=pref, reason="ok", events=events, **likert))
        )
        produced.append(service.submit(token, trial.token, Answer(preference=pref, reason="ok", **likert)))
    produced.append(service.rater(token))
    assert len(errors) > 10
    cache_names = [p.name for p in service.cache.root.iterdir() if p.name != LOUDNESS_FILE]
    assert all(AUDIO_NAME.match(n) for n in cache_names)
    with pytest.raises(HumansError):
        service.audio_file(LOUDNESS_FILE)  # the cache's index is never served
    text = "\n".join(
        [repr(p) for p in produced]
        + [repr(dataclasses.asdict(p)) for p in produced if dataclasses.is_dataclass(p)]
        + errors
        + cache_names
    )
    for secret in secrets:
        assert secret not in text, f"{secret!r} reached a rater"
    for p in produced:
        if hasattr(p, "left"):
            for conv in (p.left, p.right):
                for turn in conv.turns if conv else ():
                    assert service.audio_file(turn.audio_name).parent == service.cache.root.resolve()
