"""Blinding and access on a real ``humans serve`` (with the admin dashboard behind ``HUMANS_ADMIN_SECRET``).

Blinding: every HTTP response of a whole rater session (page, scripts and styles it links, config, API info,
every event result on the stream, audio files, error messages) is recorded; no model name, raw conversation id,
scenario name, study audio path, study folder, database path or admin secret may appear in any of them.

Access: nothing under ``/admin`` answers without the exact secret (whatever the encoding tricks), the admin's
events cannot be called through the rater app, exports are not reachable from the rater side, and a rater
cannot read another rater's session.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from gradio_http import GradioSession
from helpers.reliability_study import leaks, write_study
from rater_sim import OUT, _events, trial_floor_s
from rater_tab import Tab, value
from server_process import ServerProcess

SECRET = "reliability-admin-secret-4f9c2e"
FLOOR = 0.1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import os

    tmp = tmp_path_factory.mktemp("blind")
    root = write_study(tmp / "study", trials_per_rater=3, attention_checks=1, min_listen_fraction=FLOOR)
    os.environ["HUMANS_ADMIN_SECRET"] = SECRET
    try:
        with ServerProcess(root, tmp / "study.sqlite", tmp / "server.log") as server:
            server.start()
            yield server
            server.stop()
    finally:
        del os.environ["HUMANS_ADMIN_SECRET"]


def forbidden(server: ServerProcess) -> list[str]:
    return [SECRET, str(server.study_dir), str(server.db_path), server.db_path.parent.name]


def test_nothing_a_rater_receives_reveals_a_model(server):
    tab = GradioSession(server.url, keep_log=True, headers={"X-Forwarded-For": "10.4.0.1"})
    page = tab.open_page()
    for asset in sorted(set(re.findall(r'(?:src|href)="(\./[^"]+|/[^"/][^"]*)"', page)))[:40]:
        tab.get(asset.lstrip("./").lstrip("/"))
    for path in ("gradio_api/info", "gradio_api/openapi.json", "openapi.json", "theme.css", "healthz", "manifest.json"):
        tab.get(path)
    # error messages: a bad id, a stranger's token, a vote too soon
    tab.call("enter", [None, "?PROLIFIC_PID=bad%20id"])
    out = tab.call("enter", [None, "?PROLIFIC_PID=blindpid&STUDY_ID=s1&SESSION_ID=x1"])
    token = value(out[OUT["token"]])
    tab.call("consent", [token])
    out = tab.call("instructions", [token])
    tab.call("submit", ["made-up", value(out[OUT["trial_token"]]), "1", None, None, "", "[]", "0"])
    tab.call("submit", [token, value(out[OUT["trial_token"]]), "1", None, None, "", "[]", "0"])  # too soon
    audio_names = set()
    for _ in range(10):
        if value(out[OUT["done"]]):
            break
        players = value(out[OUT["players"]])
        names = re.findall(r'src="audio/([^"]+)"', players)
        assert names and all(re.fullmatch(r"[0-9a-f]{64}\.wav", n) for n in names), names
        audio_names.update(names)
        time.sleep(trial_floor_s(players, FLOOR) + 0.05)
        trial = value(out[OUT["trial_token"]])
        out = tab.call("submit", [token, trial, "-1", None, None, "fine", _events(players), "0"])
    assert "RELIABILITY-DONE" in value(out[OUT["done"]])
    for name in sorted(audio_names):
        response = tab.get(f"audio/{name}")
        assert response.status_code == 200
        assert not leaks(response.content.decode("latin-1")), name
    tab.get("audio/" + "f" * 64 + ".wav")  # the not-found message
    tab.call("enter", [token, ""])  # a reload on the done page

    texts = [text for _, _, text in tab.log]
    assert len(texts) > 30 and any("humans-trial" in t for t in texts)
    for what, status, text in tab.log:
        assert status < 500, (what, status)
        assert not leaks(text), (what, leaks(text), text[:300])
        for secret in forbidden(server):
            assert secret not in text, (what, secret)


ADMIN_TRICKS = [
    "admin",
    "admin/",
    "admin/config",
    "admin/gradio_api/info",
    "admin/{wrong}/",
    "admin/{wrong}/config",
    "admin/{short}/config",
    "admin/{secret}x/config",
    "admin/{upper}/config",
    "Admin/{secret}/config",
    "ADMIN/{secret}/",
    "%61dmin/{wrong}/config",
    "admin%2F{wrong}%2Fconfig",
    "admin/.%2e/admin/{wrong}/config",
    "admin/{wrong}/download/run/votes.csv",
    "admin/{wrong}/gradio_api/queue/data?session_hash=x",
    "admin/{wrong}/gradio_api/file=/etc/hostname",
]


def test_the_dashboard_needs_the_exact_secret(server):
    http = httpx.Client(timeout=30)
    base = server.url
    assert http.get(f"{base}admin/{SECRET}/").status_code == 200  # the secret works ...
    assert http.get(f"{base}admin/{SECRET}/config").status_code == 200
    wrong = SECRET[:-1] + ("x" if SECRET[-1] != "x" else "y")
    for template in ADMIN_TRICKS:
        path = template.format(secret=SECRET, wrong=wrong, short=SECRET[:-1], upper=SECRET.upper())
        for method in ("GET", "POST"):
            response = http.request(method, base + path)
            assert response.status_code in (404, 405), (method, path, response.status_code)
            assert SECRET not in response.text and "okapimodel" not in response.text, path
    # ... and the admin's events are not reachable through the rater app's queue
    admin = GradioSession(f"{base}admin/{SECRET}/")
    admin.load_config()
    rater = GradioSession(base)
    rater.load_config()
    rater_ids = {dep["id"] for dep in rater.config["dependencies"]}
    for name in ("export", "flag", "refresh"):
        fn_index = admin.fn_by_api[name]["id"]
        body = {"data": [], "fn_index": fn_index, "session_hash": "probe"}
        response = rater.call_raw(body)
        if fn_index in rater_ids:  # the same number is one of the rater app's own events: it runs that instead
            continue
        assert response.status_code == 400 and "Unknown event" in response.text, name
    assert "admin URL" in server.log() and SECRET in server.log()  # only on the researcher's terminal


def test_export_files_are_not_reachable_from_the_rater_side(server):
    admin = GradioSession(f"{server.url}admin/{SECRET}/")
    out = admin.call("export", ["csv", False])
    links = re.findall(r'href="(download/[^"]+)"', str(out))
    assert links, out
    http = httpx.Client(timeout=30)
    assert http.get(f"{server.url}admin/{SECRET}/{links[0]}").status_code == 200
    for path in (links[0], f"admin/{links[0]}", f"gradio_api/file={links[0]}"):
        assert http.get(server.url + path).status_code in (403, 404), path


def test_a_rater_cannot_read_another_raters_session(server):
    alice, bob = Tab(server, "10.4.1.1"), Tab(server, "10.4.1.2")
    alice_trial = alice.to_trial("alicesession")
    bob_trial = bob.to_trial("bobsession")
    assert alice.token != bob.token and alice_trial != bob_trial
    # Bob listening on Alice's event stream needs her session hash (random, client-side); a guess gets nothing.
    for guess in ("0" * 11, "alicesession", alice.token):
        try:
            response = bob.session.http.get(server.url + "gradio_api/queue/data", params={"session_hash": guess})
        except httpx.RemoteProtocolError:  # Gradio ends the stream of an unknown session at once
            continue
        assert alice.token not in response.text and alice_trial not in response.text
        assert response.status_code in (200, 404)
    # Nothing Bob receives names Alice's token or trial, and his reload stays his.
    bob.call("enter", bob.token, "?PROLIFIC_PID=bobsession")
    assert value(bob.out[OUT["trial_token"]]) == bob_trial
    for _what, _status, text in bob.session.log:
        assert alice.token not in text and alice_trial not in text
