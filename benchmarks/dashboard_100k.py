"""The admin dashboard's refresh at about 100,000 trial votes: first refresh, nothing changed, after 10 new votes.

Builds the 6-model study of ``export_10k.py``, fills a base database with simulated raters through the rater
service (``annotation_app.simulate.simulate``), then copies its raters with their assignments, votes, Likert
values and attention results (new ids, tokens and external ids) in one transaction until the database holds
TARGET trial votes: a benchmark shortcut, not the app's write path. "New votes" are 10 copied trial votes of a
new rater, written the same way. Both databases are kept between runs.

Measured in one run, on one database: "before" is :class:`DashboardCache` with ``wait_s=None`` (every refresh
after a change recomputes the full snapshot, the behaviour before the background recomputation), "after" is
``wait_s=0.5`` as the admin app uses it ("first": the first refresh, which shows the current progress while the
leaderboard is computed; "first complete": until the leaderboard is ready). Run::

    nice -n 10 .venv/bin/python benchmarks/dashboard_100k.py [WORK_DIR] [TARGET]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from export_10k import make_study

from annotation_app.dashboard_cache import DashboardCache
from annotation_app.simulate import simulate
from annotation_app.store import Store
from annotation_app.ui.admin_views import render

BASE_RATERS = 1000
ROUNDS = 3
#: Column -> the table whose id offset it takes, for the copied rows.
ID_OF = {"rater_id": "raters", "assignment_id": "assignments", "vote_id": "votes"}
UNIQUE_TEXT = {"token", "external_id"}
COPIED = ("raters", "assignments", "votes", "likert", "attention")


def _columns(store: Store, table: str) -> list[str]:
    return [r["name"] for r in store._rows(f"PRAGMA table_info({table})")]


def copy_raters(store: Store, copies: int, where: str = "", tag: str = "c") -> None:
    """Copy raters (``where`` filters ``raters``) with their rows, ``copies`` times, in one transaction."""
    with store._write() as db:
        last = db.execute("SELECT MAX(id) FROM raters").fetchone()[0]
        for c in range(1, copies + 1):
            offset = {t: db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in COPIED}
            raters = f"SELECT id FROM raters {where or 'WHERE 1'} AND id <= {last}"  # never the copies
            for table in COPIED:
                cols = _columns(store, table)
                exprs = []
                for col in cols:
                    if col == "id":
                        exprs.append(f"id + {offset[table]}")
                    elif col in ID_OF:
                        exprs.append(f"{col} + {offset[ID_OF[col]]}")
                    elif col in UNIQUE_TEXT:
                        exprs.append(f"{col} || '-{tag}{c}-' || {offset['raters']}")
                    else:
                        exprs.append(col)
                owner = "id" if table == "raters" else "rater_id"
                db.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table} "
                    f"WHERE {owner} IN ({raters}) ORDER BY id"
                )


def build(work: Path, target: int) -> Path:
    """The TARGET-vote database (built once)."""
    study = make_study(work / "study")
    base, big = work / "base.sqlite", work / f"study-{target}.sqlite"
    if not base.is_file():
        start = time.perf_counter()
        result = simulate(study, raters=BASE_RATERS, careless=0.1, seed=0, db=base)
        print(f"simulated {result.raters} raters, {result.votes} votes in {time.perf_counter() - start:.0f} s")
    if not big.is_file():
        with Store(base) as store:
            trial = store._one("SELECT COUNT(*) AS n FROM votes WHERE kind = 'trial'")["n"]
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(base, big)
        start = time.perf_counter()
        with Store(big) as store:
            copy_raters(store, max(0, round(target / trial) - 1))
        print(f"copied the base database to {big.name} in {time.perf_counter() - start:.1f} s")
    return big


def add_votes(store: Store, n: int = 10) -> None:
    """A new rater with ``n`` trial votes (copied from one finished rater with at least n)."""
    rater = store._one(
        "SELECT rater_id FROM votes WHERE kind = 'trial' GROUP BY rater_id HAVING COUNT(*) >= ? "
        "ORDER BY rater_id LIMIT 1",
        [n],
    )["rater_id"]
    copy_raters(store, 1, f"WHERE id = {rater}", tag=f"new{time.perf_counter_ns()}")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(store: Store, wait_s: float | None) -> dict[str, float]:
    """Median seconds of a refresh (snapshot and rendering) in the three situations."""
    cache = DashboardCache(store, render=render, wait_s=wait_s)
    out = {"first": timed(cache.rendered)}  # "after": the progress-only page (pending_snapshot)
    out["first complete"] = out["first"] + timed(cache.wait)  # until the page can show the leaderboard
    out["unchanged"] = statistics.median(timed(cache.rendered) for _ in range(20))
    after, fresh = [], []
    for _ in range(ROUNDS):
        cache.wait()
        time.sleep(cache.last_compute_s or 0.0)  # past the pause after a computation
        add_votes(store)
        after.append(timed(cache.rendered))
        stale = cache.snapshot().as_of_votes is not None
        fresh.append(after[-1] + (timed(cache.wait) if stale else 0.0))
    out["after 10 votes"] = statistics.median(after)
    out["until fresh"] = statistics.median(fresh)
    out["full compute"] = cache.last_compute_s or 0.0
    return out


def main(work: Path, target: int) -> None:
    db = build(work, target)
    with Store(db) as store:
        n = store._one("SELECT COUNT(*) AS n FROM votes WHERE kind = 'trial'")["n"]
        print(f"{db}: {n} trial votes; uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout}")
        before = measure(store, None)
        after = measure(store, 0.5)
    print(f"{'refresh (s, median)':<22} {'before':>9} {'after':>9} {'after/before':>13}")
    for name in before:
        print(f"{name:<22} {before[name]:9.3f} {after[name]:9.3f} {after[name] / before[name]:13.3f}")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/humans-dashboard-bench"),
        int(sys.argv[2]) if len(sys.argv) > 2 else 100_000,
    )
