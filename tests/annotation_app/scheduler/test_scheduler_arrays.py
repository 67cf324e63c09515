"""The scheduler's array path chooses exactly what the rule says: compared with a direct transcription of the rule
(sort every unseen pair by live coverage, other active raters who could still take it, model-pair coverage,
scenario coverage, a random draw) on real databases with raters mid-study, for both modes."""

from __future__ import annotations

import contextlib
from collections import Counter

import numpy as np
import pytest

from annotation_app.rater_service import RaterService
from annotation_app.rater_views import Answer
from annotation_app.scheduler import Scheduler
from annotation_app.scheduler.scheduler import lexmin
from annotation_app.store import Store
from annotation_app.store.store import SchedulingReader


@contextlib.contextmanager
def mid_study(tmp_path, study, seed: int, raters: int, votes, answer, leave_open: bool):
    """A real store where ``raters`` raters are mid-study, and the issuing transaction's view of it: yields
    ``(reader, rater_ids)``. Rater ``r`` voted ``votes(r)`` times with ``answer(r)`` (fewer when nothing was left)
    and, when ``leave_open``, holds one more trial open."""
    clock = [1000.0]
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(
            study, store, tmp_path / "cache", clock=lambda: clock[0], rng=np.random.default_rng(seed)
        )
        tokens = []
        for r in range(raters):
            token = service.enter(typed_id=f"rater-{r}").rater_token
            service.accept_consent(token)
            service.finish_instructions(token)
            for _ in range(votes(r)):
                trial = service.current_trial(token)
                if trial is None:
                    break
                clock[0] += 1
                service.submit(token, trial.token, answer(r))
            if leave_open:
                service.current_trial(token)
            tokens.append(token)
        rater_ids = [store.rater_by_token(token)["id"] for token in tokens]
        with store._write() as db:  # the issuing transaction's view (choosing only reads)
            yield SchedulingReader(db, expire_before=0.0), rater_ids


def reference_choice(reader: SchedulingReader, rater_id: int, rng, mode: str, target: int, closeness) -> dict | None:
    """The rule written out over dicts (what the scheduler did before it kept the pairs in arrays)."""
    seen, _ = reader.seen(rater_id)
    pairs = reader.pairs("trial")
    candidates = [p for p in pairs if p["id"] not in seen]
    if not candidates:
        return None
    model_cov: Counter = Counter()
    scenario_cov: Counter = Counter()
    for p in pairs:
        model_cov[(p["model_a"], p["model_b"])] += p["n"]
        scenario_cov[p["scenario_id"]] += p["n"]
    takers = reader.takers(rater_id)
    ties = rng.random(len(candidates))
    order = []
    for p, tie in zip(candidates, ties, strict=True):
        key = (p["model_a"], p["model_b"])
        balanced = (p["n"], takers.get(p["id"], 0), model_cov[key], scenario_cov[p["scenario_id"]], tie)
        if mode == "active":
            balanced = (p["n"] >= target, closeness.get(key, 0.0), *balanced)
        order.append((balanced, p))
    return min(order, key=lambda item: item[0])[1]


@pytest.mark.parametrize("mode", ["balanced", "active"])
def test_array_path_matches_the_rule_mid_study(tmp_path, study_factory, mode):
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel", "wombatmodel"),
        scenarios=6,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 8, "scheduling": mode},
        quality={"attention_checks": 0, "practice_trials": 0, "min_listen_fraction": 0.0},
    )
    # raters at different points: some with open trials, some with votes
    compared = 0
    raters = mid_study(
        tmp_path,
        study,
        seed=1,
        raters=9,
        votes=lambda r: r % 4,
        answer=lambda r: Answer(preference=r % 3 - 1, client_tz_offset_min=0),
        leave_open=True,
    )
    with raters as (reader, rater_ids):
        for rater_id in rater_ids:
            for seed in range(5):
                scheduler = Scheduler(target=2, likert_only=False, rng=np.random.default_rng(seed), mode=mode)
                closeness = scheduler._closeness(reader) if mode == "active" else {}
                chosen = scheduler.choose(reader, rater_id, "trial")
                expected = reference_choice(reader, rater_id, np.random.default_rng(seed), mode, 2, closeness)
                assert (chosen is None) == (expected is None)
                if chosen is not None:
                    assert chosen["pair_id"] == expected["id"]
                    assert {chosen["left_conversation_id"], chosen["right_conversation_id"]} == {
                        expected["conv_a"],
                        expected["conv_b"],
                    }
                    compared += 1
    assert compared >= 40


