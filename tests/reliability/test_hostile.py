"""Hostile input against ``humans serve`` over HTTP: every case is refused or limited with a clear message, no
request gets a 5xx, and nothing corrupt or unexpected is written.

Each test speaks for its own client address (``X-Forwarded-For``, which uvicorn trusts from loopback only), so the
new-rater limit of one test does not spill into another.
"""

from __future__ import annotations

import json
import threading
import zlib

import pytest
from gradio_http import CallFailed
from helpers.reliability_study import write_study
from rater_sim import OUT
from rater_tab import Tab, no_5xx, value, votes_of
from reliability_db import db_rows
from server_process import ServerProcess

FLOOR = 0.1
LIMIT = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    root = write_study(tmp / "study", trials_per_rater=4, min_listen_fraction=FLOOR)
    with ServerProcess(
        root, tmp / "study.sqlite", tmp / "server.log", extra=("--max-new-raters-per-ip", str(LIMIT))
    ) as server:
        server.start()
        yield server
        assert "Exception in ASGI application" not in server.log(), server.log()
        server.stop()


def test_forged_tokens_are_refused(server):
    tab = Tab(server, "10.0.1.1")
    trial = tab.to_trial("forgepid")
    tab.wait_floor()
    for forged in ("made-up-trial", "' OR 1=1 --", trial[:-1] + ("A" if trial[-1] != "A" else "B"), ""):
        tab.submit(forged)
        assert "not one of yours" in tab.notice(), forged
    for forged_rater in ("made-up-rater", "' OR '1'='1", ""):
        tab.submit(trial, token=forged_rater)
        assert "not known here" in tab.notice() or "not one of yours" in tab.notice()
    assert votes_of(server, "forgepid") == []
    tab.submit(trial)  # the real vote still goes through
    assert tab.notice() == "" and len(votes_of(server, "forgepid")) == 1
    assert no_5xx(tab)


def test_replayed_votes_keep_the_first_answer(server):
    tab = Tab(server, "10.0.2.1")
    trial = tab.to_trial("replaypid")
    tab.wait_floor()
    players = value(tab.out[OUT["players"]])
    tab.submit(trial, "-1", reason="first")
    next_trial = value(tab.out[OUT["trial_token"]])
    for choice in ("-1", "1", "both_bad"):
        tab.out[OUT["players"]] = players
        tab.submit(trial, choice, reason="replayed")
        assert "already been recorded" in tab.notice()
        assert value(tab.out[OUT["trial_token"]]) == next_trial
    mine = votes_of(server, "replaypid")
    assert [(v["token"], v["reason"]) for v in mine] == [(trial, "first")]

    # The same vote sent from five tabs at once: one vote, five acknowledgements.
    tab.wait_floor()
    results: list = []

    def send():
        other = Tab(server, "10.0.2.1")
        other.token, other.out = tab.token, list(tab.out)
        results.append(value(other.submit(next_trial, "0", reason="race")[OUT["notice"]]) or "")

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 5 and sum(r == "" for r in results) == 1
    assert all("already been recorded" in r for r in results if r)
    assert sorted(v["token"] for v in votes_of(server, "replaypid")) == sorted([trial, next_trial])
    assert no_5xx(tab)


def test_votes_for_another_raters_assignment_are_refused(server):
    alice, mallory = Tab(server, "10.0.3.1"), Tab(server, "10.0.3.2")
    alice_trial = alice.to_trial("alicepid")
    mallory.to_trial("mallorypid")
    alice.wait_floor()
    mallory.out[OUT["players"]] = alice.out[OUT["players"]]
    mallory.submit(alice_trial)
    assert "not one of yours" in mallory.notice()
    assert votes_of(server, "alicepid") == [] and votes_of(server, "mallorypid") == []
    # Mallory re-entering with Alice's id from the URL is Alice (Prolific ids are the identity) but gets no token
    # of a third rater, and Alice's open trial is unchanged.
    alice.submit(alice_trial)
    assert alice.notice() == "" and len(votes_of(server, "alicepid")) == 1
    assert no_5xx(alice, mallory)


