"""The audio route's responses: the clip's exact bytes, single byte ranges as browsers send them, 416 outside the
file, 404 for any name the cache does not know, and large files streamed from disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import HumansError
from annotation_app.ui.audio_files import AudioFiles

NAME = "a" * 64 + ".wav"


@pytest.fixture
def clip(tmp_path) -> Path:
    path = tmp_path / NAME
    path.write_bytes(bytes(range(256)) * 4)  # 1,024 bytes
    return path


def files_for(path: Path, **options) -> AudioFiles:
    def resolve(name: str) -> Path:
        if name != path.name:
            raise HumansError("not in the cache")
        return path

    return AudioFiles(resolve, **options)


@pytest.mark.parametrize(
    "header,status,first,last",
    [
        (None, 200, 0, 1023),
        ("bytes=0-", 206, 0, 1023),
        ("bytes=10-19", 206, 10, 19),
        ("bytes=-24", 206, 1000, 1023),
        ("bytes=1000-5000", 206, 1000, 1023),
        ("bytes=0-1,5-9", 200, 0, 1023),
        ("items=0-3", 200, 0, 1023),
    ],
)
def test_ranges(clip, header, status, first, last):
    files = files_for(clip)
    for _ in range(2):  # from disk, then from memory: the same answer
        response = files.response(NAME, header)
        assert response.status_code == status
        assert response.body == clip.read_bytes()[first : last + 1]
        assert response.media_type == "audio/wav" and "immutable" in response.headers["cache-control"]
        if status == 206:
            assert response.headers["content-range"] == f"bytes {first}-{last}/1024"


def test_unsatisfiable_range_and_unknown_names(clip):
    files = files_for(clip)
    response = files.response(NAME, "bytes=2000-")
    assert response.status_code == 416 and response.headers["content-range"] == "bytes */1024"
    assert files.response("b" * 64 + ".wav", None).status_code == 404


def test_memory_is_bounded_and_large_files_stream_from_disk(clip):
    files = files_for(clip, max_bytes=1000)
    response = files.response(NAME, "bytes=0-")
    assert type(response).__name__ == "FileResponse" and files._size == 0


def test_a_clip_removed_from_the_cache_folder_answers_404_and_a_replaced_one_its_new_bytes(clip):
    files = files_for(clip)
    assert files.response(NAME, None).status_code == 200  # now in memory
    clip.unlink()
    assert files.response(NAME, None).status_code == 404 and files._size == 0
    clip.write_bytes(b"new bytes")
    assert files.response(NAME, None).body == b"new bytes"
    assert files.response(NAME, "bytes=0-2").body == b"new" and files._size == len(b"new bytes")


def _asgi_get(app, path: str, *, method: str = "GET", headers=(), root_path: str = "") -> tuple[int, dict, bytes]:
    """Run one request through an ASGI app; returns status, headers and body."""
    import asyncio

    sent: list[dict] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path}
    scope["headers"] = [(k.encode(), v.encode()) for k, v in headers]
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_the_asgi_route_answers_audio_itself_and_passes_everything_else_on(clip):
    from annotation_app.ui.audio_files import AudioRoute

    passed = []

    async def inner(scope, receive, send):
        passed.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})

    route = AudioRoute(inner, files_for(clip), "/audio/")
    for root in ("", "/study"):
        status, headers, body = _asgi_get(route, f"/audio/{NAME}", headers=[("range", "bytes=10-19")], root_path=root)
        assert (status, body) == (206, clip.read_bytes()[10:20])
        assert headers["content-range"] == "bytes 10-19/1024" and headers["content-length"] == "10"
        # blind: only these headers, no file path or original name
        assert set(headers) == {"content-type", "cache-control", "accept-ranges", "content-range", "content-length"}
    status, headers, body = _asgi_get(route, f"/audio/{NAME}", method="HEAD")
    assert (status, body, headers["content-length"]) == (200, b"", "1024")
    status, headers, _ = _asgi_get(route, f"/audio/{NAME}", headers=[("range", "bytes=5000-")])
    assert (status, headers["content-range"]) == (416, "bytes */1024")
    assert _asgi_get(route, "/audio/" + "b" * 64 + ".wav")[0] == 404
    assert _asgi_get(route, "/audio/../" + NAME)[0] == 404
    assert passed == []
    assert _asgi_get(route, f"/audio/{NAME}", method="POST")[0] == 299
    assert _asgi_get(route, "/gradio_api/info")[0] == 299
    assert passed == [("POST", f"/audio/{NAME}"), ("GET", "/gradio_api/info")]
    clip.unlink()  # a clip removed from the cache folder
    assert _asgi_get(route, f"/audio/{NAME}")[0] == 404


def test_the_asgi_route_streams_a_large_clip_from_disk(clip):
    from annotation_app.ui.audio_files import AudioRoute

    route = AudioRoute(None, files_for(clip, max_bytes=1000), "/audio/")
    status, headers, body = _asgi_get(route, f"/audio/{NAME}")
    assert (status, body, headers["content-type"]) == (200, clip.read_bytes(), "audio/wav")
