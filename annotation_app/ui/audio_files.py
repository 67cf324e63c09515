"""The ``/audio/<sha256>.<ext>`` responses: the blind cache's clips from memory, with single byte ranges.

Every trial makes the browser fetch its four clips (``Range: bytes=0-``). Served with Starlette's ``FileResponse``,
each request took a worker thread for the route, and more for ``stat``, ``open``, each ``read`` and ``close``;
measured at 5–7 ms of server CPU per clip on a shared 2-core machine, mostly thread hand-offs, two thirds of a
vote's whole cost. Cache files never change (content-hash names), so a clip is read once and answered from memory
on the event loop; each answer from memory still costs one ``stat`` (microseconds, on the loop), so a clip whose
file was removed from the cache folder answers 404 as it would from disk (the page reports it), and a file replaced
in place is read again. Memory is bounded (``max_bytes``, least recently used first out); larger files and what does
not fit are streamed by ``FileResponse`` as before. Ranges: one ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` range
gets 206 with ``Content-Range``; an unsatisfiable one 416; several ranges or a malformed header the whole file
(RFC 9110 §14.2 lets a server ignore ``Range``).

:class:`AudioRoute` answers these requests in front of the whole FastAPI app, as a raw ASGI app: FastAPI's routing
and its middleware stack (error handlers, body limit, the admin guard, dependency machinery) cost more than the
answer itself. A clip in memory keeps its response headers, so an answer is one ``stat``, one range parse and two
``send`` calls.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from fastapi.responses import FileResponse, Response

from analysis.errors import HumansError

__all__ = ["AUDIO_TYPES", "AudioFiles", "AudioRoute"]

AUDIO_TYPES = MappingProxyType({".wav": "audio/wav", ".ogg": "audio/ogg", ".mp3": "audio/mpeg", ".flac": "audio/flac"})
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "Accept-Ranges": "bytes"}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in _HEADERS.items()]
_NOT_FOUND = (404, [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"9")], b"not found")

#: An answer from memory: status, raw ASGI headers, body.
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class AudioFiles:
    """Answers audio requests for the names ``resolve`` accepts (it raises :class:`HumansError` otherwise).

    Not thread-safe: call :meth:`response` from the event loop only (an ``async`` route).

    Parameters
    ----------
    resolve : callable
        Cache file name -> path (the rater service's ``audio_file``).
    max_bytes : int, default 64 MiB
        Memory for clips (per server process: with ``--workers N`` each keeps its own, so it is kept well below
        the 500 MB a process may use); ``max_file_bytes`` (default 4 MiB) is the largest clip kept in memory.
        A clip not kept is streamed from the file, which the operating system's page cache keeps warm.
    """

    def __init__(
        self, resolve: Callable[[str], Path], *, max_bytes: int = 64 << 20, max_file_bytes: int = 4 << 20
    ) -> None:
        self.resolve = resolve
        self.max_bytes = max_bytes
        self.max_file_bytes = max_file_bytes
        self._clips: OrderedDict[str, _Clip] = OrderedDict()
        self._size = 0

    def response(self, name: str, range_header: str | None) -> Response:
        """The response to ``GET /audio/<name>`` with the request's ``Range`` header (or None)."""
        answer = self.answer(name, range_header)
        if isinstance(answer, Response):
            return answer
        status, headers, body = answer
        named = {key.decode(): value.decode() for key, value in headers}
        media_type = named.pop("content-type", None)
        named.pop("content-length", None)
        return Response(body, status_code=status, media_type=media_type, headers=named)

    def answer(self, name: str, range_header: str | None) -> Answer | Response:
        """What ``GET /audio/<name>`` answers: ``(status, headers, body)`` from memory, or a streaming
        ``FileResponse`` for a clip too large to keep."""
        entry = self._remembered(name)
        if entry is None:
            try:
                path = self.resolve(name)
                stat = path.stat()
                media_type = AUDIO_TYPES.get(path.suffix.lower())
                if stat.st_size > min(self.max_file_bytes, self.max_bytes):
                    return FileResponse(path, media_type=media_type, headers=_HEADERS)
                body = path.read_bytes()
            except (HumansError, FileNotFoundError):
                return _NOT_FOUND
            entry = self._remember(name, path, _signature(stat), body)
        return _ranged(entry, range_header)

    def _remembered(self, name: str) -> _Clip | None:
        """The clip from memory while its file is still the one read (same inode, size and mtime), else None."""
        entry = self._clips.get(name)
        if entry is None:
            return None
        try:
            same = _signature(os.stat(entry.path)) == entry.signature
        except OSError:
            same = False
        if not same:
            self._forget(name)
            return None
        self._clips.move_to_end(name)
        return entry

    def _remember(self, name: str, path: Path, signature: tuple[int, int, int], body: bytes) -> _Clip:
        self._forget(name)
        media_type = AUDIO_TYPES.get(name[name.rfind(".") :].lower())
        headers = ([(b"content-type", media_type.encode())] if media_type else []) + _RAW_HEADERS
        entry = self._clips[name] = _Clip(path, signature, body, headers)
        self._size += len(body)
        while self._size > self.max_bytes and self._clips:
            _, old = self._clips.popitem(last=False)
            self._size -= len(old.body)
        return entry

    def _forget(self, name: str) -> None:
        entry = self._clips.pop(name, None)
        if entry is not None:
            self._size -= len(entry.body)


class AudioRoute:
    """A raw ASGI app that answers ``GET``/``HEAD <prefix><name>`` from :class:`AudioFiles` and passes every other
    request to ``app`` (see the module docstring).

    Parameters
    ----------
    app : ASGI app
        Everything else (the study's FastAPI app).
    files : AudioFiles
        The clips.
    prefix : str, default "/audio/"
        The route's path prefix, below the ASGI ``root_path`` (a reverse proxy's prefix).
    """

    def __init__(self, app, files: AudioFiles, prefix: str = "/audio/") -> None:
        self.app = app
        self.files = files
        self.prefix = prefix

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):  # behind a proxy's path prefix, the path starts with it
            path = path[len(root) :]
        if not path.startswith(self.prefix):
            return await self.app(scope, receive, send)
        range_header = None
        for key, value in scope["headers"]:
            if key == b"range":
                range_header = value.decode("latin-1")
                break
        answer = self.files.answer(path[len(self.prefix) :], range_header)
        if isinstance(answer, Response):
            return await answer(scope, receive, send)
        status, headers, body = answer
        headers = [*headers, (b"content-length", str(len(body)).encode())] if status != 404 else headers
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
        return None


class _Clip(NamedTuple):
    path: Path
    signature: tuple[int, int, int]
    body: bytes
    headers: list[tuple[bytes, bytes]]


def _signature(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _ranged(clip: _Clip, range_header: str | None) -> Answer:
    body = clip.body
    size = len(body)
    match = _RANGE.match(range_header.strip()) if range_header else None
    if match is None or match.groups() == ("", ""):
        return 200, clip.headers, body
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # a suffix: the last n bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        return 416, [(b"content-range", f"bytes */{size}".encode())], b""
    headers = [*clip.headers, (b"content-range", f"bytes {start}-{end}/{size}".encode())]
    return 206, headers, body if (start, end) == (0, size - 1) else body[start : end + 1]
