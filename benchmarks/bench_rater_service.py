"""Latency of the rater service on a large study: issuing the next trial and storing a vote (real SQLite file).

Run: ``python benchmarks/bench_rater_service.py [--models 8] [--scenarios 60] [--raters 50]``. Prints the median
and 95th percentile of ``current_trial`` (which issues a new assignment through the scheduler) and ``submit``, wall
time (fsync included) and the thread's CPU time.
There is no anchor to compare with; the numbers to watch are the per-vote cost as pairs grow (``--scenarios``) and
as votes accumulate (the first and the last tenth of the calls, ``--raters``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# the package first: with only tests/ on the path, annotation_app would be the namespace tests/annotation_app
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.studies import answer_for, gold_preference, make_study

from annotation_app.rater_service import RaterService
from annotation_app.simulate import SimulatedClock
from annotation_app.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=8, help="models in the study")
    parser.add_argument("--scenarios", type=int, default=60, help="scenarios in the study")
    parser.add_argument("--raters", type=int, default=50, help="raters to run, one after another")
    parser.add_argument("--trials", type=int, default=20, help="trials per rater")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = make_study(
            tmp / "study",
            models=tuple(f"model{i}" for i in range(args.models)),
            scenarios=args.scenarios,
            turns=1,
            seconds=0.05,
            targets={"raters_per_pair": 3, "trials_per_rater": args.trials},
        )
        clock = SimulatedClock(0)
        with Store(tmp / "db.sqlite") as store:
            start = time.perf_counter()
            service = RaterService(study, store, tmp / "cache", clock=clock, rng=np.random.default_rng(0))
            init_s = time.perf_counter() - start
            issue, submit, issue_cpu, submit_cpu = [], [], [], []
            for r in range(args.raters):
                token = service.enter(typed_id=f"rater-{r}").rater_token
                service.accept_consent(token)
                service.finish_instructions(token)
                while True:
                    t0, c0 = time.perf_counter(), time.thread_time()
                    trial = service.current_trial(token)
                    issue.append(time.perf_counter() - t0)
                    issue_cpu.append(time.thread_time() - c0)
                    if trial is None:
                        break
                    clock.advance(trial.min_wait_s + 1)
                    kind = store.assignment_by_token(trial.token)["kind"]
                    answer = answer_for(service, gold_preference(service, trial) if kind != "trial" else 1)
                    t0, c0 = time.perf_counter(), time.thread_time()
                    service.submit(token, trial.token, answer)
                    submit.append(time.perf_counter() - t0)
                    submit_cpu.append(time.thread_time() - c0)
        ms = lambda xs, q: 1000 * float(np.quantile(xs, q))  # noqa: E731
        print(f"study: {len(study.pairs)} pairs; service start {init_s:.2f} s; {len(submit)} votes")
        for name, wall, cpu in (("current_trial", issue, issue_cpu), ("submit", submit, submit_cpu)):
            tenth = max(1, len(cpu) // 10)
            print(
                f"{name + ':':14s} median {ms(wall, 0.5):.2f} ms, p95 {ms(wall, 0.95):.2f} ms; "
                f"CPU median {ms(cpu, 0.5):.2f} ms, mean {1000 * float(np.mean(cpu)):.2f} ms; "
                f"CPU median of the first tenth of calls {ms(cpu[:tenth], 0.5):.2f} ms, "
                f"of the last tenth {ms(cpu[-tenth:], 0.5):.2f} ms"
            )


if __name__ == "__main__":
    main()
