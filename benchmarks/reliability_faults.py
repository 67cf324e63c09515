"""Fault benchmark: N raters × V votes on ``humans serve`` while the server is killed with SIGKILL K times.

After each kill the server is restarted on the same port; raters wait, reopen the page and re-enter with their
kept token. Prints acknowledged vs stored votes (lost = acknowledged but not stored; must be 0), duplicates
(two votes for one rater position or one rater pair; must be 0), votes stored but never acknowledged (in flight
at a kill), resume positions, restart times and ``PRAGMA integrity_check``.

Usage::

    python benchmarks/reliability_faults.py --raters 200 --votes 20 --kills 5
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))  # the package before tests/ (tests/annotation_app is not it)

from fault_driver import KillAtVotes  # noqa: E402
from helpers.reliability_study import write_study  # noqa: E402
from rater_sim import RaterSpec, percentiles, run_crowd  # noqa: E402
from reliability_db import db_rows, vote_rows  # noqa: E402
from server_process import ServerProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=200)
    parser.add_argument("--votes", type=int, default=20, help="votes per rater (one is an attention check)")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--floor", type=float, default=0.05, help="min_listen_fraction of the study")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="humans-faults-"))
    scenarios = max(2, -(-args.votes // 3) + 1)
    root = write_study(
        tmp / "study", scenarios=scenarios, trials_per_rater=args.votes - 1, min_listen_fraction=args.floor
    )
    total = args.raters * args.votes
    thresholds = [round(total * (k + 1) / (args.kills + 1)) for k in range(args.kills)]
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores; kills at {thresholds} acknowledged votes")
    acks = tmp / "acks"
    acks.mkdir()
    server = ServerProcess(root, tmp / "study.sqlite", tmp / "server.log", extra=("--max-new-raters-per-ip", "0"))
    restarts: list[float] = []
    try:
        server.start()
        killer = KillAtVotes(server, acks, thresholds)
        original_start = server.start

        def timed_start(*a, **k):
            t = time.perf_counter()
            url = original_start(*a, **k)
            restarts.append(time.perf_counter() - t)
            return url

        server.start = timed_start
        specs = [
            RaterSpec(server.url, f"fault{i:04d}", str(acks / f"acks-{i}.jsonl"), args.floor, seed=i, down_wait_s=600)
            for i in range(args.raters)
        ]
        start = time.perf_counter()
        results = run_crowd(specs, tmp / "results", timeout_s=3600, on_tick=killer)
        wall = time.perf_counter() - start
        votes = vote_rows(server.db_path)
        integrity = db_rows(server.db_path, "PRAGMA integrity_check")[0]["integrity_check"]
        fk = db_rows(server.db_path, "PRAGMA foreign_key_check")
    finally:
        server.stop()
        server.kill()

    acked = [t for r in results for t in r["acked"]]
    stored = {v["token"] for v in votes}
    lost = [t for t in acked if t not in stored]
    dup_positions = len(votes) - len({(v["prolific_pid"], v["phase"], v["position"]) for v in votes})
    dup_pairs = len(votes) - len({(v["prolific_pid"], v["pair_id"]) for v in votes})
    resumes = [x for r in results for x in r["resumes"]]
    bad_resumes = [(s, a) for s, a in resumes if not (s in (a + 1, a + 2) or (s == -1 and a >= args.votes - 1))]
    errors = [r["error"] for r in results if r.get("error")]
    fivexx = sum(v for r in results for k, v in r.get("statuses", {}).items() if k.startswith("5"))
    p = percentiles([x for r in results for x in r["latencies_s"]])
    print(f"kills done at {killer.kills} acknowledged votes; restart times {[round(t, 1) for t in restarts]} s")
    print(
        f"raters finished {sum(r['done'] for r in results)}/{args.raters}; errors {len(errors)}; 5xx {fivexx}; "
        f"outages seen by raters {sum(r['outages'] for r in results)}; wall {wall:.0f} s"
    )
    for e in errors[:5]:
        print("   error:", e)
    print(
        f"acknowledged {len(acked)}, stored {len(votes)} (expected {total}), LOST {len(lost)}, "
        f"DUPLICATED positions {dup_positions} / pairs {dup_pairs}, stored but unacknowledged "
        f"{len(stored - set(acked))}"
    )
    print(f"resumes {len(resumes)}, at a wrong position {len(bad_resumes)}; integrity_check {integrity}; fk {fk}")
    print(f"vote latency p50 {p[50]:.0f} ms, p90 {p[90]:.0f} ms, p99 {p[99]:.0f} ms (outages excluded)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
