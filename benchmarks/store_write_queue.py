"""Tail latency of concurrent rater steps on one SQLite file: SQLite's busy handler alone (the anchor) versus the
store's writer queue (:mod:`annotation_app.store.writer_queue`).

``--processes`` processes (as ``humans serve --workers``) each run ``--threads`` threads (Gradio's thread pool is
40) on one database; every thread plays raters one after another: enter, consent, instructions, then
``current_trial`` and ``submit`` with exponential pauses whose mean gives ``--rate`` rater steps per second over
all processes. The same study and load run once per mode on a fresh database. Prints p50 / p90 / p99 / max of a
step per mode and the ratio of the queue's to the anchor's. Run::

    .venv/bin/python benchmarks/store_write_queue.py [--processes 2] [--threads 40] [--rate 60] [--seconds 40]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package before tests/
from helpers.studies import answer_for, make_study

from annotation_app.rater_service import RaterService
from annotation_app.store import Store


def run_process(study, db: str, queue: bool, threads: int, pause_s: float, until: float, tag: int, out):
    """One server-like process: ``threads`` threads of raters; puts its step latencies (seconds) on ``out``."""
    store = Store(db, queue_writers=queue)
    service = RaterService(study, store, Path(db).parent / f"cache{tag}", rng=np.random.default_rng(tag))
    latencies: list[float] = []
    lock = threading.Lock()

    def rater_loop(k: int) -> None:
        rng = np.random.default_rng(1000 * tag + k)
        mine: list[float] = []
        n = 0
        while time.time() < until:
            token = service.enter(typed_id=f"p{tag}t{k}r{n}").rater_token
            n += 1
            service.accept_consent(token)
            service.finish_instructions(token)
            while time.time() < until:
                time.sleep(rng.exponential(pause_s))
                t0 = time.perf_counter()
                trial = service.current_trial(token)
                mine.append(time.perf_counter() - t0)
                if trial is None:
                    break
                time.sleep(max(trial.min_wait_s, rng.exponential(pause_s)))
                t0 = time.perf_counter()
                service.submit(token, trial.token, answer_for(service, 1))
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=rater_loop, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    store.close()
    out.put(latencies)


def run_mode(study, queue: bool, args) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "humans.sqlite")
        Store(db).close()  # the schema, before the processes race to create it
        pause_s = args.processes * args.threads / args.rate
        until = time.time() + args.seconds
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        procs = [
            ctx.Process(target=run_process, args=(study, db, queue, args.threads, pause_s, until, p, out))
            for p in range(args.processes)
        ]
        for proc in procs:
            proc.start()
        latencies = [x for _ in procs for x in out.get()]
        for proc in procs:
            proc.join()
        return np.array(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--rate", type=float, default=60.0, help="rater steps per second over all processes")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each mode's run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        study = make_study(
            Path(tmp) / "study",
            models=tuple(f"model{i}" for i in range(8)),
            scenarios=60,
            turns=1,
            seconds=0.05,
            quality={"min_listen_fraction": 0.0, "attention_checks": 0, "practice_trials": 0},
            targets={"raters_per_pair": 3, "trials_per_rater": 10},
        )
        results = {}
        for name, queue in (("busy handler (anchor)", False), ("writer queue", True)):
            ms = run_mode(study, queue, args)
            q = np.percentile(ms, [50, 90, 99])
            results[name] = q
            print(
                f"{name:<22} steps {len(ms):6d} ({len(ms) / args.seconds:5.1f}/s)  p50 {q[0]:7.1f}  p90 {q[1]:7.1f}"
                f"  p99 {q[2]:7.1f}  max {ms.max():7.1f} ms",
                flush=True,
            )
        anchor, ours = results["busy handler (anchor)"], results["writer queue"]
        print(
            f"queue / anchor: p50 {ours[0] / anchor[0]:.2f}x  p90 {ours[1] / anchor[1]:.2f}x  "
            f"p99 {ours[2] / anchor[2]:.2f}x"
        )


if __name__ == "__main__":
    main()
