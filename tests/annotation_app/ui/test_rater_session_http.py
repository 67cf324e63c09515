"""A whole rater session against the real server on loopback, through the Gradio API (gradio_client).

Every vote must land in SQLite with all its fields; the server's rules (listening floor, invalid answers,
idempotent resubmits, resume) must show as polite notices; nothing a client receives may name a model.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest
import sqlite_utils
from gradio_client import Client
from helpers.ui_study import BAD_MODEL, MODELS, write_study

from annotation_app.app import ServeConfig, build_server
from annotation_app.ui.server import running

#: The rater app's API outputs, in order (layout columns are not part of the API).
OUTPUTS = (
    "token",
    "notice",
    "stage",
    "players",
    "trial_token",
    "preference",
    "likert_left",
    "likert_right",
    "reason",
    "done",
)
QUERY = "?PROLIFIC_PID=pid0123456789&STUDY_ID=study42&SESSION_ID=sess7"
CLIP_S = 0.25
FLOOR_FRACTION = 0.5


def value(update):
    """The value of an output, whether it came as a plain value or as a Gradio update dict."""
    return update.get("value") if isinstance(update, dict) else update


class Rater:
    """One rater's browserless session: each call returns the outputs as a dict, and keeps every raw reply."""

    def __init__(self, url: str):
        self.client = Client(url, verbose=False)
        self.replies: list[str] = []
        self.token: str | None = None

    def call(self, api: str, *args) -> dict:
        raw = self.client.predict(*args, api_name=api)
        self.replies.append(json.dumps(raw, default=str))
        out = dict(zip(OUTPUTS, raw, strict=True))
        if isinstance(out["token"], str):
            self.token = out["token"]
        return out

    def submit(self, trial_token: str, preference=None, likert_left=None, likert_right=None, reason="", events=()):
        return self.call(
            "/submit",
            self.token,
            trial_token,
            preference,
            likert_left,
            likert_right,
            reason,
            json.dumps(list(events)),
            "120",
        )


def listened_events(sides=("left", "right"), turns=2) -> list[dict]:
    """What the page would log for playing every turn of each side to its end."""
    ms = int(time.time() * 1000)
    out = []
    for side in sides:
        for turn in range(turns):
            out.append({"side": side, "turn": turn, "kind": "play", "t": 0.0, "ms": ms})
            out.append({"side": side, "turn": turn, "kind": "ended", "t": CLIP_S, "ms": ms + 250})
    return out


def floor_s(sides: int) -> float:
    return FLOOR_FRACTION * CLIP_S * 2 * sides


def assert_blind(texts: list[str]) -> None:
    for text in texts:
        for model in (*MODELS, BAD_MODEL):
            assert model not in text, f"model name {model!r} leaked into {text[:200]!r}"
        assert "audio/s0" not in text and "audio/s1" not in text, "a study audio path leaked"


