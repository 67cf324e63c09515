"""Regression tests of the rater service's defences found by the reliability suite (tests/reliability)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.studies import to_trials

from annotation_app.rate_limit import NewRaterLimit
from annotation_app.rater_service import Answer, RaterService, TooManyNewRaters, clean_reason
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


def test_new_raters_per_client_are_limited_and_resuming_is_not(tmp_path, study, clock):
    limit = NewRaterLimit(3, window_s=3600)
    service = RaterService(study, Store(tmp_path / "db.sqlite"), tmp_path / "cache", clock=clock, new_rater_limit=limit)
    try:
        tokens = [service.enter(prolific_pid=f"pid{i}", client="10.1.1.1").rater_token for i in range(3)]
        with pytest.raises(TooManyNewRaters, match="Too many new participants have joined from your network"):
            service.enter(prolific_pid="pid3", client="10.1.1.1")
        with pytest.raises(TooManyNewRaters):
            service.enter(typed_id="typed-one", client="10.1.1.1")
        # resuming (same id or token) never counts; other addresses and unknown addresses are not affected
        assert service.enter(prolific_pid="pid0", client="10.1.1.1").rater_token == tokens[0]
        assert service.enter(rater_token=tokens[1], client="10.1.1.1").rater_token == tokens[1]
        service.enter(prolific_pid="pid4", client="10.2.2.2")
        service.enter(prolific_pid="pid5")
        assert service.store.count("raters") == 5
        clock.advance(3601)
        service.enter(prolific_pid="pid3", client="10.1.1.1")
        assert service.store.count("raters") == 6
    finally:
        service.store.close()


def test_new_rater_limit_window_and_memory_bound():
    limit = NewRaterLimit(2, window_s=10, max_clients=3)
    assert [limit.allow("a", now=t) for t in (0, 1, 2, 9)] == [True, True, False, False]
    assert limit.allow("a", now=10.5) is True  # the first stamp left the window
    assert NewRaterLimit(0).allow("a", now=0) and not NewRaterLimit(0).enabled
    for client in ("b", "c", "d"):
        limit.allow(client, now=11)
    assert "a" not in limit._seen and len(limit._seen) == 3


def test_new_rater_limit_survives_a_restart_and_is_shared_by_processes(tmp_path, study, clock):
    """The counts live in the study's database: a new service on the same file (a restart, or a second server
    process) still refuses the address until the window has passed."""
    db = tmp_path / "db.sqlite"

    def service():
        return RaterService(study, Store(db), tmp_path / "cache", clock=clock, new_rater_limit=NewRaterLimit(2))

    first = service()
    first.enter(prolific_pid="pid0", client="10.3.3.3")
    first.store.close()
    second = service()  # restarted
    third = service()  # another process on the same file
    try:
        second.enter(prolific_pid="pid1", client="10.3.3.3")
        with pytest.raises(TooManyNewRaters):
            third.enter(prolific_pid="pid2", client="10.3.3.3")
        with pytest.raises(TooManyNewRaters):
            second.enter(prolific_pid="pid2", client="10.3.3.3")
        clock.advance(3601)
        third.enter(prolific_pid="pid2", client="10.3.3.3")
        assert third.store.count("raters") == 3
    finally:
        second.store.close()
        third.store.close()