def test_active_mode_fits_the_scores_again_only_when_the_vote_counts_changed(tmp_path, study_factory):
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel"),
        scenarios=4,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 4, "scheduling": "active"},
        quality={"attention_checks": 0, "practice_trials": 0, "min_listen_fraction": 0.0},
    )
    fitted: list[list[dict]] = []

    def scores(rows):
        rows = list(rows)
        fitted.append(rows)
        return {r["model_a"]: (float(r["wins_a"] or 0), 1.0) for r in rows}

    clock = [1000.0]
    with Store(tmp_path / "db.sqlite") as store:
        service = RaterService(
            study, store, tmp_path / "cache", clock=lambda: clock[0], rng=np.random.default_rng(2), scores=scores
        )
        tokens = []
        for r in range(3):  # three trials issued, no vote yet: one fit on the (empty) counts
            token = service.enter(typed_id=f"rater-{r}").rater_token
            service.accept_consent(token)
            service.finish_instructions(token)
            tokens.append((token, service.current_trial(token)))
        assert len(fitted) == 1
        token, trial = tokens[0]
        clock[0] += 1
        service.submit(token, trial.token, Answer(preference=-1, client_tz_offset_min=0))
        service.current_trial(token)  # a vote changed the counts: fitted again, on them
        assert len(fitted) == 2 and sum(int(r["wins_a"] or 0) + int(r["wins_b"] or 0) for r in fitted[1]) == 1


@pytest.mark.parametrize("seed", range(30))
def test_lexmin_is_the_first_of_a_stable_lexicographic_sort(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 60))
    keys = [rng.integers(0, 3, size), rng.integers(0, 2, size) > 0, rng.integers(0, 4, size).astype(float)]
    assert lexmin(keys) == int(np.lexsort(keys[::-1])[0])


def test_gold_items_follow_the_rule_mid_study(tmp_path, study_factory):
    """Attention checks and practice draw the unseen gold pair with the fewest live assignments, ties at random
    (compared with the rule written over the store's dicts, on a database where raters have had gold items)."""
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel"),
        scenarios=6,
        turns=1,
        targets={"raters_per_pair": 2, "trials_per_rater": 6},
        quality={"attention_checks": 2, "practice_trials": 1, "min_listen_fraction": 0.0},
    )
    compared = 0
    raters = mid_study(
        tmp_path,
        study,
        seed=3,
        raters=9,
        votes=lambda r: r % 3,
        answer=lambda r: Answer(preference=-1, client_tz_offset_min=0),
        leave_open=False,
    )
    with raters as (reader, rater_ids):
        for rater_id in rater_ids:
            seen, _ = reader.seen(rater_id)
            for seed in range(4):
                chosen = Scheduler(target=2, likert_only=False, rng=np.random.default_rng(seed))._gold_pair(
                    reader, seen, "attention"
                )
                candidates = [p for p in reader.pairs("gold") if p["id"] not in seen]
                ties = np.random.default_rng(seed).random(len(candidates))
                expected = min(zip(candidates, ties, strict=True), key=lambda item: (item[0]["n"], item[1]))[0]
                assert chosen["pair_id"] == expected["id"] and chosen["kind"] == "attention"
                assert {chosen["left_conversation_id"], chosen["right_conversation_id"]} == {
                    expected["conv_a"],
                    expected["conv_b"],
                }
                compared += 1
        assert len({p["n"] for p in reader.pairs("gold")}) > 1  # the counts differ: the rule had work to do
    assert compared == 36


def test_likert_only_choice_follows_the_rule_mid_study(tmp_path, study_factory):
    """Likert-only studies: the unseen conversation of the class with the fewest live assignments, then the
    least-covered model and scenario of the class, ties at random (the rule written over the store's dicts)."""
    study = study_factory(
        models=("zebramodel", "yakmodel", "xerusmodel"),
        scenarios=5,
        turns=1,
        rating={"scheme": "likert"},
        targets={"raters_per_pair": 2, "trials_per_rater": 5},
        quality={"attention_checks": 1, "practice_trials": 0, "min_listen_fraction": 0.0},
    )
    compared = 0
    raters = mid_study(
        tmp_path,
        study,
        seed=5,
        raters=8,
        votes=lambda r: r % 4,
        answer=lambda r: Answer(likert_left=1 + r % 5, client_tz_offset_min=0),
        leave_open=True,
    )
    with raters as (reader, rater_ids):
        for rater_id in rater_ids:
            _, seen = reader.seen(rater_id)
            for gold, kind in ((False, "trial"), (True, "attention")):
                convs = reader.conversations(gold_bad=gold)
                model_cov: Counter = Counter()
                scenario_cov: Counter = Counter()
                for c in convs:
                    model_cov[c["model_id"]] += c["n"]
                    scenario_cov[c["scenario_id"]] += c["n"]
                for seed in range(3):
                    scheduler = Scheduler(target=2, likert_only=True, rng=np.random.default_rng(seed))
                    chosen = scheduler._conversation(reader, seen, kind, gold=gold)
                    candidates = [c for c in convs if c["id"] not in seen]
                    ties = np.random.default_rng(seed).random(len(candidates))
                    expected = min(
                        zip(candidates, ties, strict=True),
                        key=lambda item: (
                            item[0]["n"],
                            model_cov[item[0]["model_id"]],
                            scenario_cov[item[0]["scenario_id"]],
                            item[1],
                        ),
                    )[0]
                    assert chosen == {
                        "kind": kind,
                        "conversation_id": expected["id"],
                        "left_conversation_id": expected["id"],
                    }
                    compared += 1
        assert len({c["n"] for c in reader.conversations(gold_bad=False)}) > 1  # the counts differ
    assert compared == 48
