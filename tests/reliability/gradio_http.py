"""A browserless Gradio 6 client that sends exactly what the browser's frontend sends.

The frontend reads ``/config``; an event (button click, page load) is ``POST /gradio_api/queue/join`` with
``{"data", "event_data", "fn_index", "trigger_id", "session_hash"}`` (the values after the event's ``js=``
pre-processing), answered by ``{"event_id"}``; the result arrives on the server-sent event stream
``GET /gradio_api/queue/data?session_hash=…`` as ``estimation`` / ``process_starts`` / ``process_completed``
messages, then ``close_stream``. An event registered with ``queue=False`` (its dependency says
``"queue": false``: the rater app's) is one ``POST /gradio_api/run/predict`` with the same body instead, answered
``{"data": [...]}``. Every raw response body is kept in :attr:`GradioSession.log` (blinding checks).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

import httpx

__all__ = ["CallFailed", "GradioSession", "ServerDown"]


class ServerDown(Exception):
    """The server did not answer (connection refused or dropped): it is down or restarting."""


class CallFailed(Exception):
    """The server answered an event with an HTTP error or an error message (``status`` is the HTTP code)."""

    def __init__(self, message: str, status: int = 200):
        super().__init__(message)
        self.status = status


@dataclass
class GradioSession:
    """One browser tab: a session hash, the app's config, and the log of every response body received."""

    base: str
    timeout_s: float = 60.0
    keep_log: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    log: list[tuple[str, int, str]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = self.base.rstrip("/") + "/"
        headers = {"User-Agent": "humans-reliability", **self.headers}
        self.http = httpx.Client(timeout=self.timeout_s, headers=headers)
        self.session_hash = secrets.token_hex(6)
        self.config: dict | None = None
        self.fn_by_api: dict[str, dict] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def new_tab(self) -> None:
        """Start a new session hash (what a reload or a new tab does)."""
        self.session_hash = secrets.token_hex(6)

    # ------------------------------------------------------------------ plain requests
    def get(self, path: str, **kwargs) -> httpx.Response:
        """GET ``path`` (relative to the app root); records the status and the body."""
        try:
            response = self.http.get(self.base + path.lstrip("/"), **kwargs)
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            raise ServerDown(str(exc)) from exc
        self._record(path, response.status_code, response.content)
        return response

    def _record(self, what: str, status: int, body: bytes | str) -> None:
        self.statuses.append(status)
        if self.keep_log:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            self.log.append((what, status, text))

    def load_config(self) -> dict:
        """Fetch ``/config`` and index the named events (what the page does when it opens)."""
        response = self.get("config")
        if response.status_code != 200:
            raise CallFailed(f"config: HTTP {response.status_code}", response.status_code)
        self.config = response.json()
        self.fn_by_api = {}
        for dep in self.config["dependencies"]:
            if dep.get("api_name"):
                self.fn_by_api[dep["api_name"].lstrip("/")] = dep
        return self.config

    def open_page(self) -> str:
        """GET the page HTML and its config, as a browser opening the link does."""
        page = self.get("")
        if page.status_code != 200:
            raise CallFailed(f"page: HTTP {page.status_code}", page.status_code)
        self.load_config()
        return page.text

    # ------------------------------------------------------------------ events
    def call_raw(self, body: dict, route: str = "queue/join") -> httpx.Response:
        """POST a hand-made event body to ``gradio_api/<route>`` (forged requests); returns the raw response."""
        response = self.http.post(self.base + "gradio_api/" + route, json=body)
        self._record(f"{route} raw", response.status_code, response.content)
        return response

    def call(self, api_name: str, data: list) -> list:
        """Run one event the way the frontend does; returns the output values (one per output component).

        Raises
        ------
        ServerDown
            Connection refused or dropped before the result arrived.
        CallFailed
            An HTTP error from ``run/predict`` or ``queue/join``, or an error message on the stream.
        """
        if self.config is None:
            self.load_config()
        dep = self.fn_by_api[api_name.lstrip("/")]
        targets = dep.get("targets") or [[None, None]]
        body = {
            "data": data,
            "event_data": None,
            "fn_index": dep["id"],
            "trigger_id": targets[0][0],
            "session_hash": self.session_hash,
        }
        if dep.get("queue") is False:
            return self._post("run/predict", body, api_name).json()["data"]
        return self._await(self._post("queue/join", body, api_name).json()["event_id"], api_name)

    def _post(self, route: str, body: dict, api_name: str) -> httpx.Response:
        """POST an event body to ``gradio_api/<route>``; the response when it is a 200."""
        try:
            response = self.http.post(self.base + "gradio_api/" + route, json=body)
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            raise ServerDown(str(exc)) from exc
        self._record(f"{route} {api_name}", response.status_code, response.content)
        if response.status_code != 200:
            message = f"{route} {api_name}: HTTP {response.status_code} {response.text[:200]}"
            raise CallFailed(message, response.status_code)
        return response

    def _await(self, event_id: str, api_name: str) -> list:
        url = self.base + "gradio_api/queue/data"
        try:
            with self.http.stream("GET", url, params={"session_hash": self.session_hash}) as stream:
                if stream.status_code != 200:
                    body = stream.read()
                    self._record(f"data {api_name}", stream.status_code, body)
                    raise CallFailed(f"queue/data {api_name}: HTTP {stream.status_code}", stream.status_code)
                for line in stream.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    self._record(f"sse {api_name}", 200, line)
                    message = json.loads(line[5:])
                    kind = message.get("msg")
                    if kind == "process_completed" and message.get("event_id") == event_id:
                        output = message.get("output") or {}
                        if not message.get("success", False):
                            raise CallFailed(f"{api_name}: {output.get('error') or output}")
                        return output["data"]
                    if kind == "unexpected_error":
                        raise CallFailed(f"{api_name}: {message.get('message')}")
                    if kind == "close_stream":
                        break
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            raise ServerDown(str(exc)) from exc
        raise ServerDown(f"{api_name}: the event stream closed without a result")


def timed(fn, *args) -> tuple[float, object]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result
