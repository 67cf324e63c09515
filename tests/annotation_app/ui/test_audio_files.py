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
