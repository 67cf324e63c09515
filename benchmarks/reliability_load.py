"""Load benchmark: N raters (one process each) complete a study on ``humans serve`` over HTTP, beside a no-op floor.

Each rater does what a browser tab does (page, config, ``queue/join`` + SSE per event) and waits the study's
listening floor before each vote. The floor is a tiny Blocks app with one no-op event, served the same way
(FastAPI + uvicorn subprocess on loopback, Gradio's default concurrency of one), called by the same number of
processes with the same pauses. Prints vote latency percentiles and throughput for both, and their ratio; checks
votes in the database = votes acknowledged, no duplicates, no 5xx.

Usage::

    python benchmarks/reliability_load.py --raters 100 --votes 10
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))  # the package before tests/ (tests/annotation_app is not it)

from helpers.reliability_study import CLIP_S, write_study  # noqa: E402
from rater_sim import RaterSpec, percentiles, run_crowd, run_noop_rater  # noqa: E402
from reliability_db import db_rows, vote_rows  # noqa: E402
from server_process import ServerProcess  # noqa: E402


def noop_server(port_file: str) -> None:
    """Serve a one-event Blocks app (``noop``: returns its input) on 127.0.0.1:<free port>; write the URL."""
    import socket

    import fastapi
    import gradio as gr
    import uvicorn

    with gr.Blocks(analytics_enabled=False) as blocks:
        box = gr.Textbox()
        out = gr.Textbox()
        button = gr.Button("go")
        button.click(lambda text: text, box, out, api_name="noop")
    app = gr.mount_gradio_app(fastapi.FastAPI(), blocks, path="/")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    Path(port_file).write_text(f"http://127.0.0.1:{sock.getsockname()[1]}/")
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


def start_noop(folder: Path) -> tuple[subprocess.Popen, str]:
    port_file = folder / "noop.url"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--noop-server", str(port_file)],
        stdout=(folder / "noop.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    for _ in range(900):
        if port_file.exists() and port_file.read_text():
            url = port_file.read_text()
            if ServerProcess._healthy_url(url + "config"):
                return proc, url
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the no-op server did not start")


def summarize(name: str, results: list[dict], wall_s: float) -> dict:
    lat = [x for r in results for x in r["latencies_s"]]
    n = sum(len(r["acked"]) for r in results)
    p = percentiles(lat)
    errors = [r["error"] for r in results if r.get("error")]
    fivexx = sum(v for r in results for k, v in r.get("statuses", {}).items() if k.startswith("5"))
    print(
        f"{name:>8}: {n} calls in {wall_s:.1f} s = {n / wall_s:.1f}/s; latency p50 {p[50]:.0f} ms, "
        f"p90 {p[90]:.0f} ms, p99 {p[99]:.0f} ms; errors {len(errors)}; 5xx {fivexx}"
    )
    for e in errors[:5]:
        print("   error:", e)
    return {"n": n, "wall": wall_s, **{f"p{q}": v for q, v in p.items()}, "errors": len(errors), "5xx": fivexx}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=100)
    parser.add_argument("--votes", type=int, default=10, help="votes per rater (one is an attention check)")
    parser.add_argument("--floor", type=float, default=0.05, help="min_listen_fraction of the study")
    parser.add_argument("--think", type=float, default=0.0, help="extra seconds each rater waits before each vote")
    parser.add_argument("--noop-server", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.noop_server:
        noop_server(args.noop_server)
        return

    tmp = Path(tempfile.mkdtemp(prefix="humans-load-"))
    scenarios = max(2, -(-args.votes // 3) + 1)
    root = write_study(
        tmp / "study", scenarios=scenarios, trials_per_rater=args.votes - 1, min_listen_fraction=args.floor
    )
    pause = args.floor * 4 * CLIP_S
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores; study: {scenarios} scenarios")
    server = ServerProcess(root, tmp / "study.sqlite", tmp / "server.log", extra=("--max-new-raters-per-ip", "0"))
    try:
        server.start()
        specs = [
            RaterSpec(server.url, f"bench{i:04d}", str(tmp / f"acks-{i}.jsonl"), args.floor, seed=i, think_s=args.think)
            for i in range(args.raters)
        ]
        start = time.perf_counter()
        results = run_crowd(specs, tmp / "results", timeout_s=1800)
        rater = summarize("humans", results, time.perf_counter() - start)
        acked = sorted(t for r in results for t in r["acked"])
        votes = vote_rows(server.db_path)
        stored = sorted(v["token"] for v in votes)
        lost = len(set(acked) - set(stored))
        dup_pos = len(votes) - len({(v["prolific_pid"], v["phase"], v["position"]) for v in votes})
        print(
            f"   acknowledged {len(acked)}, stored {len(stored)}, lost {lost}, duplicates {dup_pos}, "
            f"finished raters {sum(r['done'] for r in results)}/{args.raters}, "
            f"integrity {db_rows(server.db_path, 'PRAGMA integrity_check')[0]['integrity_check']}"
        )
    finally:
        server.stop()
        server.kill()
    print(f"load average between: {os.getloadavg()}")
    proc, url = start_noop(tmp)
    try:
        specs = [
            RaterSpec(
                url,
                f"noop{i:04d}",
                str(tmp / f"noop-{i}.jsonl"),
                pause,
                max_votes=args.votes,
                seed=i,
                think_s=args.think,
            )
            for i in range(args.raters)
        ]
        start = time.perf_counter()
        results = run_crowd(specs, tmp / "noop-results", timeout_s=1800, worker=run_noop_rater)
        floor = summarize("no-op", results, time.perf_counter() - start)
    finally:
        proc.kill()
        proc.wait()
    print(
        f"ratio humans/no-op: p50 {rater['p50'] / floor['p50']:.2f}x, p90 {rater['p90'] / floor['p90']:.2f}x, "
        f"p99 {rater['p99'] / floor['p99']:.2f}x; throughput {rater['n'] / rater['wall']:.1f} vs "
        f"{floor['n'] / floor['wall']:.1f} calls/s"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
