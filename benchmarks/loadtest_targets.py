"""Capacity targets of a launch (issue 15), measured with ``humans loadtest`` against ``humans serve`` and against a
no-op Gradio app served the same way (FastAPI + uvicorn subprocess on loopback: the floor any Gradio app pays).

Three measurements, each printed with the machine's load (``uptime``) because the machine may be shared:

``cost``
    Server CPU per rater event (``/proc/<pid>/stat`` user + system time over the Gradio events the load test
    answered, page loads, assets and audio included) on studies of ``--pairs`` sizes, next to the no-op app's CPU
    per event under the same crowd (same raters, arrivals, think times, trials); the ratio is the target
    (within 1.3x at every size). A second no-op app whose event runs outside Gradio's queue (``queue=False``, the
    path the rater page's events take) gets the same crowd, and the ratio to it is printed beside: what our
    event costs beyond Gradio's cheapest event. Also the server's peak resident memory (VmHWM). Every server
    starts once; ``--rounds N`` sends N crowds (new raters each) to each, alternating the order, and prints each round's
    ratio to that round's no-op and their median: single runs on a shared machine vary by ±15 %.
``burst``
    ``--raters`` raters arriving within ``--arrival-minutes``, voting every ``--think`` s for ``--trials`` trials:
    vote p50/p90/p99, acknowledged votes lost (not in the database), duplicated (two votes for one rater position),
    HTTP 5xx, peak RSS; ``--kills K`` kills the server with SIGKILL K times during the burst and restarts it.
``saturation``
    Everyone at once with no think time beyond the listening floor: events/s answered, for each ``--workers``
    value (``humans serve --workers N``, N processes behind nginx) and the ratio to the first. The anchor,
    ``--independent N``: N one-process servers of the same study, each with its own database file, behind the
    same nginx configuration: what ``--workers N`` could reach on this machine if sharing one database cost
    nothing (the generator and nginx share the cores).

Run::

    python benchmarks/loadtest_targets.py cost --pairs 120 1500 10000 --raters 100 --trials 10 --think 2
    python benchmarks/loadtest_targets.py cost --pairs 120 10000 --rounds 4   # paired: servers alternated per round
    python benchmarks/loadtest_targets.py burst --raters 1000 --arrival-minutes 5 --think 20 --trials 10 --kills 2
    python benchmarks/loadtest_targets.py saturation --workers 1 2 --independent 2 --raters 200
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))  # the package before tests/

from helpers.studies import write_study_folder  # noqa: E402
from reliability_db import db_rows, vote_rows  # noqa: E402
from server_process import ServerProcess  # noqa: E402

from annotation_app.app import ServeConfig  # noqa: E402
from annotation_app.loadtest import LoadReport, loadtest  # noqa: E402
from annotation_app.ui.workers import free_port, nginx_config  # noqa: E402

CLIP_S = 0.5
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------- servers and studies
def write_study(root: Path, pairs: int, trials: int, floor: float) -> Path:
    """A pairwise study of about ``pairs`` trial pairs (5, 6 or 8 models), one gold pair per scenario."""
    models = 5 if pairs <= 500 else 6 if pairs <= 3000 else 8
    per = models * (models - 1) // 2
    scenarios = max(2, round(pairs / per))
    config = {
        "title": "Load benchmark",
        "instructions": "Listen to both conversations, then answer.",
        "consent": "I agree to take part in this load test.",
        "rating": {"scheme": "pairwise", "preference_points": 3, "allow_both_bad": True, "reason": "optional"},
        "targets": {"raters_per_pair": 3, "trials_per_rater": trials - 1},
        "quality": {"min_listen_fraction": floor, "attention_checks": 1, "practice_trials": 0},
        "completion": {"code": "LOAD-DONE"},
    }
    names = tuple(f"m{i}" for i in range(models))
    return write_study_folder(root, config, models=names, scenarios=scenarios, seconds=CLIP_S, bad_model="mbad")


def noop_server(port_file: str, queue: bool = True) -> None:
    """Serve a one-event Blocks app (``noop`` returns its input) the way ``humans serve`` serves the rater app;
    ``queue=False`` registers the event outside Gradio's queue, as the rater app's events are."""
    import fastapi
    import gradio as gr
    import uvicorn
    from fastapi.responses import PlainTextResponse

    from annotation_app.ui import server_process
    from annotation_app.ui.gradio_settings import apply_serving_settings, poll_queue_less
    from annotation_app.ui.server import uvicorn_config

    apply_serving_settings()  # the same Gradio settings as humans serve
    with gr.Blocks(analytics_enabled=False) as blocks:
        box = gr.Textbox()
        out = gr.Textbox()
        gr.Button("go").click(lambda text: text, box, out, api_name="noop", queue=queue)
    app = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.get("/healthz")(lambda: PlainTextResponse("ok"))
    gr.mount_gradio_app(app, blocks, path="/", footer_links=[], run_history=False, show_error=False)
    poll_queue_less(blocks)
    server_process.prepare()  # the same process settings (malloc arenas, GIL switch interval, gc.freeze)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    Path(port_file).write_text(f"http://127.0.0.1:{sock.getsockname()[1]}/")
    uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])  # the same uvicorn settings as humans serve


class NoopProcess:
    """The no-op app in a subprocess (its event queued, as Gradio's default, or not)."""

    def __init__(self, folder: Path, queue: bool = True) -> None:
        name = "noop" if queue else "noop-direct"
        port_file = folder / f"{name}.url"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "noop-server", str(port_file), *([] if queue else ["--direct"])],
            stdout=(folder / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
        )
        for _ in range(1200):
            if port_file.exists() and port_file.read_text():
                self.url = port_file.read_text()
                if ServerProcess._healthy_url(self.url + "healthz"):
                    return
            time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("the no-op server did not start")

    def pids(self) -> list[int]:
        return [self.proc.pid]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (and their reaped children) so far."""
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15]) / TICKS
    return total


def peak_rss_mb(pids: list[int]) -> float:
    """Largest peak resident set size (VmHWM) among the processes, in MB."""
    best = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]) / 1024)
    return best


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def start_humans(root: Path, tmp: Path, name: str, workers: int = 1) -> ServerProcess:
    extra = ("--max-new-raters-per-ip", "0") + (("--workers", str(workers)) if workers > 1 else ())
    server = ServerProcess(root, tmp / f"{name}.sqlite", tmp / f"{name}.log", extra=extra)
    server.start(timeout_s=600)
    return server


def server_pids(server: ServerProcess) -> list[int]:
    """The serve process and every process under it (workers, nginx)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.proc.pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    grand = []
    for child in children:
        more = subprocess.run(["ps", "-o", "pid=", "--ppid", str(child)], capture_output=True, text=True)
        grand += [int(p) for p in more.stdout.split()]
    return [server.proc.pid, *children, *grand]


