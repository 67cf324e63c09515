"""An ASGI guard in front of a mounted Gradio app: refuses forged or oversized event requests with a clear 4xx.

Gradio answers a ``queue/join`` with an unknown ``fn_index`` with a 500 (a ``KeyError`` in its router), reads
request bodies of any size into memory, and accepts file uploads on every app, even one without upload
components. The guard, wrapped around the mounted app only, answers those requests itself:

- ``POST …/gradio_api/queue/join`` larger than ``max_body_bytes`` → 413; with an ``fn_index`` the app does not
  have → 400;
- ``POST …/gradio_api/upload`` when ``allow_uploads`` is False → 403.

Everything else passes through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable

__all__ = ["MAX_EVENT_BODY_BYTES", "GradioRequestGuard"]

#: Largest ``queue/join`` body accepted (a vote with a 2,000-character reason and 2,000 audio events is ~200 kB).
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
    fn_indices : iterable of int
        The event ids the Blocks has (``blocks.fns``).
    allow_uploads : bool, default False
        Whether ``gradio_api/upload`` is open (only apps with upload components need it).
    max_body_bytes : int, default :data:`MAX_EVENT_BODY_BYTES`
        Largest event request body.
    """

    def __init__(
        self,
        app,
        fn_indices: Iterable[int],
        *,
        allow_uploads: bool = False,
        max_body_bytes: int = MAX_EVENT_BODY_BYTES,
    ) -> None:
        self.app = app
        self.fn_indices = frozenset(fn_indices)
        self.allow_uploads = allow_uploads
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path.endswith("/gradio_api/upload") and not self.allow_uploads:
            return await _reply(send, 403, "This page accepts no file uploads.")
        if not path.endswith("/gradio_api/queue/join"):
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
            fn_index = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            fn_index = None  # not a JSON object: Gradio's own validation answers 422
        if isinstance(fn_index, int) and not isinstance(fn_index, bool) and fn_index not in self.fn_indices:
            return await _reply(send, 400, "Unknown event.")
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


async def _reply(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
