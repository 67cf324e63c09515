"""Fixtures of the export and dashboard tests: study databases filled by simulated raters (the simulate API)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers.studies import MODELS, make_study

from annotation_app.rater_service import RaterService
from annotation_app.simulate import SimulatedClock, simulate_raters
from annotation_app.store import Store

#: Schemes and their rating options.
SCHEMES = {
    "pairwise": {"scheme": "pairwise", "preference_points": 3},
    "pairwise+likert": {"scheme": "pairwise+likert", "preference_points": 5, "likert_points": 7},
    "likert": {"scheme": "likert", "likert_points": 5},
}


def simulated_db(root: Path, scheme: str = "pairwise", *, raters: int = 16, careless: float = 0.25, seed: int = 3):
    """A study folder under ``root`` and ``root/study.sqlite`` filled by ``raters`` simulated raters."""
    study = make_study(
        root / "study",
        models=MODELS,
        scenarios=4,
        turns=1,
        seconds=0.2,
        gold_bad=True,
        rating=SCHEMES[scheme],
        targets={"raters_per_pair": 2, "trials_per_rater": 6},
        quality={"attention_checks": 1, "practice_trials": 1},
        title=f"Export test ({scheme})",
    )
    db = root / "study.sqlite"
    clock = SimulatedClock(start=1_800_000_000.0)
    with Store(db) as store:
        service = RaterService(study, store, root / "cache", clock=clock, rng=np.random.default_rng(seed + 1))
        simulate_raters(service, clock, raters, careless=careless, seed=seed)
    return db


@pytest.fixture(scope="session")
def simulated_dbs(tmp_path_factory):
    """Scheme -> a read-only simulated database (built once per session; copy it before changing it)."""
    built: dict[str, Path] = {}

    def get(scheme: str = "pairwise") -> Path:
        if scheme not in built:
            built[scheme] = simulated_db(tmp_path_factory.mktemp(scheme.replace("+", "_")), scheme)
        return built[scheme]

    return get


@pytest.fixture
def db_copy(simulated_dbs, tmp_path):
    """``db_copy(scheme)``: a private copy of a simulated database that a test may change."""

    def copy(scheme: str = "pairwise") -> Path:
        target = tmp_path / f"{scheme.replace('+', '_')}.sqlite"
        shutil.copy(simulated_dbs(scheme), target)
        return target

    return copy
