"""``humans serve --workers 2``: two server processes behind nginx (started by the command) on one SQLite file.

Raters from different addresses are spread over both workers, each rater stays on one (nginx hashes the address:
the dashboard's queued events need their ``queue/join`` and stream to meet in one process), every acknowledged
vote is stored once, and a worker
killed with SIGKILL is started again while its raters resume.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import httpx
import pytest
from helpers.reliability_study import write_study
from reliability_db import db_rows, vote_rows
from server_process import ServerProcess

from annotation_app.loadtest import loadtest
from annotation_app.ui.server import uvicorn_config
from annotation_app.ui.workers import KEEP_ALIVE_S, NGINX_CANDIDATES, SHUTDOWN_GRACE_S, WORKER_HEADER, nginx_config

pytestmark = pytest.mark.skipif(
    not any(shutil.which(c) for c in NGINX_CANDIDATES), reason="nginx is not installed (apt-get install nginx)"
)


def _workers_of(server_pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(server_pid)], capture_output=True, text=True)
    return [int(line.split()[0]) for line in out.stdout.splitlines() if "annotation_app.cli serve" in line]


def test_nginx_config_keeps_a_rater_on_one_worker(tmp_path):
    text = nginx_config(tmp_path, "0.0.0.0", 8080, [9001, 9002])
    assert "hash $remote_addr consistent;" in text and "listen 0.0.0.0:8080" in text
    assert "server 127.0.0.1:9001" in text and "server 127.0.0.1:9002" in text
    assert "proxy_buffering off;" in text  # the event stream reaches the tab as it is written
    assert "set_real_ip_from 127.0.0.1;" in text and "real_ip_header X-Forwarded-For;" in text
    assert "/audio/" not in text  # without a cache folder the workers serve the audio
    # nginx drops an idle connection to a worker before the worker does: never a request on a closing one (a 502)
    assert f"worker_shutdown_timeout {SHUTDOWN_GRACE_S}s;" in text  # open event streams do not hold nginx up
    reuse = re.search(r"keepalive_timeout (\d+)s;", text)
    assert reuse and int(reuse.group(1)) < KEEP_ALIVE_S == uvicorn_config(None).timeout_keep_alive
    text = nginx_config(tmp_path, "127.0.0.1", 8080, [9001], tmp_path / "my cache")
    assert f'alias "{tmp_path / "my cache"}/$1";' in text and "location /audio/ {" in text


def test_two_workers_share_the_database_and_every_acknowledged_vote_is_stored_once(served):
    server = served(trials_per_rater=4, attention_checks=1, min_listen_fraction=0.3, extra=("--workers", "2"))
    workers = collections.Counter(
        httpx.get(server.url + "healthz", headers={"X-Forwarded-For": f"10.9.0.{i}"}).headers[WORKER_HEADER]
        for i in range(24)
    )
    assert len(workers) == 2, workers
    again = {httpx.get(server.url + "healthz", headers={"X-Forwarded-For": "10.9.0.7"}).headers[WORKER_HEADER]}
    assert len(again | {httpx.get(server.url, headers={"X-Forwarded-For": "10.9.0.7"}).headers[WORKER_HEADER]}) == 1

    # nginx serves the blind audio itself (no worker header), and nothing else under /audio/
    page = httpx.get(server.url, headers={"X-Forwarded-For": "10.9.0.7"})
    assert page.status_code == 200
    report = loadtest(server.url, raters=8, arrival_minutes=0.05, think=0.3, trials=10)
    name = db_rows(server.db_path, "SELECT audio_name FROM turns LIMIT 1")[0]["audio_name"]
    clip = httpx.get(server.url + "audio/" + name, headers={"Range": "bytes=0-"})
    magic, media_type = {".wav": (b"RIFF", "audio/wav"), ".ogg": (b"OggS", "audio/ogg")}[name[name.rfind(".") :]]
    assert clip.status_code == 206 and clip.content[:4] == magic and WORKER_HEADER not in clip.headers
    assert clip.headers["content-type"] == media_type and "immutable" in clip.headers["cache-control"]
    for bad in ("audio/../humans.sqlite", "audio/" + "0" * 64 + ".wav", "audio/study.yaml"):
        assert httpx.get(server.url + bad).status_code == 404, bad
    assert report.errors == {} and report.http_5xx == 0 and report.raters_finished == 8, report.format()
    votes = vote_rows(server.db_path)
    assert sorted(v["token"] for v in votes) == sorted(a["trial"] for a in report.acknowledged)
    assert len({(v["prolific_pid"], v["phase"], v["position"]) for v in votes}) == len(votes) == 8 * 5
    assert db_rows(server.db_path, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    assert server.stop() == 0, server.log()[-2000:]
    assert re.search(r"stopped \(nginx [0-9.]+ s, workers [0-9.]+ s\)\n", server.log()), server.log()[-2000:]


def test_a_killed_worker_is_restarted_and_its_raters_resume(served):
    server = served(trials_per_rater=5, attention_checks=0, min_listen_fraction=0.3, extra=("--workers", "2"))
    pids = _workers_of(server.proc.pid)
    assert len(pids) == 2
    box: dict = {}
    runner = threading.Thread(
        target=lambda: box.update(report=loadtest(server.url, raters=6, arrival_minutes=0, think=1.0, trials=10)),
        daemon=True,
    )
    runner.start()
    deadline = time.monotonic() + 120
    while len(vote_rows(server.db_path)) < 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(pids[0], signal.SIGKILL)
    runner.join(timeout=300)
    report = box["report"]
    assert report.raters_finished == 6, report.format()
    stored = {v["token"] for v in vote_rows(server.db_path)}
    assert {a["trial"] for a in report.acknowledged} <= stored and len(stored) == 6 * 5
    assert len(_workers_of(server.proc.pid)) == 2 and pids[0] not in _workers_of(server.proc.pid)
    assert "starting it again" in server.log()
    server.stop()


def test_workers_build_their_urls_under_the_root_path(served):
    """Behind an outer proxy that strips ``/study``, every worker answers with pages whose URLs are under it."""
    server = served(trials_per_rater=2, attention_checks=0, extra=("--workers", "2", "--root-path", "/study"))
    for i in range(6):  # both workers answer some of these addresses
        page = httpx.get(server.url, headers={"X-Forwarded-For": f"10.8.0.{i}"})
        assert page.status_code == 200
        roots = re.findall(r'"root":\s*"([^"]*)"', page.text)
        assert roots and all(root.endswith("/study") for root in roots), (roots, page.headers[WORKER_HEADER])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_workers_stop_on_a_signal_even_when_started_in_the_background(tmp_path, signum):
    """A shell's background job starts with SIGINT ignored (Python then raises no KeyboardInterrupt), and SIGTERM
    is what ``kill`` and systemd send: either must stop nginx and every worker, and say so."""
    root = write_study(tmp_path / "study", trials_per_rater=2)
    server = ServerProcess(
        root, tmp_path / "db.sqlite", tmp_path / "server.log", extra=("--workers", "2"), sigint_ignored=True
    )
    with server:
        server.start()
        children = _workers_of(server.proc.pid)
        assert len(children) == 2
        assert server.stop(timeout_s=30, signum=signum) == 0, server.log()[-2000:]
        assert re.search(r"stopped \(nginx [0-9.]+ s, workers [0-9.]+ s\)\n", server.log()), server.log()[-2000:]
        assert all(not os.path.exists(f"/proc/{pid}") for pid in children)