def kill_all(server: ServerProcess) -> None:
    """kill -9 every process of the server's session at once (the serve process, its workers and nginx): a crash of
    the whole deployment, after which the port is free for the restart."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=30)
    for _ in range(100):  # nginx's worker processes exit on their own once the master is gone
        if subprocess.run(["pgrep", "-s", str(server.proc.pid)], capture_output=True).returncode != 0:
            return
        time.sleep(0.1)


def run_load(url: str, args, **overrides) -> LoadReport:
    options = {
        "raters": args.raters,
        "arrival_minutes": args.arrival_minutes,
        "think": args.think,
        "trials": args.trials,
        "seed": args.seed,
    } | overrides
    return loadtest(url, **options, progress=lambda line: print("   ", line, flush=True))


def check_votes(report: LoadReport, db_path: Path) -> dict:
    """This run's acknowledged votes against the database (its raters' ids carry the run's id)."""
    mine = f"loadtest{report.settings['run_id']}r"
    votes = [v for v in vote_rows(db_path) if v["prolific_pid"].startswith(mine)]
    stored = {v["token"] for v in votes}
    acked = [a["trial"] for a in report.acknowledged]
    return {
        "acknowledged": len(acked),
        "stored": len(votes),
        "lost": len(set(acked) - stored),
        "duplicated": len(votes) - len({(v["prolific_pid"], v["phase"], v["position"]) for v in votes}),
        "integrity": db_rows(db_path, "PRAGMA integrity_check")[0]["integrity_check"],
    }


