"""Read one audio file of a study: its duration (via ``mutagen``, header only) and the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from analysis.errors import HumansError

__all__ = ["SUPPORTED_AUDIO", "AudioInfo", "probe_audio"]

#: File extensions a study may use, and the mutagen types each may contain.
SUPPORTED_AUDIO: dict[str, tuple[type, ...]] = {
    ".wav": (WAVE,),
    ".ogg": (OggOpus, OggVorbis, OggFLAC, OggSpeex),
    ".opus": (OggOpus,),
    ".mp3": (MP3,),
    ".flac": (FLAC,),
}

_KIND_NAMES = {WAVE: "WAV", OggOpus: "Ogg/Opus", OggVorbis: "Ogg/Vorbis", OggFLAC: "Ogg/FLAC", MP3: "MP3", FLAC: "FLAC"}


#: The container each extension promises, as recognised by :func:`_sniff`.
_CONTAINER = {".wav": "WAV", ".ogg": "Ogg", ".opus": "Ogg", ".mp3": "MP3", ".flac": "FLAC"}


def _sniff(data: bytes) -> str | None:
    """The container named by the first bytes of a file, or None when they are not recognised."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "WAV"
    if data[:4] == b"OggS":
        return "Ogg"
    if data[:4] == b"fLaC":
        return "FLAC"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "MP3"
    return None


@dataclass(frozen=True)
class AudioInfo:
    """Duration in seconds and SHA-256 (hex) of an audio file's bytes."""

    duration_s: float
    sha256: str


def probe_audio(path: Path, name: str) -> AudioInfo:
    """Check that ``path`` is a playable audio file of a supported kind and read its duration and hash.

    Parameters
    ----------
    path : Path
        The file.
    name : str
        How to call it in messages (the path as written in the study, e.g. ``audio/a.ogg``).

    Returns
    -------
    AudioInfo

    Raises
    ------
    HumansError
        With a message (starting with ``name``) that says what is wrong and what to do.
    """
    suffix = path.suffix.lower()
    allowed = ", ".join(SUPPORTED_AUDIO)
    if suffix not in SUPPORTED_AUDIO:
        raise HumansError(f"{name}: '{suffix or 'no extension'}' is not a supported audio format; use {allowed}")
    if not path.exists():
        raise HumansError(f"{name} does not exist; check the path (relative to the study folder) or add the file")
    if not path.is_file():
        raise HumansError(f"{name} is a folder, not an audio file; name a file")
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            f.seek(0)
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise HumansError(f"{name} cannot be read ({exc.strerror}); check its permissions") from None
    if not head:
        raise HumansError(f"{name} is empty (0 bytes); replace it with the real recording")
    found = _sniff(head)
    if found is not None and found != _CONTAINER[suffix]:
        raise HumansError(f"{name} holds {found} audio, not {suffix[1:].upper()}; rename or convert it")
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError:
        raise HumansError(
            f"{name} cannot be read as {suffix[1:].upper()} audio (the file is damaged or not audio); export it again"
        ) from None
    if audio is None or getattr(audio, "info", None) is None:
        raise HumansError(f"{name} is not a readable {suffix[1:].upper()} file; re-export it (mono Ogg/Opus is best)")
    if not isinstance(audio, SUPPORTED_AUDIO[suffix]):
        found = _KIND_NAMES.get(type(audio), type(audio).__name__)
        raise HumansError(f"{name} holds {found} audio, not {suffix[1:].upper()}; rename or convert it")
    duration = float(getattr(audio.info, "length", 0.0) or 0.0)
    if duration <= 0:
        raise HumansError(f"{name} has no sound (duration 0 s); replace it with the real recording")
    return AudioInfo(duration_s=duration, sha256=digest)