def test_whole_pairwise_session_lands_in_sqlite(serve_study):
    server, urls = serve_study(quality={"min_listen_fraction": FLOOR_FRACTION, "attention_checks": 1})
    rater = Rater(urls["rater"])

    out = rater.call("/enter", None, QUERY)
    assert rater.token and value(out["players"]) == "" and value(out["done"]) == ""
    out = rater.call("/consent", rater.token)
    out = rater.call("/instructions", rater.token)
    assert 'id="humans-trial"' in value(out["players"])

    answers = ["-1", "0", "1", "both_bad"]
    expected = {}
    positions = []
    while value(out["trial_token"]):
        trial_token = value(out["trial_token"])
        players = value(out["players"])
        positions.append(re.search(r"Trial (\d+) of (\d+)", players).groups())
        names = re.findall(r'src="audio/([0-9a-f]{64}\.ogg)"', players)
        assert len(names) == 4, players
        time.sleep(floor_s(2) + 0.05)
        choice = answers[len(expected) % len(answers)]
        out = rater.submit(trial_token, choice, reason=f"reason {len(expected)}", events=listened_events())
        expected[trial_token] = choice
        assert value(out["notice"]) in ("", None), value(out["notice"])
        assert len(expected) <= 10, "the session never ends"

    assert positions == [(str(i), "4") for i in range(1, 5)]  # 3 trials + 1 attention check
    assert "UI-TEST-CODE" in value(out["done"])

    db = sqlite_utils.Database(server.config.db_path)
    rater_row = next(db.query("select * from raters"))
    assert rater_row["prolific_pid"] == "pid0123456789"
    assert rater_row["study_id"] == "study42" and rater_row["session_id"] == "sess7"
    assert rater_row["stage"] == "done" and rater_row["completion_code"] == "UI-TEST-CODE"
    votes = list(db.query("select v.*, a.token from votes v join assignments a on a.id = v.assignment_id"))
    assert len(votes) == 4
    assert sorted(v["position"] for v in votes) == [1, 2, 3, 4]
    assert sorted(v["kind"] for v in votes) == ["attention", "trial", "trial", "trial"]
    for vote in votes:
        choice = expected[vote["token"]]
        assert vote["both_bad"] == int(choice == "both_bad")
        assert vote["raw_choice"] == (None if choice == "both_bad" else int(choice))
        assert vote["winner_side"] == {"-1": "left", "0": "tie", "1": "right", "both_bad": "both_bad"}[choice]
        assert vote["preference_points"] == 3
        assert vote["reason"].startswith("reason ")
        assert vote["client_tz_offset_min"] == 120
        assert vote["time_to_vote_s"] >= floor_s(2)
        assert vote["left_conversation_id"] != vote["right_conversation_id"]
        assert vote["plays_left"] == vote["plays_right"] == 2
        assert vote["listened_left_s"] == pytest.approx(2 * CLIP_S)
        assert vote["listened_right_s"] == pytest.approx(2 * CLIP_S)
    events = list(db.query("select assignment_id, count(*) as n from events group by assignment_id"))
    assert sorted(e["n"] for e in events) == [8, 8, 8, 8]
    assert db["attention"].count == 1

    # A resubmit of an answered trial changes nothing; a reload (stored token) and the Prolific link resume at done.
    again = rater.submit(next(iter(expected)), "1", events=listened_events())
    assert "already been recorded" in value(again["notice"])
    assert db["votes"].count == 4
    assert "UI-TEST-CODE" in value(rater.call("/enter", rater.token, "")["done"])
    fresh_tab = Rater(urls["rater"])
    assert "UI-TEST-CODE" in value(fresh_tab.call("/enter", None, QUERY)["done"])
    assert fresh_tab.token == rater.token

    assert_blind(rater.replies + fresh_tab.replies)


def test_page_config_and_audio_route_are_blind(serve_study):
    server, urls = serve_study()
    rater = Rater(urls["rater"])
    rater.call("/enter", None, QUERY)
    rater.call("/consent", rater.token)
    out = rater.call("/instructions", rater.token)
    name = re.search(r'src="audio/([0-9a-f]{64}\.ogg)"', value(out["players"])).group(1)

    base = urls["rater"]
    page = urllib.request.urlopen(base).read().decode()
    config = urllib.request.urlopen(base + "config").read().decode()
    assert_blind([page, config, *rater.replies])
    assert str(server.config.study_dir) not in config

    with urllib.request.urlopen(f"{base}audio/{name}") as response:
        assert response.headers["Content-Type"] == "audio/ogg"
        assert response.read(4) == b"OggS"
    with urllib.request.urlopen(f"{base}audio/{name[:-4]}.mp3") as response:
        assert response.headers["Content-Type"] == "audio/mpeg"
    for bad in ("..%2Fstudy.yaml", "study.yaml", name.upper(), "0" * 64 + ".ogg", name[:-4] + ".wav"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}audio/{bad}")
        assert err.value.code == 404


