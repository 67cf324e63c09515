"""A study on the open internet: nginx or Caddy with TLS in front of ``humans serve --root-path /study`` (issue 13,
item 5).

The proxy configurations the repository ships (``docs/deploy/nginx-humans.conf`` and ``docs/deploy/Caddyfile``) run
as they are, with only their placeholders replaced (server name, certificate, ports): a self-signed certificate made
with openssl, the proxy on a free loopback port, ``humans serve`` as a real process on another. Headless Chromium
(certificate errors ignored) opens the rater URL under ``/study/``, completes a trial (consent, both conversations
heard, a vote) and reaches the done page; then it opens the dashboard under ``/study/admin/<secret>/``, which shows
the models. Every request the browser makes stays under ``https://127.0.0.1:<proxy>/study/`` (the root path is
right in every generated URL), a wrong admin secret gets the guard's 404, and nothing outside the prefix is proxied.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from helpers.ui_study import BAD_TEXT, MODELS, write_study

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
SITE = ROOT / "docs" / "deploy" / "nginx-humans.conf"
CADDYFILE = ROOT / "docs" / "deploy" / "Caddyfile"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CADDY = shutil.which("caddy") or "/usr/bin/caddy"
SECRET = "proxy-secret-0123456789abcdef"
PREFIX = "/study"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def site_config(cert: Path, key: Path, nginx_port: int, app_port: int) -> str:
    """The shipped site file with its placeholders replaced; the port-80 redirect server is dropped."""
    text = SITE.read_text(encoding="utf-8")
    text = text[: text.index("# Plain HTTP only redirects to HTTPS.")]
    replaced = {
        "listen 443 ssl;": f"listen 127.0.0.1:{nginx_port} ssl;",
        "server_name study.example.org;": "server_name 127.0.0.1;",
        "/etc/letsencrypt/live/study.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/study.example.org/privkey.pem": str(key),
        "proxy_pass http://127.0.0.1:7860/;": f"proxy_pass http://127.0.0.1:{app_port}/;",
    }
    for old, new in replaced.items():
        assert text.count(old) == 1, f"{SITE} no longer has {old!r}; update the test with the file"
        text = text.replace(old, new)
    return text


def caddy_config(cert: Path, key: Path, caddy_port: int, app_port: int, storage: Path) -> str:
    """The shipped Caddyfile with the test's address, certificate and ports (no ACME, no admin endpoint)."""
    text = CADDYFILE.read_text(encoding="utf-8")
    replaced = {
        "study.example.org {": f"https://127.0.0.1:{caddy_port} {{\n\ttls {cert} {key}",
        "reverse_proxy 127.0.0.1:7860 {": f"reverse_proxy 127.0.0.1:{app_port} {{",
    }
    for old, new in replaced.items():
        assert text.count(old) == 1, f"{CADDYFILE} no longer has {old!r}; update the test with the file"
        text = text.replace(old, new)
    options = f"{{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system {storage}\n}}\n\n"
    return options + text


