"""Server CPU per audio request: the raw ASGI audio route in front of the app (what ``humans serve`` runs) against
the same answer through FastAPI's route and middleware stack (the study's FastAPI app alone, as served before).

Both servers are subprocesses built from one study with :func:`annotation_app.app.build_server` and run with the
same uvicorn settings; each round sends ``--requests`` sequential ``Range: bytes=0-`` requests on one keep-alive
connection to each, and the server's idle CPU (Gradio's background loops) over the same wall time is subtracted.

Run::

    python benchmarks/audio_route_cost.py --requests 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from loadtest_targets import cpu_s, idle_cpu_ms_per_s, uptime, write_study  # noqa: E402


def serve(study: str, db: str, which: str, url_file: str) -> None:
    """Serve the study with ``which`` = ``asgi`` (the raw audio route) or ``fastapi`` (the FastAPI app alone)."""
    import uvicorn

    from annotation_app.app import ServeConfig, build_server
    from annotation_app.ui.gradio_settings import apply_serving_settings
    from annotation_app.ui.server import uvicorn_config

    apply_serving_settings()
    server = build_server(ServeConfig(Path(study), Path(db), port=0))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    Path(url_file).write_text(f"http://127.0.0.1:{sock.getsockname()[1]}/")
    app = server.asgi if which == "asgi" else server.app
    uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])


def start(study: Path, tmp: Path, which: str) -> tuple[subprocess.Popen, str]:
    url_file = tmp / f"{which}.url"
    proc = subprocess.Popen(
        [sys.executable, __file__, "serve", str(study), str(tmp / f"{which}.sqlite"), which, str(url_file)],
        stdout=(tmp / f"{which}.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    for _ in range(1200):
        if url_file.exists() and url_file.read_text():
            url = url_file.read_text()
            try:
                conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return proc, url
            except OSError:
                pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the {which} server did not start; see {tmp / which}.log")


def audio_names(db: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT audio_name FROM turns LIMIT 50")]


def cost_ms(proc: subprocess.Popen, url: str, names: list[str], n: int) -> float:
    """Idle-corrected server CPU per audio request, in ms."""
    idle = idle_cpu_ms_per_s([proc.pid], 3.0)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    try:
        c0, t0 = cpu_s([proc.pid]), time.monotonic()
        for i in range(n):
            conn.request("GET", f"/audio/{names[i % len(names)]}", headers={"Range": "bytes=0-"})
            response = conn.getresponse()
            response.read()
            assert response.status == 206, response.status
        wall = time.monotonic() - t0
        return (1000 * (cpu_s([proc.pid]) - c0) - idle * wall) / n
    finally:
        conn.close()


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        serve(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="audio requests per server per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="humans-audio-"))
    study = write_study(tmp / "study", 120, 10, 0.1)
    print(f"{os.cpu_count()} cores; {uptime()}")
    servers = {which: start(study, tmp, which) for which in ("fastapi", "asgi")}
    try:
        names = audio_names(tmp / "asgi.sqlite")
        results: dict[str, list[float]] = {which: [] for which in servers}
        for _ in range(args.rounds):
            for which, (proc, url) in servers.items():
                cost_ms(proc, url, names, 50)  # warm: clips into memory
                results[which].append(cost_ms(proc, url, names, args.requests))
        fastapi_ms, asgi_ms = (statistics.median(results[w]) for w in ("fastapi", "asgi"))
        print(
            f"server CPU per audio request (median of {args.rounds} rounds of {args.requests}): through FastAPI "
            f"{fastapi_ms:.3f} ms, raw ASGI route {asgi_ms:.3f} ms = {asgi_ms / fastapi_ms:.2f}x; "
            f"rounds {results}; {uptime()}"
        )
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
