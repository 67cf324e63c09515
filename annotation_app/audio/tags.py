"""The text a file's metadata carries (title, artist, comment, encoder, vendor…), to find model names in it."""

from __future__ import annotations

from pathlib import Path

import mutagen

__all__ = ["tag_values"]


def tag_values(path: str | Path) -> list[str]:
    """Every text value of every tag of ``path`` (ID3, Vorbis comments, RIFF INFO, MP4 atoms), plus the Ogg vendor.

    An unreadable file gives an empty list (reading audio is checked elsewhere).
    """
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError):
        return []
    if audio is None or audio.tags is None:
        return []
    values: list[str] = []
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
