"""``humans serve --workers N``: N server processes on one machine behind nginx, all writing one SQLite file.

One Python process runs one event at a time under the GIL, so it uses one core however many the machine has.
Here N ``humans serve`` processes listen on free loopback ports and nginx (the Debian package) listens on the
public address and spreads raters over them. Rater events are single requests (``run/predict``, outside Gradio's
queue) that any worker can answer, but the dashboard's events use the queue, which lives in the process that
accepted them (``queue/join`` and the ``queue/data`` stream of a session must reach the same process), so every
request of a tab goes to one worker: nginx hashes the client address (``hash $remote_addr consistent``; a tab's
requests all come from one address). Behind another proxy, or for ``humans loadtest`` on loopback, nginx takes
the address from ``X-Forwarded-For`` when the sender is loopback (the realip module), the same trust uvicorn
gives it. Workers get the address in ``X-Forwarded-For`` (for the new-rater limit); their database
transactions (``BEGIN IMMEDIATE``) keep the one SQLite file consistent, and the store's writer queue
(:mod:`annotation_app.store.writer_queue`, a ``flock`` on ``<db>-lock``) lets their writers in one at a time.

A worker that dies is started again on its port (its raters' next request reaches it once it answers; their
tabs resume from the database). Ctrl-C stops nginx and the workers. See docs/deployment.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import HumansError

__all__ = [
    "KEEP_ALIVE_S",
    "NGINX_CANDIDATES",
    "SHUTDOWN_GRACE_S",
    "UPSTREAM_KEEPALIVE_S",
    "WORKER_HEADER",
    "WorkerPool",
    "free_port",
    "nginx_config",
]

#: Seconds a server process keeps an idle HTTP connection open (uvicorn's ``timeout_keep_alive``).
KEEP_ALIVE_S = 5
#: Seconds nginx keeps an idle connection to a worker for reuse: shorter than the worker's own, so nginx never
#: sends a request on a connection the worker is closing at that moment (which nginx answers with a 502; one
#: such 502 for ``theme.css`` in a 1,000-rater burst when nginx's default of 60 s was left).
UPSTREAM_KEEPALIVE_S = KEEP_ALIVE_S - 1
#: Seconds a stopping server (uvicorn, and nginx in front of workers) waits for open requests before cutting them:
#: a vote takes milliseconds, but a tab's event stream can stay open; the tab reconnects and resumes.
SHUTDOWN_GRACE_S = 5

#: Where nginx is looked for (Debian installs it in /usr/sbin, which is not on every user's PATH).
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx")
#: Header naming the worker that answered (``host:port``), for tests and for a researcher's curl.
WORKER_HEADER = "X-Humans-Worker"


def nginx_config(prefix: Path, host: str, port: int, worker_ports: list[int], audio_dir: Path | None = None) -> str:
    """The nginx configuration: listen on ``host:port``, proxy to the workers with per-address affinity.

    With ``audio_dir`` (the blind audio cache), nginx serves ``/audio/<sha256>.<ext>`` itself from that folder,
    exactly the names the workers' audio route accepts (anything else is a 404): a trial's four clips then cost
    the Python processes nothing (measured 6 ms of CPU per clip through the worker).

    Parameters
    ----------
    prefix : Path
        Folder for nginx's pid file, logs and temporary files.
    host, port : str, int
        The public address.
    worker_ports : list of int
        Loopback ports of the ``humans serve`` workers.
    """
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in worker_ports)
    audio = ""
    if audio_dir is not None:
        types = "audio/wav wav; audio/ogg ogg; audio/mpeg mp3; audio/flac flac;"
        audio = f"""
        location ~ "^/audio/([0-9a-f]{{64}}\\.(wav|ogg|mp3|flac))$" {{
            alias "{audio_dir}/$1";
            types {{ {types} }}
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
        location /audio/ {{
            return 404;
        }}"""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # nginx's workers run as the user running `humans serve` (as root, nginx would switch to `nobody`, who cannot
    # read a private cache folder); they get no privilege the Python workers do not already have.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""# Written by `humans serve --workers {len(worker_ports)}`; regenerated at every start.
{user}daemon off;
worker_processes 1;
worker_shutdown_timeout {SHUTDOWN_GRACE_S}s;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 8192;
}}
http {{
    access_log off;
{temp}
    upstream humans_workers {{
        hash $remote_addr consistent;
{servers}
        keepalive 64;
        keepalive_timeout {UPSTREAM_KEEPALIVE_S}s;
    }}
    server {{
        listen {listen} backlog=4096;
        set_real_ip_from 127.0.0.1;
        set_real_ip_from ::1;
        real_ip_header X-Forwarded-For;
        client_max_body_size 2m;{audio}
        location / {{
            proxy_pass http://humans_workers;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 3600s;
            proxy_next_upstream off;
            add_header {WORKER_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _nginx() -> str:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise HumansError("--workers needs nginx, which is not installed; `apt-get install nginx`, or serve without it")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM this child when the parent dies (a kill -9 of `humans serve` takes its workers)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class WorkerPool:
    """N ``humans serve`` workers and nginx in front of them (:meth:`run` until Ctrl-C).

    ``serve_args`` are the worker command line's options after ``serve DIR`` (``--db``, limits); each worker
    gets ``--host 127.0.0.1 --port <free port>`` in addition, and the admin secret through the environment so
    that every worker has the same admin URL.
    """

    study_dir: Path
    serve_args: list[str]
    workers: int
    host: str
    port: int
    admin_secret: str
    audio_dir: Path | None = None

    def __post_init__(self) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="humans-nginx-"))
        self.ports = [free_port() for _ in range(self.workers)]
        self.procs: list[subprocess.Popen | None] = [None] * self.workers
        self.nginx: subprocess.Popen | None = None

    def _start_worker(self, index: int, timeout_s: float = 300.0) -> None:
        port = self.ports[index]
        command = [sys.executable, "-m", "annotation_app.cli", "serve", str(self.study_dir), *self.serve_args]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        env = {**os.environ, "HUMANS_ADMIN_SECRET": self.admin_secret, "PYTHONUNBUFFERED": "1"}
        with (self.prefix / f"worker-{index}.log").open("ab") as log:
            self.procs[index] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent
            )
        deadline = time.monotonic() + timeout_s
        while not _healthy(port):
            if self.procs[index].poll() is not None or time.monotonic() > deadline:
                text = (self.prefix / f"worker-{index}.log").read_text(errors="replace")[-2000:]
                raise HumansError(f"worker {index + 1} of {self.workers} did not start:\n{text}")
            time.sleep(0.1)

    def start(self) -> None:
        """Start the workers (the first one alone: it imports the study into the database) and nginx."""
        nginx = _nginx()
        self._start_worker(0)
        for index in range(1, self.workers):
            self._start_worker(index)
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_config(self.prefix, self.host, self.port, self.ports, self.audio_dir), encoding="utf-8")
        with (self.prefix / "nginx.out").open("ab") as out:
            self.nginx = subprocess.Popen(
                [nginx, "-c", str(conf), "-p", str(self.prefix)],
                stdout=subprocess.DEVNULL,
                stderr=out,
                preexec_fn=_die_with_parent,
            )
        time.sleep(0.3)
        if self.nginx.poll() is not None:
            logs = [self.prefix / "nginx.out", self.prefix / "error.log"]
            text = "".join(p.read_text(errors="replace") for p in logs if p.exists())
            self.stop()
            raise HumansError(f"nginx did not start on {self.host}:{self.port}: {text.strip()[-500:]}")

    def run(self, announce: Callable[[dict], None], urls: Callable[[str, int], dict]) -> None:
        """Start, announce the URLs, restart workers that die, until Ctrl-C or SIGTERM; then stop everything.

        Both signals are handled here rather than left to Python's default: a process started in the background
        by a shell (``humans serve … &``, a CI job) inherits SIGINT *ignored*, so Ctrl-C never became a
        KeyboardInterrupt, and SIGTERM (``kill``, systemd) ended this process without stopping nginx.
        """
        _stop_on_signals()
        try:
            self.start()
            announce(urls(self.host, self.port))
            while True:
                time.sleep(1.0)
                for index, proc in enumerate(self.procs):
                    if proc is not None and proc.poll() is not None:
                        print(f"worker {index + 1} exited ({proc.returncode}); starting it again", flush=True)
                        self._start_worker(index)
                if self.nginx is not None and self.nginx.poll() is not None:
                    raise HumansError(f"nginx stopped unexpectedly; see {self.prefix / 'error.log'}")
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop nginx (quit: open requests get :data:`SHUTDOWN_GRACE_S`) and then the workers (Ctrl-C, the same
        grace inside uvicorn; killed after 20 s); says how long each took and whether anything had to be killed."""
        start = time.monotonic()
        killed = []
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.nginx.wait(timeout=2 * SHUTDOWN_GRACE_S)
            if self.nginx.poll() is None:
                self.nginx.kill()
                killed.append("nginx")
        nginx_s = time.monotonic() - start
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for index, proc in enumerate(self.procs):
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed.append(f"worker {index + 1}")
        took = f"nginx {nginx_s:.1f} s, workers {time.monotonic() - start - nginx_s:.1f} s"
        print(f"stopped ({took}{'; killed ' + ', '.join(killed) if killed else ''})", flush=True)


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _stop_on_signals() -> None:
    """Make SIGINT and SIGTERM stop the pool (a KeyboardInterrupt in the main thread), whatever was inherited."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _interrupt)