# ---------------------------------------------------------------------------------------------- measurements
def idle_cpu_ms_per_s(pids: list[int], seconds: float = 5.0) -> float:
    """Server CPU per second of wall time with no request at all (Gradio's background loops), in ms/s."""
    c0, t0 = cpu_s(pids), time.monotonic()
    time.sleep(seconds)
    return 1000 * (cpu_s(pids) - c0) / (time.monotonic() - t0)


def audio_cpu_ms(server: ServerProcess, pids: list[int], n: int = 1000) -> tuple[float, float]:
    """Server CPU per audio request (``Range: bytes=0-``), measured alone with ``n`` sequential requests on one
    keep-alive connection, minus the server's idle CPU over the same wall time; returns (ms, idle ms/s).

    ``http.client`` and not httpx: httpx's synchronous client waited ~40 ms per request on loopback here (small
    writes meeting delayed ACKs), so the server's idle background CPU over that wait was charged to each request
    (the 8 ms per audio request reported before this subtraction).
    """
    import http.client
    from urllib.parse import urlsplit

    names = [r["audio_name"] for r in db_rows(server.db_path, "SELECT audio_name FROM turns LIMIT 50")]
    idle = idle_cpu_ms_per_s(pids)
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    try:
        c0, t0 = cpu_s(pids), time.monotonic()
        for i in range(n):
            conn.request("GET", f"{url.path}audio/{names[i % len(names)]}", headers={"Range": "bytes=0-"})
            conn.getresponse().read()
        wall = time.monotonic() - t0
        return (1000 * (cpu_s(pids) - c0) - idle * wall) / n, idle
    finally:
        conn.close()


def without_c_http(folder: Path) -> None:
    """Make the servers started from now on run uvicorn's pure-Python HTTP and loop (h11, asyncio): modules named
    ``httptools`` and ``uvloop`` that fail to import come first on their ``PYTHONPATH`` (uvicorn's "auto" falls
    back), for a comparison in one session."""
    shim = folder / "no-c-http"
    for name in ("httptools", "uvloop"):
        (shim / name).mkdir(parents=True, exist_ok=True)
        (shim / name / "__init__.py").write_text("raise ImportError('disabled by the benchmark')\n")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), os.environ.get("PYTHONPATH")) if p)


