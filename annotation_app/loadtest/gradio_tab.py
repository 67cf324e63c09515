"""One browser tab of a Gradio 6 app, over asyncio HTTP, sending what the page's JavaScript client sends.

Recorded from headless Chromium on ``humans serve`` (Gradio 6.31, protocol ``sse_v3``):

1. ``GET <page>?<query>``: the HTML, with the app's config embedded as ``window.gradio_config = {...}`` (the
   page does not fetch ``/config``); then the scripts and styles it names and ``theme.css`` (cached afterwards).
2. An event (the page's load event, a click): ``POST gradio_api/queue/join?<query>`` with the JSON body
   ``{"data": [...], "event_data": null, "fn_index": i, "trigger_id": t, "session_hash": h}`` (clicks leave out
   ``event_data``), answered ``{"event_id": e}``; then (the client opens it once it has the event id)
   ``GET gradio_api/queue/data?session_hash=h`` (``Accept: text/event-stream``) streams ``estimation``,
   ``process_starts``, ``process_completed`` (with ``output.data``: one value or update dict per output
   component) and ``close_stream``.
   An event registered with ``queue=False`` (the dependency's ``"queue": false``; the rater app's) is instead one
   ``POST gradio_api/run/predict?<query>`` with the same body, answered ``{"data": [...], ...}`` (HTTP 500 with
   ``{"error": ...}`` when the function raised).
3. Audio: ``GET audio/<name>`` with ``Range: bytes=0-`` (a 206 answer) for every player of a trial.

No heartbeat stream is opened (the app has no state that needs one). The session hash is 11 random base-36
characters per tab; a reload is a new tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

import aiohttp

__all__ = ["AppConfig", "CallFailed", "GradioTab", "ServerDown", "parse_page_config"]

_CONFIG = re.compile(r"window\.gradio_config\s*=\s*(\{.*?\});?\s*</script>", re.S)
_ASSET = re.compile(r'(?:src|href)="(\./(?:assets|static)/[^"]+)"')
_DOWN = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, ConnectionError)
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class ServerDown(Exception):
    """The server did not answer (connection refused, reset or closed early): it is down or restarting."""


class CallFailed(Exception):
    """The server answered with an HTTP error or an error message on the event stream."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AppConfig:
    """What a tab needs from a Gradio app's config: its named events and its components."""

    api_prefix: str
    events: dict[str, dict]
    components: dict[int, dict]

    def output_index(self, api_name: str, elem_id: str) -> int | None:
        """Position among ``api_name``'s outputs of the component with ``elem_id`` (None when it is not one)."""
        outputs = self.events[api_name]["outputs"]
        for cid, comp in self.components.items():
            if comp.get("props", {}).get("elem_id") == elem_id:
                return outputs.index(cid) if cid in outputs else None
        return None

    def props(self, elem_id: str) -> dict:
        """Initial properties of the component with ``elem_id`` (empty when there is none)."""
        for comp in self.components.values():
            if comp.get("props", {}).get("elem_id") == elem_id:
                return comp["props"]
        return {}


def parse_page_config(config: dict) -> AppConfig:
    """Index a Gradio config (``window.gradio_config`` or ``GET config``) by event name and component id."""
    events = {d["api_name"].lstrip("/"): d for d in config.get("dependencies", []) if d.get("api_name")}
    components = {c["id"]: c for c in config.get("components", [])}
    return AppConfig(config.get("api_prefix", "/gradio_api").strip("/"), events, components)


def _session_hash() -> str:
    return "".join(_B36[b % 36] for b in secrets.token_bytes(11))


