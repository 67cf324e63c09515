"""Scale with gaps: ``humans select`` on 4,000 models × 30,000 items (simulated 2PL, 10 % of scores missing).

Budget (issue 14): ``--sizes 50,100 --cv kfold`` under 5 minutes and under 4 GB peak memory on 2 cores. The data
are simulated from a 2PL with ten tasks of 3,000 items (abilities per task correlated 0.6), 10 % of cells blanked
at random, written as ten wide CSVs with empty cells, and read by the command like any user's folder.

Measured: wall time of the command and the peak of the summed resident memory of its process tree (the command and
its loky workers; shared pages count once per process, so the sum is an upper bound), sampled every 0.2 s from
/proc. Printed next to the budget as ratios, with the anchor the budget names (the same command's time and memory
limits), and the load of the machine.

Also printed: the CPU time (user + sys) of the command and its workers, a fairer measure on a shared machine (CPU
time / cores is a lower bound of the wall time on idle cores).

Run: ``.venv/bin/python benchmarks/bench_missing_scale.py [--models 4000 --items 30000 --methods auto --data DIR
--out DIR]``.

Measured (2 December 2026, 2 shared cores, ``--methods auto``), peak memory 2.46-2.95 GB in every run:

* the 2PL fit in float32 blocks built once per fit, irt_fisher's greedy design per task (HEAD): 340 s wall at load
  4.1, 452 s CPU (226 s per core: ratio 0.75 to the budget on idle cores), 2.75 GB; a run at load 8.3 took 920 s
  wall and 524 s CPU. auto chose irt_fisher/gpirt in every fold at 50 items and in 4 of 5 at 100 (irt_fisher/pirt
  in one): MAE 0.021 and 0.016, Pearson 0.981 and 0.990 at 50 and 100 items;
* before that, auto's inner subsample kept enough models for one 2PL ability per task: 678 s wall at load 4.1, 853 s
  CPU (426 s per core: over budget); auto chose irt_fisher/gpirt in every fold, MAE 0.015, Pearson 0.990 at 100;
* with a 400-model inner subsample (the IRT candidates then fitted a pooled ability and lost): 469 s wall at load
  9.8, 233 s CPU (117 s per core); auto chose lasso/calibrated, MAE 0.022, Pearson 0.977 at 100 items;
* ``--methods random,irt_fisher``: 658 s wall at load 7.4, 447 s CPU, 2.95 GB; irt_fisher Pearson 0.990 at 100.

Before (float64 copies, pandas CSV path, loky workers with their own copies, nested CV on all training models and
items): killed after 27 minutes at 3.4 GB + 2 × 4.4 GB. Where the CPU time went before HEAD: the task-wise 2PL fit of
every training set (per task 3,200 × 3,000: 2.2 s, now 0.88 s with float32 blocks, parameters within 4e-7) and
irt_fisher's greedy design over 200 models × 30,000 columns (4.3 s at 15,000 columns, now 0.87 s, same path), for
five outer folds and the subset file; auto's inner cross-validation (625 models × 1,920 items, 24 candidates × 2
sizes × 5 inner folds) costs about 9 s CPU per outer fold.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.special import expit

BUDGET_SECONDS = 300.0
BUDGET_BYTES = 4 * 1024**3


def _write_data(folder: Path, n_models: int, n_items: int, n_tasks: int, missing: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cov = np.full((n_tasks, n_tasks), 0.6) + 0.4 * np.eye(n_tasks)
    theta = rng.multivariate_normal(np.zeros(n_tasks), cov, size=n_models)
    per_task = n_items // n_tasks
    models = np.array([f"model{m}" for m in range(n_models)])
    for t in range(n_tasks):
        a, d = rng.lognormal(0.0, 0.4, per_task), rng.normal(0.0, 1.5, per_task)
        y = (rng.random((n_models, per_task)) < expit(np.outer(theta[:, t], a) + d)).astype(np.uint8)
        cells = np.where(rng.random(y.shape) < missing, "", np.where(y == 1, "1", "0"))
        header = "model," + ",".join(f"t{t}_{j}" for j in range(per_task))
        lines = [header] + [f"{models[m]}," + ",".join(cells[m]) for m in range(n_models)]
        (folder / f"task{t}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tree_rss(pid: int, cpu: dict[int, float]) -> int:
    """Summed VmRSS (bytes) of ``pid`` and its descendants, from /proc; records each one's CPU seconds in ``cpu``."""
    total, stack = 0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime of the process itself
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=4000, help="number of models")
    parser.add_argument("--items", type=int, default=30000, help="number of items (ten tasks)")
    parser.add_argument("--missing", type=float, default=0.1, help="share of scores left out")
    parser.add_argument("--methods", default="auto", help="methods passed to humans select")
    parser.add_argument("--data", type=Path, help="an existing folder of wide CSVs to use instead of simulating")
    parser.add_argument("--jobs", type=int, default=2, help="processes passed to humans select")
    parser.add_argument("--out", type=Path, help="keep the command's output folder here (default: a temporary one)")
    args = parser.parse_args()
    humans = Path(sys.executable).parent / "humans"
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp) / "items"
        if args.data is None:
            folder.mkdir()
            start = time.perf_counter()
            _write_data(folder, args.models, args.items, 10, args.missing, seed=0)
            print(
                f"wrote {args.models} x {args.items} ({args.missing:.0%} missing) "
                f"in {time.perf_counter() - start:.0f} s"
            )
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        cmd = [str(humans), "select", str(folder), "--methods", args.methods, "--sizes", "50,100", "--cv", "kfold",
               "--seeds", "1", "--jobs", str(args.jobs), "--out", str(args.out or Path(tmp) / "out")]  # fmt: skip
        start = time.perf_counter()
        log = open(Path(tmp) / "stdout.txt", "w+", encoding="utf-8")  # noqa: SIM115 - read back below
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, text=True)
        peak, loads, status, usage, seen = 0, [], None, None, {}
        while status is None:
            peak = max(peak, _tree_rss(proc.pid, seen))
            loads.append(os.getloadavg()[0])
            pid, code, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = os.waitstatus_to_exitcode(code), ru
            else:
                time.sleep(0.2)
        took = time.perf_counter() - start
        log.seek(0)
        out = log.read()
        if status != 0:
            raise SystemExit(f"humans select failed (exit {status}):\n{out}")
        print(out.strip())
        # the command with the workers it waited for, or the sum of every process's last sampled CPU time
        cpu = max(usage.ru_utime + usage.ru_stime, sum(seen.values()))
        print(f"humans select --methods {args.methods} --sizes 50,100 --cv kfold --jobs {args.jobs}:")
        print(f"  time {took:.0f} s; budget {BUDGET_SECONDS:.0f} s; ratio {took / BUDGET_SECONDS:.2f}")
        print(
            f"  CPU time (user+sys, process tree) {cpu:.0f} s; / {args.jobs} cores = {cpu / args.jobs:.0f} s, "
            f"ratio to budget {cpu / args.jobs / BUDGET_SECONDS:.2f} (a lower bound of wall time on idle cores)"
        )
        print(f"  peak memory {peak / 1024**3:.2f} GB; budget 4 GB; ratio {peak / BUDGET_BYTES:.2f}")
        print(f"load average during: mean {np.mean(loads):.2f}, max {max(loads):.2f}; after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