def measure_cost(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="humans-cost-"))
    if args.h11:
        without_c_http(tmp)
    print(f"{os.cpu_count()} cores; HTTP {'h11 + asyncio' if args.h11 else 'auto (httptools + uvloop)'}; {uptime()}")
    # Gradio's default (queued) no-op event is the floor of the target; the queue-less one is the same path as the
    # rater page's events (queue=False), printed beside it
    servers: dict = {"no-op": NoopProcess(tmp), "no-op (queue=False)": NoopProcess(tmp, queue=False)}
    try:
        for pairs in args.pairs:
            root = write_study(tmp / f"study{pairs}", pairs, args.trials, args.floor)
            servers[pairs] = start_humans(root, tmp, f"cost{pairs}")
        per_event: dict = {name: [] for name in servers}
        for r in range(args.rounds):
            # alternate the order so a drift of the machine's speed over a round hits both sides alike
            for name in list(servers) if r % 2 == 0 else list(servers)[::-1]:
                per_event[name].append(cost_run(name, servers[name], args, seed=args.seed + r))
        floor, direct = per_event["no-op"], per_event["no-op (queue=False)"]
        for pairs in args.pairs:
            ratios = [ours / noop for ours, noop in zip(per_event[pairs], floor, strict=True)]
            to_direct = [ours / noop for ours, noop in zip(per_event[pairs], direct, strict=True)]
            audio_ms, idle = audio_cpu_ms(servers[pairs], server_pids(servers[pairs]))
            print(
                f"{pairs} pairs over {args.rounds} round(s): median {statistics.median(per_event[pairs]):.2f} ms "
                f"per event against the no-op's {statistics.median(floor):.2f} ms; ratio per round "
                f"{', '.join(f'{x:.2f}' for x in ratios)}: median {statistics.median(ratios):.2f}x; against the "
                f"queue-less no-op's {statistics.median(direct):.2f} ms: {', '.join(f'{x:.2f}' for x in to_direct)}"
                f": median {statistics.median(to_direct):.2f}x; an audio request {audio_ms:.2f} ms (idle server "
                f"{idle:.0f} ms CPU/s); {uptime()}",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.stop()
            if isinstance(server, ServerProcess):
                server.kill()


def cost_run(name, server, args, seed: int) -> float:
    """One crowd against one server: prints the line of that run and returns server CPU ms per event."""
    humans = isinstance(server, ServerProcess)
    pids = server_pids(server) if humans else server.pids()
    c0 = cpu_s(pids)
    # the no-op rater answers trials + 3 events, as ours: enter, consent, instructions and the votes
    report = run_load(server.url, args, seed=seed, **({} if humans else {"trials": args.trials + 3}))
    per = 1000 * (cpu_s(pids) - c0) / max(1, report.events)
    line = f"{name}{' pairs' if humans else ''}: {report.events} events, {per:.2f} ms server CPU per event"
    if humans:
        votes = report.kinds["submit"]
        line += (
            f"; vote p50 {votes['p50_ms']:.0f} ms, p99 {votes['p99_ms']:.0f} ms; peak RSS {peak_rss_mb(pids):.0f} "
            f"MB; {check_votes(report, server.db_path)}"
        )
    print(f"{line}; generator CPU {report.settings['client_cpu_s']} s; {uptime()}", flush=True)
    return per


def measure_burst(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="humans-burst-"))
    print(f"{os.cpu_count()} cores; {uptime()}")
    root = write_study(tmp / "study", args.pairs[0], args.trials, args.floor)
    server = start_humans(root, tmp, "burst", args.workers[0])
    box: dict = {}
    try:
        pids = server_pids(server)
        c0 = cpu_s(pids)
        runner = threading.Thread(target=lambda: box.update(report=run_load(server.url, args)), daemon=True)
        runner.start()
        span = args.arrival_minutes * 60 + args.think
        kill_times = [span * (k + 1) / (args.kills + 1) for k in range(args.kills)]
        started = time.monotonic()
        cpu_before_kills = 0.0
        for at in kill_times:
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            cpu_before_kills += cpu_s(pids) - c0
            rss = peak_rss_mb(pids)
            print(f"    kill -9 at {time.monotonic() - started:.0f} s (peak RSS so far {rss:.0f} MB)", flush=True)
            kill_all(server)
            server.start(timeout_s=600)
            pids = server_pids(server)
            c0 = cpu_s(pids)
        runner.join()
        report = box["report"]
        cpu = cpu_before_kills + cpu_s(pids) - c0
        print(report.format())
        checked = check_votes(report, server.db_path)
        print(
            f"burst: {args.raters} raters within {args.arrival_minutes} min, think {args.think} s, {args.trials} "
            f"trials, {args.kills} kills, workers {args.workers[0]}: vote p50 {report.kinds['submit']['p50_ms']:.0f} "
            f"ms, p90 {report.kinds['submit']['p90_ms']:.0f} ms, p99 {report.kinds['submit']['p99_ms']:.0f} ms; "
            f"{checked}; 5xx {report.http_5xx}; raters finished {report.raters_finished}/{report.raters_started}; "
            f"server CPU {cpu:.0f} s = {1000 * cpu / max(1, report.events):.1f} ms per event; peak RSS "
            f"{peak_rss_mb(pids):.0f} MB; generator CPU {report.settings['client_cpu_s']} s; {uptime()}"
        )
    finally:
        server.stop()
        server.kill()


class IndependentServers:
    """``n`` one-process ``humans serve`` servers of one study, each with its own database file, behind the nginx
    configuration ``--workers`` writes (same affinity, same audio route): what ``--workers n`` could reach if the
    shared database cost nothing (the saturation's anchor: only the one shared SQLite file differs)."""

    def __init__(self, root: Path, tmp: Path, n: int) -> None:
        self.servers = [start_humans(root, tmp, f"independent{i}") for i in range(n)]
        self.prefix = Path(tempfile.mkdtemp(prefix="humans-independent-nginx-", dir=tmp))
        port = free_port()
        audio = ServeConfig(root, self.servers[0].db_path).resolved().cache_dir
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_config(self.prefix, "127.0.0.1", port, [s.port for s in self.servers], audio))
        self.nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.prefix)], stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while not ServerProcess._healthy(self.url):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx in front of the independent servers did not start ({self.prefix})")
            time.sleep(0.1)

    def pids(self) -> list[int]:
        return [self.nginx.pid, *(s.proc.pid for s in self.servers)]

    def stop(self) -> None:
        self.nginx.send_signal(signal.SIGQUIT)
        self.nginx.wait(timeout=30)
        for server in self.servers:
            server.stop()
            server.kill()