def _start_nginx(tmp: Path, cert: Path, key: Path, port: int, app_port: int) -> subprocess.Popen:
    (tmp / "site.conf").write_text(site_config(cert, key, port, app_port), encoding="utf-8")
    for folder in ("logs", "temp"):
        (tmp / folder).mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's private temporary folder
    (tmp / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp}/logs/access.log;\n  client_body_temp_path {tmp}/temp/body;\n"
        f"  proxy_temp_path {tmp}/temp/proxy;\n  fastcgi_temp_path {tmp}/temp/fastcgi;\n"
        f"  uwsgi_temp_path {tmp}/temp/uwsgi;\n  scgi_temp_path {tmp}/temp/scgi;\n  include {tmp}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    command = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    return subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _start_caddy(tmp: Path, cert: Path, key: Path, port: int, app_port: int) -> subprocess.Popen:
    config = tmp / "Caddyfile"
    config.write_text(caddy_config(cert, key, port, app_port, tmp / "caddy-data"), encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp), "XDG_DATA_HOME": str(tmp / "xdg"), "XDG_CONFIG_HOME": str(tmp / "xdg")}
    checked = subprocess.run([CADDY, "validate", "--config", str(config)], capture_output=True, text=True, env=env)
    assert checked.returncode == 0, checked.stderr
    return subprocess.Popen(
        [CADDY, "run", "--config", str(config)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


PROXIES = {"nginx": (NGINX, _start_nginx), "caddy": (CADDY, _start_caddy)}


@pytest.fixture(scope="module", params=list(PROXIES))
def proxied(request, tmp_path_factory):
    """(public base URL, database path, proxy): ``humans serve`` behind nginx or Caddy with TLS, stopped at the end."""
    binary, start_proxy = PROXIES[request.param]
    if not Path(binary).exists():
        pytest.skip(f"{request.param} is not installed (apt-get install {request.param})")
    tmp = tmp_path_factory.mktemp(request.param)
    study = write_study(
        tmp / "study",
        seconds=0.4,
        targets={"trials_per_rater": 1},
        quality={"min_listen_fraction": 0.5, "attention_checks": 0, "practice_trials": 0},
    )
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    app_port, proxy_port = _free_port(), _free_port()
    db = tmp / "study.sqlite"
    env = {**os.environ, "HUMANS_ADMIN_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "annotation_app.cli", "serve", str(study), "--db", str(db), "--port", str(app_port),
         "--root-path", PREFIX],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    proxy = start_proxy(tmp, cert, key, proxy_port, app_port)
    try:
        _wait_for_port(app_port, serve)
        _wait_for_port(proxy_port, proxy)
        yield f"https://127.0.0.1:{proxy_port}{PREFIX}", db, request.param
    finally:
        proxy.send_signal(signal.SIGQUIT if request.param == "nginx" else signal.SIGINT)
        serve.send_signal(signal.SIGINT)
        for process in (proxy, serve):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        serve_output = serve.stdout.read()
        assert "Stopped; the votes are in" in serve_output, serve_output


def _play(page, side: str) -> None:
    first = page.locator(f'#humans-trial audio[data-side="{side}"][data-turn="0"]')
    first.scroll_into_view_if_needed()
    first.click(position={"x": 18, "y": 20})
    page.wait_for_function(
        f"""() => document.querySelector('[data-status-for="{side}"]')?.textContent.includes('Heard to the end')""",
        timeout=20000,
    )


def test_a_rater_and_the_admin_work_through_the_proxy_with_tls_under_a_prefix(proxied, chromium):
    base, db, proxy = proxied
    # The rater's address reaches the app through X-Forwarded-For (uvicorn trusts it from the proxy on 127.0.0.1).
    # On loopback the browser's own address is trusted too, so nginx's appended header shows the address the
    # browser claims; Caddy replaces the header with the address it saw. Either way it is the proxy's word.
    context = chromium.new_context(
        ignore_https_errors=True,
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"X-Forwarded-For": "203.0.113.7"},
    )
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    response = page.goto(f"{base}/?PROLIFIC_PID=proxy0rater&STUDY_ID=st&SESSION_ID=se")
    assert response.status == 200 and response.url.startswith("https://")

    page.locator("#humans-agree").wait_for(state="visible", timeout=30000)
    page.click("#humans-agree")
    page.locator("#humans-begin").click()
    page.wait_for_selector("#humans-trial", timeout=30000)
    page.wait_for_function("() => document.body.dataset.humansLocked === '1'")
    _play(page, "left")
    _play(page, "right")
    page.wait_for_function("() => document.body.dataset.humansLocked === '0'")
    right_is_bad = BAD_TEXT in page.locator('#humans-trial section[data-side="right"]').inner_text()
    page.get_by_label("A is better" if right_is_bad else "B is better", exact=True).check()
    page.click("#humans-submit")
    page.wait_for_selector("#humans-done", timeout=30000)
    assert page.locator("#humans-code").inner_text() == "UI-TEST-CODE"

    # The page posts each rater event as one request outside Gradio's queue (what humans loadtest copies).
    events = [urlsplit(u).path for u in requested if "/gradio_api/" in u]
    assert events.count(f"{PREFIX}/gradio_api/run/predict") >= 4, events  # load, consent, instructions, vote
    assert not [e for e in events if "/queue/" in e], events

    votes = list(sqlite_utils.Database(db)["votes"].rows)
    assert len(votes) == 1 and votes[0]["plays_left"] >= 1 and votes[0]["plays_right"] >= 1
    rater = next(sqlite_utils.Database(db)["raters"].rows)
    assert rater["prolific_pid"] == "proxy0rater" and rater["stage"] == "done"
    clients = [row["client"] for row in sqlite_utils.Database(db)["new_raters"].rows]
    assert clients == ["203.0.113.7" if proxy == "nginx" else "127.0.0.1"]  # the per-address limit counts raters

    admin = context.new_page()
    response = admin.goto(f"{base}/admin/{SECRET}/")
    assert response.status == 200 and response.headers["cache-control"] == "no-store"  # the guard saw it
    wrong = context.request.get(f"{base}/admin/{SECRET[::-1]}/")
    assert wrong.status == 404 and wrong.text() == "not found"
    admin.wait_for_selector("#admin-leaderboard", timeout=60000)
    admin.wait_for_function(
        "names => names.some(n => document.getElementById('admin-leaderboard').innerText.includes(n))",
        arg=list(MODELS),
        timeout=60000,
    )

    web = [u for u in requested if u.startswith(("http://", "https://"))]
    assert web and all(u.startswith(base + "/") for u in web), sorted({u for u in web if not u.startswith(base)})
    assert any(re.search(r"/study/audio/[0-9a-f]{64}\.\w+$", u) for u in web)  # audio came through the proxy too
    outside = context.request.get(base.removesuffix(PREFIX) + "/healthz")
    assert outside.status == 404  # only the prefix is proxied
    assert context.request.get(f"{base}/healthz").text() == "ok"
    context.close()
