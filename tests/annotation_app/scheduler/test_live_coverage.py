"""The scheduler's kept coverage counts (done assignments added vote by vote, open ones read on every call) equal
the full count over every assignment, through votes, expiry and revival, and never keep a vote that a rollback
took back."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.studies import answer_for, to_trials
from numpy.testing import assert_array_equal

from annotation_app.rater_service import RaterService
from annotation_app.rater_views import Answer
from annotation_app.scheduler.tables import ConversationTable, PairTable
from annotation_app.store import Store
from annotation_app.store.store import SchedulingReader

TIMEOUT_S = 60.0


def _study(study_factory, scheme: str = "pairwise"):
    return study_factory(
        rating={"scheme": scheme},
        models=("zebramodel", "yakmodel", "xerusmodel", "wombatmodel"),
        scenarios=5,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 6},
        quality={
            "attention_checks": 1,
            "practice_trials": 0,
            "min_listen_fraction": 0.0,
            "assignment_timeout_minutes": TIMEOUT_S / 60,
        },
    )


def _vote(service: RaterService, token: str, trial) -> None:
    service.submit(token, trial.token, Answer(preference=-1, client_tz_offset_min=0))


def _raters_in_trials(service: RaterService, n: int) -> list[str]:
    """Tokens of ``n`` new raters past the consent and the instructions (these studies have no practice, so
    :func:`to_trials` needs no clock)."""
    return [to_trials(service, None, f"rater-{r}") for r in range(n)]


def _full_conversation_count(reader: SchedulingReader, table: ConversationTable) -> np.ndarray:
    """Live assignments per conversation, counted over every assignment (the store's reference query)."""
    n = np.zeros(table.ids.size)
    for gold in (False, True):
        for row in reader.conversations(gold_bad=gold):
            n[table.rows(np.array([row["id"]]))] = row["n"]
    return n


@pytest.mark.parametrize("scheme", ["pairwise", "likert"])
def test_kept_counts_equal_the_full_count_as_votes_come_and_trials_expire_and_revive(tmp_path, study_factory, scheme):
    clock = [1000.0]
    rng = np.random.default_rng(7)
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(
            _study(study_factory, scheme),
            store,
            tmp_path / "cache",
            clock=lambda: clock[0],
            rng=np.random.default_rng(0),
        )
        tokens = _raters_in_trials(service, 8)
        tables: dict[str, PairTable] = {}  # kept across transactions, as a running scheduler keeps them
        seen_open = seen_expired = 0
        for _ in range(90):
            token = tokens[int(rng.integers(len(tokens)))]
            trial = service.current_trial(token)
            action = int(rng.integers(3))
            if trial is not None and action == 0:
                clock[0] += 1
                service.submit(token, trial.token, answer_for(service, int(rng.integers(-1, 2))))
            elif action == 1:
                clock[0] += TIMEOUT_S + 1  # every open trial expires (a returning rater revives hers)
            with store._write() as db:
                reader = SchedulingReader(db, expire_before=clock[0] - TIMEOUT_S)
                if scheme == "likert":
                    table = tables.setdefault("conversations", ConversationTable(reader.conversation_table()))
                    n, _ = table.live_coverage(reader)
                    assert_array_equal(n, _full_conversation_count(reader, table))
                    seen_open += len(reader.open_conversation_coverage())
                    seen_expired += db.execute("SELECT COUNT(*) FROM assignments WHERE status = 'expired'").fetchone()[
                        0
                    ]
                    continue
                for kind in ("trial", "gold"):
                    table = tables.setdefault(kind, PairTable(reader.pair_table(kind), kind))
                    n, a_left = table.live_coverage(reader)
                    expected_n, expected_left = table.coverage(reader.coverage(kind))
                    assert_array_equal(n, expected_n)
                    assert_array_equal(a_left, expected_left)
                    if kind == "trial":  # active mode's counts of outcomes per model pair
                        full = [{k: v or 0 for k, v in row.items()} for row in reader.vote_counts()]  # SUM: None
                        assert table.model_pair_counts(reader) == full
                    seen_open += len(reader.open_coverage(kind))
                seen_expired += db.execute("SELECT COUNT(*) FROM assignments WHERE status = 'expired'").fetchone()[0]
        if scheme == "likert":  # votes on study and on bad conversations counted
            table = tables["conversations"]
            assert table.done[~table.gold].sum() >= 10 and table.done[table.gold].sum() >= 1
        else:  # votes of both kinds counted
            assert tables["trial"].done.sum() >= 10 and tables["gold"].done.sum() >= 1
            assert tables["trial"].done_a_left.sum() >= 1
            assert (tables["trial"].outcomes.sum(axis=0) >= 1).all()  # wins of either side and ties were counted
        assert seen_open and seen_expired  # open and expired trials were there to count (or not)


def test_votes_of_a_step_that_rolls_back_count_for_that_step_only(tmp_path, study_factory):
    clock = [1000.0]
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(
            _study(study_factory), store, tmp_path / "cache", clock=lambda: clock[0], rng=np.random.default_rng(0)
        )
        (token,) = _raters_in_trials(service, 1)
        trial = service.current_trial(token)
        rater_id = store.rater_by_token(token)["id"]
        kind = "gold" if store.assignment_by_token(trial.token)["kind"] != "trial" else "trial"
        with store._write() as db:
            table = PairTable(SchedulingReader(db, 0.0).pair_table(kind), kind)
        inside: dict = {}

        def choose(reader: SchedulingReader, _now: float) -> None:
            inside["own_votes_from"] = reader.own_votes_from
            inside["counted"] = table.live_coverage(reader)[0].sum()
            return None

        class Refused(Exception):
            pass

        def step() -> None:
            clock[0] += 1
            _vote(service, token, trial)  # joins this transaction
            store.issue_assignment(
                rater_id, "main", 99, choose, now=clock[0], expire_before=clock[0] + 1, token="not-kept"
            )
            raise Refused

        with pytest.raises(Refused):
            store.atomic(step)
        # inside, the step's own vote counted (the open assignment no longer did: expire_before is in the future)
        assert inside == {"own_votes_from": 1, "counted": 1.0}
        assert table.vote_mark == 0 and table.done.sum() == 0  # nothing of it was kept
        with store._write() as db:
            assert table.live_coverage(SchedulingReader(db, expire_before=clock[0] + 1))[0].sum() == 0
        _vote(service, token, trial)  # now for real: committed, then counted and kept
        with store._write() as db:
            assert table.live_coverage(SchedulingReader(db, expire_before=clock[0] + 1))[0].sum() == 1
        assert table.vote_mark > 0 and table.done.sum() == 1


def test_a_vote_and_an_issue_in_one_step_count_the_vote_then_keep_it_once_committed(tmp_path, study_factory):
    clock = [1000.0]
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(
            _study(study_factory), store, tmp_path / "cache", clock=lambda: clock[0], rng=np.random.default_rng(0)
        )
        tokens = _raters_in_trials(service, 3)
        with store._write() as db:
            table = PairTable(SchedulingReader(db, 0.0).pair_table("trial"), "trial")
        marks = []

        def choose(reader: SchedulingReader, _now: float) -> None:  # the check, where the scheduler would choose
            n, a_left = table.live_coverage(reader)
            expected_n, expected_left = table.coverage(reader.coverage("trial"))
            assert_array_equal(n, expected_n)
            assert_array_equal(a_left, expected_left)
            marks.append((reader.own_votes_from, table.vote_mark))
            return None

        for step in range(9):
            token = tokens[step % 3]
            trial = service.current_trial(token)
            clock[0] += 1
            rater_id = store.rater_by_token(token)["id"]

            def vote_then_issue(token=token, trial=trial, rater_id=rater_id, step=step) -> None:
                _vote(service, token, trial)
                store.issue_assignment(rater_id, "main", 100 + step, choose, now=clock[0], expire_before=0.0, token="x")

            store.atomic(vote_then_issue)
        # each step's own vote was counted in its step but kept only after it committed, by the next step
        own = [vote for vote, _ in marks]
        assert own == sorted(own) and len(set(own)) == 9
        assert all(mark == vote - 1 for vote, mark in marks)
        with store._write() as db:
            reader = SchedulingReader(db, expire_before=0.0)
            n, _ = table.live_coverage(reader)
            assert table.vote_mark == reader.last_vote_id() == own[-1]
            assert table.done.sum() == len(reader.votes_since("trial", 0))  # every vote on a trial pair, once
            assert_array_equal(n, table.coverage(reader.coverage("trial"))[0])