def test_refusals_are_polite_notices_and_write_nothing(serve_study):
    server, urls = serve_study(seconds=3.0, quality={"min_listen_fraction": 0.9})
    rater = Rater(urls["rater"])
    out = rater.call("/enter", None, "?PROLIFIC_PID=bad%20id!")
    assert "PROLIFIC_PID" in value(out["notice"]) and rater.token is None

    out = rater.call("/start", "", "ab")
    assert "too short" in value(out["notice"])
    out = rater.call("/start", "", "rater-42")
    token = rater.token
    assert token
    assert "consent" in value(rater.call("/instructions", token)["notice"])
    rater.call("/consent", token)
    out = rater.call("/instructions", token)
    trial_token = value(out["trial_token"])

    too_soon = rater.submit(trial_token, "-1", events=listened_events())
    assert "Please listen to both conversations to the end" in value(too_soon["notice"])
    missing = rater.submit(trial_token, None)
    assert "Please choose which conversation you prefer" in value(missing["notice"])
    # a radio value that is not one of the choices (only a forged request sends one): the Radio refuses it
    refused = rater.submit(trial_token, "7")
    assert "not in the list of choices" in value(refused["notice"])
    garbled = rater.call("/submit", token, trial_token, "1", None, None, "", "{not json", "0")
    assert "garbled listening log" in value(garbled["notice"])
    stranger = rater.call("/submit", "made-up-token", trial_token, "1", None, None, "", "[]", "0")
    assert "not known" in value(stranger["notice"])

    db = sqlite_utils.Database(server.config.db_path)
    assert db["votes"].count == 0
    assert next(db.query("select typed_id, id_kind from raters")) == {"typed_id": "rater-42", "id_kind": "typed"}
    # The same typed id resumes the same rater at the same open trial.
    again = Rater(urls["rater"])
    out = again.call("/start", "", "rater-42")
    assert again.token == token and value(out["trial_token"]) == trial_token


@pytest.mark.parametrize("scheme", ["likert", "pairwise+likert"])
def test_likert_schemes_store_ratings(serve_study, scheme):
    server, urls = serve_study(
        rating={"scheme": scheme, "likert_points": 5, "reason": "required", "preference_points": 5},
        targets={"trials_per_rater": 2},
        quality={"min_listen_fraction": FLOOR_FRACTION, "attention_checks": 0},
    )
    rater = Rater(urls["rater"])
    rater.call("/enter", None, QUERY)
    rater.call("/consent", rater.token)
    out = rater.call("/instructions", rater.token)
    sides = ("left",) if scheme == "likert" else ("left", "right")
    submitted = 0
    while value(out["trial_token"]):
        players = value(out["players"])
        assert ('data-side="right"' in players) == (scheme != "likert")
        trial_token = value(out["trial_token"])
        time.sleep(floor_s(len(sides)) + 0.05)
        preference = None if scheme == "likert" else "-2"
        no_reason = rater.submit(
            trial_token, preference, 4, 2 if scheme != "likert" else None, "", listened_events(sides)
        )
        assert "reason" in value(no_reason["notice"]).lower()
        out = rater.submit(
            trial_token, preference, 4, 2 if scheme != "likert" else None, "clear", listened_events(sides)
        )
        submitted += 1
        assert submitted <= 5
    assert "UI-TEST-CODE" in value(out["done"])

    db = sqlite_utils.Database(server.config.db_path)
    votes = list(db["votes"].rows)
    assert len(votes) == submitted == 2
    likert = list(db["likert"].rows)
    assert len(likert) == submitted * len(sides)
    assert {(row["side"], row["value"], row["points"]) for row in likert} == (
        {("left", 4, 5)} if scheme == "likert" else {("left", 4, 5), ("right", 2, 5)}
    )
    if scheme == "likert":
        assert all(v["right_conversation_id"] is None and v["winner_side"] is None for v in votes)
    else:
        assert all(v["raw_choice"] == -2 and v["strength"] == 2 and v["preference_points"] == 5 for v in votes)
    assert all(v["reason"] == "clear" for v in votes)
    assert_blind(rater.replies)


def test_server_restart_resumes_the_open_trial(tmp_path):
    root = write_study(tmp_path / "study")
    config = ServeConfig(root, tmp_path / "votes.sqlite", port=0, seed=3)
    first = build_server(config)
    try:
        with running(first) as urls:
            rater = Rater(urls["rater"])
            rater.call("/enter", None, QUERY)
            rater.call("/consent", rater.token)
            trial_token = value(rater.call("/instructions", rater.token)["trial_token"])
    finally:
        first.close()
    second = build_server(config)
    try:
        with running(second) as urls:
            again = Rater(urls["rater"])
            out = again.call("/enter", rater.token, "")
            assert again.token == rater.token and value(out["trial_token"]) == trial_token
            assert "Trial 1 of" in value(out["players"])
    finally:
        second.close()