@pytest.mark.parametrize(
    "choice,events,expected",
    [
        ("7", "[]", "not in the list of choices"),
        (-1, "[]", "not in the list of choices"),
        ("both_bad ", "[]", "not in the list of choices"),
        (None, "[]", "Please choose which conversation you prefer"),
        ("1", "{not json", "garbled listening log"),
        ("1", json.dumps([{"side": "left", "turn": 0, "kind": "play", "t": 0, "ms": 1}] * 2001), "garbled"),
        ("1", json.dumps([{"side": "middle", "turn": 0, "kind": "play", "t": 0, "ms": 1}]), "garbled"),
        ("1", json.dumps([{"side": "left", "turn": -3, "kind": "play", "t": 0, "ms": 1}]), "garbled"),
        ("1", json.dumps([{"side": "left", "turn": 0, "kind": "play", "t": "NaN", "ms": 1}]), "garbled"),
    ],
)
def test_out_of_range_answers_are_refused(server, choice, events, expected):
    case = zlib.crc32(repr((choice, events)).encode())
    tab = Tab(server, f"10.0.4.{case % 250}")
    pid = f"rangepid{case}"
    trial = tab.to_trial(pid)
    tab.wait_floor()
    try:
        tab.submit(trial, choice, events=events)
        message = tab.notice()
    except CallFailed as exc:  # Gradio's own validation of radio values: an error event, not a 5xx
        message = str(exc)
    assert expected in message
    assert votes_of(server, pid) == []
    assert no_5xx(tab)


def test_forged_event_requests_get_a_clear_4xx(server):
    tab = Tab(server, "10.0.5.1")
    tab.to_trial("forgedbody")
    submit = tab.session.fn_by_api["submit"]
    takes = len(submit["inputs"])
    cases = [
        ({"data": [], "fn_index": 9999, "session_hash": "f1"}, 400, "Unknown event."),
        ({"data": [], "fn_index": -1, "session_hash": "f2"}, 400, "Unknown event."),
        ({"data": [], "fn_index": "x' OR 1=1", "session_hash": "f3"}, 422, "valid integer"),
        ({"data": "not a list", "fn_index": submit["id"], "session_hash": "f4"}, 422, "valid list"),
        ({"data": ["x" * (2 << 20)], "fn_index": submit["id"], "session_hash": "f5"}, 413, "too large"),
        # too few or too many values: Gradio would call the function with the wrong arguments
        ({"data": [tab.token], "fn_index": submit["id"], "session_hash": "f6"}, 400, f"takes {takes} values, not 1"),
        ({"data": [None] * 50, "fn_index": submit["id"], "session_hash": "f7"}, 400, f"takes {takes} values, not 50"),
    ]
    # the page posts rater events to run/predict (queue=False); queue/join still answers them
    for route in ("run/predict", "queue/join"):
        for body, status, detail in cases:
            response = tab.session.call_raw(body, route)
            assert (response.status_code, detail in response.text) == (status, True), (route, body, response.text)
    by_name = [  # Gradio's API routes find the event by the name in the path when the body has no fn_index
        ("run/submit", {"data": [tab.token], "session_hash": "f8"}, 400, f"takes {takes} values, not 1"),
        ("api/submit", {"data": [], "session_hash": "f9"}, 400, f"takes {takes} values, not 0"),
        ("run/nosuchevent", {"data": [], "session_hash": "f10"}, 400, "Unknown event."),
        ("run/predict", {"data": [], "session_hash": "f11"}, 400, "Unknown event."),
    ]
    for route, body, status, detail in by_name:
        response = tab.session.call_raw(body, route)
        assert (response.status_code, detail in response.text) == (status, True), (route, body, response.text)
    no_session = tab.session.call_raw({"data": [None] * takes, "fn_index": submit["id"]})
    assert no_session.status_code == 400 and "Session hash not found." in no_session.text
    upload = tab.session.http.post(server.url + "gradio_api/upload", files={"files": ("a.txt", b"hello")})
    assert upload.status_code == 403 and "no file uploads" in upload.text
    # The right number of empty values: a polite notice, never a vote.
    tab.session.new_tab()
    out = tab.session.call("submit", [tab.token] + [None] * (takes - 1))
    assert "Please choose" in value(out[OUT["notice"]])
    assert votes_of(server, "forgedbody") == []
    assert no_5xx(tab)


def test_oversized_reasons_are_refused_politely(server):
    tab = Tab(server, "10.0.6.1")
    trial = tab.to_trial("bigreason")
    tab.wait_floor()
    for size in (2001, 500_000):
        tab.submit(trial, reason="x" * size)
        assert f"Your reason is {size} characters long; please shorten it to at most 2000." in tab.notice()
    with pytest.raises(CallFailed, match="413"):  # beyond 1 MiB the request guard refuses the body unread
        tab.submit(trial, reason="x" * 5_000_000)
    assert votes_of(server, "bigreason") == []
    tab.submit(trial, reason="y" * 2000)
    assert tab.notice() == "" and votes_of(server, "bigreason")[0]["reason"] == "y" * 2000
    assert no_5xx(tab)


