"""The text a file's metadata carries (title, artist, comment, encoder, vendor…), to find model names in it.

mutagen reads ID3, Vorbis comments, MP4 atoms and the Ogg vendor string; the RIFF ``LIST/INFO`` chunk of a WAV file
(where ffmpeg and most editors write WAV tags, and which mutagen does not read) is parsed here.
"""

from __future__ import annotations

import struct
from pathlib import Path

import mutagen

__all__ = ["tag_values"]


def tag_values(path: str | Path) -> list[str]:
    """Every text value of every tag of ``path`` (ID3, Vorbis comments, RIFF INFO, MP4 atoms), plus the Ogg vendor.

    An unreadable file gives an empty list (reading audio is checked elsewhere).
    """
    values: list[str] = _riff_info(Path(path)) if str(path).lower().endswith(".wav") else []
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError):
        return values
    if audio is None or audio.tags is None:
        return values
    vendor = getattr(audio.tags, "vendor", None)
    if vendor:
        values.append(str(vendor))
    for key, value in audio.tags.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = getattr(item, "text", item)
            texts = text if isinstance(text, list) else [text]
            values += [str(t) for t in texts if isinstance(t, str | bytes) or hasattr(t, "__str__")]
        values.append(str(key))
    return values


def _riff_info(path: Path) -> list[str]:
    """The text values of a WAV file's ``LIST/INFO`` chunks (INAM title, IART artist, ICMT comment, ISFT encoder…)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return []
    values, pos = [], 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if chunk == b"LIST" and body[:4] == b"INFO":
            sub = 4
            while sub + 8 <= len(body):
                length = struct.unpack("<I", body[sub + 4 : sub + 8])[0]
                text = body[sub + 8 : sub + 8 + length].rstrip(b"\x00").decode("utf-8", errors="replace")
                if text:
                    values.append(text)
                sub += 8 + length + (length & 1)
        pos += 8 + size + (size & 1)
    return values
