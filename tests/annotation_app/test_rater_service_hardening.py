"""Regression tests of the rater service's defences found by the reliability suite (tests/reliability)."""

from __future__ import annotations

import numpy as np
import pytest
from study_builder import to_trials

from annotation_app.rater_service import Answer, RaterService, clean_reason
from annotation_app.store import Store


@pytest.fixture
def service(tmp_path, study, clock):
    s = RaterService(
        study, Store(tmp_path / "db.sqlite"), tmp_path / "cache", clock=clock, rng=np.random.default_rng(0)
    )
    yield s
    s.store.close()


@pytest.mark.parametrize(
    "raw,stored",
    [
        ("plain reason", "plain reason"),
        ("two\r\nlines\rhere", "two\nlines\nhere"),
        ("tab\tkept, NUL\x00 and ESC\x1b[31m dropped", "tab\tkept, NUL and ESC[31m dropped"),
        ("bidi \u202eevil\u202c \u2066iso\u2069", "bidi evil iso"),
        ("'; DROP TABLE votes; -- <script>alert(1)</script>", "'; DROP TABLE votes; -- <script>alert(1)</script>"),
        ("é 😀 ok", "é 😀 ok"),
        ("\x00\x07 \x1b ", ""),
    ],
)
def test_clean_reason(raw, stored):
    assert clean_reason(raw) == stored


def test_control_characters_never_reach_the_database(service, clock):
    token = to_trials(service, clock)
    trial = service.current_trial(token)
    clock.advance(trial.min_wait_s)
    service.submit(token, trial.token, Answer(preference=1, reason="ok\x00\x1b[2J\u202etxt"))
    assert service.store.votes()[-1]["reason"] == "ok[2Jtxt"
