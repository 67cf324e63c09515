"""An ASGI guard in front of a mounted Gradio app: refuses forged or oversized event requests with a clear 4xx.

Gradio answers an event request with an unknown ``fn_index`` with a 500 (a ``KeyError`` in its router), reads
request bodies of any size into memory, and accepts file uploads on every app, even one without upload
components. The guard, wrapped around the mounted app only, answers those requests itself:

- an event request (``POST …/gradio_api/queue/join``, or ``…/gradio_api/run/<name>`` for events outside the
  queue, and Gradio's other names for it, ``api/<name>`` and ``call/<name>``) larger than ``max_body_bytes`` →
  413; naming an event the app does not have (its ``fn_index``, or for ``run``/``api`` without one, the name in
  the path), or with a ``data`` list whose length is not that event's number of inputs (Gradio would run the
  function with the wrong arguments: a 500) → 400;
- ``POST …/gradio_api/upload`` when ``allow_uploads`` is False → 403.

Everything else passes through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

__all__ = ["MAX_EVENT_BODY_BYTES", "GradioRequestGuard", "event_inputs"]

#: Largest event request body accepted (a vote with a 2,000-character reason and 2,000 audio events is ~200 kB).
MAX_EVENT_BODY_BYTES = 1 << 20

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class GradioRequestGuard:
    """Wrap the ASGI app of a mounted Gradio Blocks (see the module docstring).

    Parameters
    ----------
    app : ASGI app
        The mounted Gradio app.
    fn_inputs : mapping of int or str to int
        How many inputs each event of the Blocks takes, by event id and API name (:func:`event_inputs`).
    allow_uploads : bool, default False
        Whether ``gradio_api/upload`` is open (only apps with upload components need it).
    max_body_bytes : int, default :data:`MAX_EVENT_BODY_BYTES`
        Largest event request body.
    """

    def __init__(
        self,
        app,
        fn_inputs: Mapping[int | str, int],
        *,
        allow_uploads: bool = False,
        max_body_bytes: int = MAX_EVENT_BODY_BYTES,
    ) -> None:
        self.app = app
        self.fn_inputs = dict(fn_inputs)
        self.allow_uploads = allow_uploads
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path.endswith("/gradio_api/upload") and not self.allow_uploads:
            return await _reply(send, 403, "This page accepts no file uploads.")
        route = _event_route(path)
        if route is None:
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return await _reply(send, 413, "The request is too large.")
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return await _reply(send, 413, "The request is too large.")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            request = json.loads(body)
            fn_index, data = request.get("fn_index"), request.get("data")
        except (ValueError, AttributeError):
            fn_index = data = None  # not a JSON object: Gradio's own validation answers 422
        event: int | str | None = None
        if isinstance(fn_index, int) and not isinstance(fn_index, bool):
            event = fn_index
        elif fn_index is None and route[0] in ("run", "api"):  # Gradio finds the event by the name in the path
            event = route[1]
        if event is not None:
            if event not in self.fn_inputs:
                return await _reply(send, 400, "Unknown event.")
            if isinstance(data, list) and len(data) != self.fn_inputs[event]:
                return await _reply(send, 400, f"This event takes {self.fn_inputs[event]} values, not {len(data)}.")
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


def event_inputs(blocks) -> dict[int | str, int]:
    """The number of input values each event of a ``gr.Blocks`` takes, by event id and by API name."""
    counts: dict[int | str, int] = {index: len(fn.inputs) for index, fn in blocks.fns.items()}
    counts.update({fn.api_name: len(fn.inputs) for fn in blocks.fns.values() if fn.api_name})
    return counts


def _event_route(path: str) -> tuple[str, str] | None:
    """``(route, name)`` when ``path`` is one of the routes by which Gradio runs an event (queued or not):
    ``("queue", "join")``, or ``("run", api_name)`` and the like; None for any other path."""
    _, marker, rest = path.rpartition("/gradio_api/")
    route, _, name = rest.partition("/")
    if not marker or not name or "/" in name.rstrip("/"):
        return None
    if (route, name) == ("queue", "join") or route in _EVENT_ROUTES:
        return route, name.rstrip("/")
    return None


#: Gradio's routes ``<route>/<api_name>`` that run an event (``run``: what the page posts for ``queue=False``).
_EVENT_ROUTES = frozenset({"run", "api", "call"})


async def _reply(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