def start_workers(root: Path, tmp: Path, workers: int) -> tuple[str, Callable[[], list[int]], Callable[[], None]]:
    """``humans serve --workers N`` (one process for 1): its URL, its processes, how to stop it."""
    server = start_humans(root, tmp, f"sat{workers}", workers)
    return server.url, lambda: server_pids(server), lambda: (server.stop(), server.kill())


def start_independent(root: Path, tmp: Path, n: int) -> tuple[str, Callable[[], list[int]], Callable[[], None]]:
    """The anchor (:class:`IndependentServers`): its URL, its processes, how to stop it."""
    pool = IndependentServers(root, tmp, n)
    return pool.url, pool.pids, pool.stop


def measure_saturation(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="humans-sat-"))
    print(f"{os.cpu_count()} cores; {uptime()}")
    root = write_study(tmp / "study", args.pairs[0], args.trials, args.floor)
    rates = {}
    setups = [(f"--workers {w}", functools.partial(start_workers, root, tmp, w)) for w in args.workers]
    setups += [
        (f"{n} independent servers", functools.partial(start_independent, root, tmp, n)) for n in args.independent
    ]
    for label, start in setups:
        url, pids, stop = start()
        try:
            runs = []
            for rep in range(args.repeats):
                c0 = cpu_s(pids())
                report = run_load(url, args, arrival_minutes=0.0, think=0.0, seed=args.seed + rep)
                runs.append(report.events_per_s)
                # cores busy: a ratio far below the number of workers with the machine's cores all busy means the
                # machine (generator included) is the limit, not one process
                server_cores = (cpu_s(pids()) - c0) / report.wall_s
                print(
                    f"    {label} run {rep + 1}: {report.events_per_s:.1f} events/s, vote p50 "
                    f"{report.kinds['submit']['p50_ms']:.0f} ms, 5xx {report.http_5xx}, "
                    f"errors {sum(report.errors.values())}; cores busy: server {server_cores:.2f} (workers and "
                    f"nginx), generator {report.settings['client_cpu_s'] / report.wall_s:.2f}; {uptime()}",
                    flush=True,
                )
            rates[label] = statistics.median(runs)
        finally:
            stop()
    base = next(iter(rates.values()))
    for label, rate in rates.items():
        print(f"saturation, {label}: median {rate:.1f} events/s = {rate / base:.2f}x")


def main() -> None:
    if len(sys.argv) in (3, 4) and sys.argv[1] == "noop-server":
        noop_server(sys.argv[2], queue=sys.argv[3:] != ["--direct"])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["cost", "burst", "saturation"])
    parser.add_argument("--pairs", type=int, nargs="+", default=[120], help="study sizes (trial pairs)")
    parser.add_argument("--raters", type=int, default=100)
    parser.add_argument("--arrival-minutes", type=float, default=1.0)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds per trial")
    parser.add_argument("--trials", type=int, default=10, help="votes per rater (one is an attention check)")
    parser.add_argument("--floor", type=float, default=0.1, help="min_listen_fraction of the study")
    parser.add_argument("--kills", type=int, default=0, help="burst: kill -9 the server this many times")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="humans serve --workers values")
    parser.add_argument("--repeats", type=int, default=3, help="saturation: runs per workers value")
    parser.add_argument(
        "--independent",
        type=int,
        nargs="*",
        default=[],
        help="saturation: also N one-process servers with a database each behind the same nginx (the anchor)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="cost: crowds per server, servers alternated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--h11", action="store_true", help="cost: servers without httptools and uvloop")
    args = parser.parse_args()
    {"cost": measure_cost, "burst": measure_burst, "saturation": measure_saturation}[args.what](args)


if __name__ == "__main__":
    main()
