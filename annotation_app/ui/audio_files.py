"""The ``/audio/<sha256>.<ext>`` responses: the blind cache's clips from memory, with single byte ranges.

Every trial makes the browser fetch its four clips (``Range: bytes=0-``). Served with Starlette's ``FileResponse``,
each request took a worker thread for the route, and more for ``stat``, ``open``, each ``read`` and ``close``;
measured at 5–7 ms of server CPU per clip on a shared 2-core machine, mostly thread hand-offs, two thirds of a
vote's whole cost. Cache files never change (content-hash names), so a clip is read once and answered from memory
on the event loop. Memory is bounded (``max_bytes``, least recently used first out); larger files and what does
not fit are streamed by ``FileResponse`` as before. Ranges: one ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` range
gets 206 with ``Content-Range``; an unsatisfiable one 416; several ranges or a malformed header the whole file
(RFC 9110 §14.2 lets a server ignore ``Range``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from fastapi.responses import FileResponse, PlainTextResponse, Response

from analysis.errors import HumansError

__all__ = ["AUDIO_TYPES", "AudioFiles"]

AUDIO_TYPES = MappingProxyType({".wav": "audio/wav", ".ogg": "audio/ogg", ".mp3": "audio/mpeg", ".flac": "audio/flac"})
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "Accept-Ranges": "bytes"}


class AudioFiles:
    """Answers audio requests for the names ``resolve`` accepts (it raises :class:`HumansError` otherwise).

    Not thread-safe: call :meth:`response` from the event loop only (an ``async`` route).

    Parameters
    ----------
    resolve : callable
        Cache file name -> path (the rater service's ``audio_file``).
    max_bytes : int, default 256 MiB
        Memory for clips; ``max_file_bytes`` (default 4 MiB) is the largest clip kept in memory.
    """

    def __init__(
        self, resolve: Callable[[str], Path], *, max_bytes: int = 256 << 20, max_file_bytes: int = 4 << 20
    ) -> None:
        self.resolve = resolve
        self.max_bytes = max_bytes
        self.max_file_bytes = max_file_bytes
        self._clips: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def response(self, name: str, range_header: str | None) -> Response:
        """The response to ``GET /audio/<name>`` with the request's ``Range`` header (or None)."""
        body = self._clips.get(name)
        if body is None:
            try:
                path = self.resolve(name)
            except HumansError:
                return PlainTextResponse("not found", status_code=404)
            media_type = AUDIO_TYPES.get(path.suffix.lower())
            if path.stat().st_size > min(self.max_file_bytes, self.max_bytes):
                return FileResponse(path, media_type=media_type, headers=_HEADERS)
            body = path.read_bytes()
            self._remember(name, body)
        else:
            self._clips.move_to_end(name)
        media_type = AUDIO_TYPES.get(name[name.rfind(".") :].lower())
        return _ranged(body, range_header, media_type)

    def _remember(self, name: str, body: bytes) -> None:
        self._clips[name] = body
        self._size += len(body)
        while self._size > self.max_bytes and self._clips:
            _, old = self._clips.popitem(last=False)
            self._size -= len(old)


def _ranged(body: bytes, range_header: str | None, media_type: str | None) -> Response:
    size = len(body)
    match = _RANGE.match(range_header.strip()) if range_header else None
    if match is None or match.groups() == ("", ""):
        return Response(body, media_type=media_type, headers=_HEADERS)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # a suffix: the last n bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    headers = {**_HEADERS, "Content-Range": f"bytes {start}-{end}/{size}"}
    return Response(body[start : end + 1], status_code=206, media_type=media_type, headers=headers)