@pytest.mark.parametrize(
    "query,typed",
    [
        ("?PROLIFIC_PID=x%27%3B%20DROP%20TABLE%20raters%3B--", None),
        ("?PROLIFIC_PID=a%00b", None),
        ("?PROLIFIC_PID=%3Cscript%3Ealert(1)%3C%2Fscript%3E", None),
        ("?PROLIFIC_PID=ok123&SESSION_ID=..%2F..%2Fetc", None),
        ("?PROLIFIC_PID=" + "a" * 100_000, None),
        ("", "ab\x00cd"),
        ("", "robert'); DROP TABLE votes;--"),
        ("", "../../etc/passwd"),
        ("", "\u202eevil\u202c"),
        ("", "x" * 65),
    ],
)
def test_hostile_ids_are_refused_and_write_nothing(server, query, typed):
    tab = Tab(server, "10.0.7.1")
    before = db_rows(server.db_path, "SELECT COUNT(*) AS n FROM raters")[0]["n"]
    if typed is None:
        tab.call("enter", None, query)
    else:
        tab.call("start", query, typed)
    assert "use only" in tab.notice() or "too long" in tab.notice(), tab.notice()
    assert tab.token is None
    assert db_rows(server.db_path, "SELECT COUNT(*) AS n FROM raters")[0]["n"] == before
    assert no_5xx(tab)


def test_injection_and_control_characters_in_reasons_are_stored_inert(server):
    tab = Tab(server, "10.0.8.1")
    trial = tab.to_trial("injectpid")
    tab.wait_floor()
    tab.submit(trial, reason="'); DROP TABLE votes;-- <script>alert(1)</script>\x00\x1b[2J\u202e{{7*7}}")
    assert tab.notice() == ""
    (vote,) = votes_of(server, "injectpid")
    assert vote["reason"] == "'); DROP TABLE votes;-- <script>alert(1)</script>[2J{{7*7}}"
    assert db_rows(server.db_path, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]


TRAVERSALS = [
    "gradio_api/file=/etc/passwd",
    "gradio_api/file=../../../../etc/passwd",
    "gradio_api/file=%2Fetc%2Fpasswd",
    "gradio_api/file=/proc/self/environ",
    "gradio_api/file={root}/study.yaml",
    "gradio_api/file={root}/conversations.jsonl",
    "gradio_api/file={db}",
    "gradio_api/file={root}/audio/",
    "gradio_api/file=pyproject.toml",
    "file=/etc/passwd",
    "audio/..%2F..%2F..%2Fetc%2Fpasswd",
    "audio/%2e%2e%2fstudy.sqlite",
    "audio/..%5C..%5Cstudy.yaml",
    "audio/" + "0" * 64 + ".wav",
    "audio/{name_upper}",
    "audio/{name}%00.txt",
    "static/../../../etc/passwd",
    "assets/..%2F..%2F..%2Fetc%2Fpasswd",
    "gradio_api/static/../../../../etc/passwd",
]


def test_path_traversal_in_file_requests_is_refused(server):
    tab = Tab(server, "10.0.9.1")
    tab.to_trial("pathpid")
    name = value(tab.out[OUT["players"]]).split('src="audio/')[1].split('"')[0]
    ok = tab.session.get(f"audio/{name}")
    assert ok.status_code == 200 and ok.content[:4] == b"OggS"
    for template in TRAVERSALS:
        path = template.format(root=server.study_dir, db=server.db_path, name=name, name_upper=name.upper())
        response = tab.session.get(path)
        assert response.status_code in (400, 403, 404, 405), (path, response.status_code)
        body = response.content
        assert b"root:" not in body and b"SQLite format" not in body, path
        assert b"RIFF" not in body and b"OggS" not in body, path  # neither a study file nor a served clip
        assert b"okapimodel" not in body and b"rawconv" not in body, path


def test_many_new_rater_ids_from_one_client_are_limited(server):
    tab = Tab(server, "10.0.10.1")
    tokens = []
    for i in range(LIMIT):
        tab.call("enter", None, f"?PROLIFIC_PID=floodpid{i}")
        assert tab.notice() == "", tab.notice()
        tokens.append(tab.token)
    for i in range(LIMIT, LIMIT + 5):
        tab.token = None
        tab.call("enter", None, f"?PROLIFIC_PID=floodpid{i}")
        assert "Too many new participants have joined from your network recently" in tab.notice()
        tab.call("start", "", f"floodtyped{i}")
        assert "Too many new participants" in tab.notice()
    # Known raters still resume; another address is not affected.
    tab.call("enter", tokens[0], "")
    assert tab.token == tokens[0] and tab.notice() == ""
    other = Tab(server, "10.0.10.2")
    other.call("enter", None, "?PROLIFIC_PID=floodother")
    assert other.notice() == "" and other.token
    flood = db_rows(server.db_path, "SELECT COUNT(*) AS n FROM raters WHERE external_id LIKE '%flood%'")[0]["n"]
    assert flood == LIMIT + 1
    assert "refused a new rater from 10.0.10.1" in server.log()
    assert no_5xx(tab, other)