@dataclass
class GradioTab:
    """A browser tab on ``base`` (the app's URL, ending in ``/``) with the page query string ``query``.

    ``record(kind, seconds, status)`` is called after every request (``status`` 0 when the server was down);
    ``headers`` go with every request (e.g. ``X-Forwarded-For``).
    """

    http: aiohttp.ClientSession
    base: str
    query: str = ""
    record: Callable[[str, float, int], None] = lambda kind, seconds, status: None
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 120.0
    config: AppConfig | None = None
    session_hash: str = field(default_factory=_session_hash)

    def url(self, path: str, *, with_query: bool = False) -> str:
        """Absolute URL of ``path`` (relative to the app root), with the page's query string if asked."""
        url = urljoin(self.base, path)
        return f"{url}?{self.query}" if with_query and self.query else url

    @contextlib.contextmanager
    def _reaching(self, kind: str, start: float) -> Iterator[None]:
        """A request of ``kind`` begun at ``start``: a timeout or a refused, reset or cut connection is recorded
        with status 0 and raised as :class:`ServerDown`."""
        try:
            yield
        except (TimeoutError, *_DOWN) as exc:
            self.record(kind, time.perf_counter() - start, 0)
            raise ServerDown(f"{kind}: {type(exc).__name__} {exc}") from exc

    async def _get(self, kind: str, url: str, headers: dict | None = None) -> bytes:
        start = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        with self._reaching(kind, start):
            async with self.http.get(url, headers={**self.headers, **(headers or {})}, timeout=timeout) as resp:
                body = await resp.read()
                self.record(kind, time.perf_counter() - start, resp.status)
                if resp.status >= 400:
                    raise CallFailed(f"{kind}: HTTP {resp.status} for {url}", resp.status)
                return body

    async def open_page(self, *, assets: bool = True) -> str:
        """Load the page like a browser: HTML (config inside), then its scripts, styles and theme; a new session."""
        self.session_hash = _session_hash()
        html = (await self._get("page", self.url("", with_query=True))).decode("utf-8", "replace")
        match = _CONFIG.search(html)
        # An app served without the embedded config: ask for it, as older pages did.
        config = json.loads(match.group(1) if match else await self._get("config", self.url("config")))
        self.config = parse_page_config(config)
        if assets:
            paths = [*_ASSET.findall(html), "theme.css"]
            await asyncio.gather(*(self._get("asset", self.url(p)) for p in paths))
        return html

    async def audio(self, names: list[str]) -> None:
        """Fetch the players' audio files as ``<audio>`` elements do (``Range: bytes=0-``), all at once."""
        await asyncio.gather(*(self._get("audio", self.url(n), {"Range": "bytes=0-"}) for n in names))

    async def event(self, api_name: str, data: list, *, load: bool = False) -> list:
        """Run the named event like the page does; returns its outputs (one per output component).

        ``load`` marks the page's load event (its body carries ``event_data: null``, a click's does not).
        """
        assert self.config is not None, "open_page() first"
        dep = self.config.events[api_name]
        targets = dep.get("targets") or [[None, None]]
        body: dict = {"data": data}
        if load:
            body["event_data"] = None
        body |= {"fn_index": dep["id"], "trigger_id": targets[0][0], "session_hash": self.session_hash}
        if dep.get("queue") is False:
            return await self._run(api_name, body)
        start = time.perf_counter()
        try:
            with self._reaching(api_name, start):
                async with asyncio.timeout(self.timeout_s):
                    event_id = await self._join(body)
                    status, messages = await self._stream()
        except CallFailed as exc:
            self.record(api_name, time.perf_counter() - start, exc.status)
            raise
        for message in messages:
            if message.get("event_id") != event_id:
                continue
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                if not message.get("success", False):
                    self.record(api_name, time.perf_counter() - start, 500)
                    raise CallFailed(f"{api_name}: {output.get('error') or output}", 500)
                self.record(api_name, time.perf_counter() - start, status)
                return output["data"]
        self.record(api_name, time.perf_counter() - start, 0)
        raise ServerDown(f"{api_name}: the event stream closed without a result")

    async def _run(self, api_name: str, body: dict) -> list:
        """An event registered with ``queue=False``: one ``POST run/predict``, answered with the outputs."""
        url = self.url(f"{self.config.api_prefix}/run/predict", with_query=True)
        start = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        with self._reaching(api_name, start):
            async with self.http.post(url, json=body, headers=self.headers, timeout=timeout) as resp:
                text = await resp.text()
                status = resp.status
        self.record(api_name, time.perf_counter() - start, status)
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if status != 200 or not isinstance(answer, dict) or "data" not in answer:
            detail = answer.get("error") if isinstance(answer, dict) else text[:200]
            raise CallFailed(f"run/predict {api_name}: HTTP {status} {detail}", status)
        return answer["data"]

    async def _join(self, body: dict) -> str:
        url = self.url(f"{self.config.api_prefix}/queue/join", with_query=True)
        async with self.http.post(url, json=body, headers=self.headers) as resp:
            text = await resp.text()
            if resp.status != 200:
                raise CallFailed(f"queue/join: HTTP {resp.status} {text[:200]}", resp.status)
            return json.loads(text)["event_id"]

    async def _stream(self) -> tuple[int, list[dict]]:
        url = self.url(f"{self.config.api_prefix}/queue/data")
        headers = {**self.headers, "Accept": "text/event-stream", "Content-Type": "application/json"}
        messages = []
        async with self.http.get(url, params={"session_hash": self.session_hash}, headers=headers) as resp:
            if resp.status != 200:
                raise CallFailed(f"queue/data: HTTP {resp.status}", resp.status)
            async for raw in resp.content:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                messages.append(message)
                kind = message.get("msg")
                if kind == "unexpected_error":
                    raise CallFailed(f"queue/data: {message.get('message')}", 500)
                if kind in ("process_completed", "close_stream"):
                    break
            return resp.status, messages
