"""A rater's browser tab from one client address, for tests that drive single raters by hand."""

from __future__ import annotations

import time

from gradio_http import GradioSession
from rater_sim import OUT, _events, trial_floor_s
from reliability_db import vote_rows
from server_process import ServerProcess

__all__ = ["Tab", "no_5xx", "value", "votes_of"]


def value(update):
    return update.get("value") if isinstance(update, dict) else update


class Tab:
    """A rater's browser tab from one client address."""

    def __init__(self, server: ServerProcess, ip: str, fraction: float = 0.1):
        self.fraction = fraction
        self.session = GradioSession(server.url, keep_log=True, headers={"X-Forwarded-For": ip})
        self.session.open_page()
        self.token: str | None = None
        self.out: list = []

    def call(self, api: str, *data) -> list:
        self.out = self.session.call(api, list(data))
        token = value(self.out[OUT["token"]])
        if isinstance(token, str) and token:
            self.token = token
        return self.out

    def notice(self) -> str:
        return value(self.out[OUT["notice"]]) or ""

    def to_trial(self, pid: str) -> str:
        self.call("enter", None, f"?PROLIFIC_PID={pid}")
        self.call("consent", self.token)
        self.call("instructions", self.token)
        return value(self.out[OUT["trial_token"]])

    def wait_floor(self) -> None:
        time.sleep(trial_floor_s(value(self.out[OUT["players"]]), self.fraction) + 0.05)

    def submit(self, trial_token, choice="1", reason="", events=None, token=None) -> list:
        players = value(self.out[OUT["players"]]) or ""
        events = _events(players) if events is None else events
        token = self.token if token is None else token
        return self.call("submit", token, trial_token, choice, None, None, reason, events, "0")

    def statuses(self) -> list[int]:
        return self.session.statuses


def no_5xx(*tabs: Tab) -> bool:
    return not [s for tab in tabs for s in tab.statuses() if s >= 500]


def votes_of(server, pid: str) -> list[dict]:
    return [v for v in vote_rows(server.db_path) if v["prolific_pid"] == pid]
