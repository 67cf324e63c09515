"""Decode an audio file of any accepted kind to samples, and encode samples without any metadata.

Decoding uses libsndfile (through ``soundfile``, whose wheels bundle it with Ogg/Vorbis, Ogg/Opus, FLAC and MP3
support), so WAV, FLAC, Ogg and MP3 need nothing else. M4A/AAC, which libsndfile cannot read, is decoded by
``ffmpeg`` when it is on the machine (``-map_metadata -1``, 32-bit float WAV on a pipe); without ffmpeg such a
file is refused with a message naming it. Encoding writes through libsndfile into memory and never sets a
string field, so the files carry no title, artist, comment or encoder tag (only the codec's own headers).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from analysis.errors import HumansError

__all__ = ["FFMPEG_EXTENSIONS", "IMPORT_EXTENSIONS", "NATIVE_EXTENSIONS", "Clip", "decode", "encode"]

#: Extensions libsndfile decodes by itself.
NATIVE_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".mp3")
#: Extensions decoded through ffmpeg (when installed).
FFMPEG_EXTENSIONS = (".m4a", ".aac", ".mp4")
#: Every extension ``humans import`` accepts.
IMPORT_EXTENSIONS = NATIVE_EXTENSIONS + FFMPEG_EXTENSIONS

#: Output kinds: extension -> (libsndfile format, subtype).
_ENCODINGS = {".ogg": ("OGG", "OPUS"), ".mp3": ("MP3", "MPEG_LAYER_III"), ".wav": ("WAV", "PCM_16")}


@dataclass(frozen=True)
class Clip:
    """Decoded audio: ``samples`` float32 of shape (frames, channels), ``rate`` in Hz."""

    samples: np.ndarray
    rate: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / self.rate

    def mono(self) -> np.ndarray:
        """The channels averaged into one, shape (frames,)."""
        return self.samples.mean(axis=1, dtype=np.float64).astype(np.float32)


def decode(path: str | Path, name: str | None = None) -> Clip:
    """Decode ``path`` to float samples in [-1, 1].

    Parameters
    ----------
    path : path
        WAV, FLAC, Ogg (Vorbis, Opus, FLAC), MP3, or M4A/AAC (needs ffmpeg).
    name : str, optional
        How to call the file in messages (default: the path).

    Returns
    -------
    Clip

    Raises
    ------
    HumansError
        Naming the file: unsupported kind, missing ffmpeg for M4A/AAC, damaged or empty file.
    """
    path = Path(path)
    name = name or str(path)
    suffix = path.suffix.lower()
    if suffix not in IMPORT_EXTENSIONS:
        allowed = ", ".join(IMPORT_EXTENSIONS)
        raise HumansError(f"{name}: '{suffix or 'no extension'}' is not a supported audio kind; use {allowed}")
    if not path.is_file():
        raise HumansError(f"{name} does not exist; check the path")
    if suffix in FFMPEG_EXTENSIONS:
        data = _ffmpeg_wav(path, name)
        source: str | io.BytesIO = io.BytesIO(data)
    else:
        source = str(path)
    try:
        samples, rate = sf.read(source, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise HumansError(
            f"{name} cannot be decoded as audio ({exc}); export it again as WAV, FLAC, Ogg or MP3"
        ) from None
    if samples.shape[0] == 0:
        raise HumansError(f"{name} holds no audio samples; replace it with the real recording")
    return Clip(samples, int(rate))


def _ffmpeg_wav(path: Path, name: str) -> bytes:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise HumansError(
            f"{name}: {path.suffix.lower()[1:].upper()} audio needs ffmpeg, which is not installed on this machine; "
            "install ffmpeg (e.g. `apt-get install ffmpeg`) or convert the file to WAV, FLAC, Ogg or MP3"
        )
    cmd = [exe, "-nostdin", "-v", "error", "-i", str(path), "-map_metadata", "-1"]
    cmd += ["-f", "wav", "-c:a", "pcm_f32le", "pipe:1"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise HumansError(f"{name} cannot be decoded by ffmpeg ({why[-1] if why else 'no output'}); export it again")
    return done.stdout


def encode(samples: np.ndarray, rate: int, suffix: str) -> bytes:
    """Encode mono or multichannel float samples as ``.ogg`` (Opus), ``.mp3`` or ``.wav`` bytes, with no tags.

    Opus accepts 8, 12, 16, 24 or 48 kHz; MP3 the MPEG rates (8 to 48 kHz).
    """
    fmt, subtype = _ENCODINGS[suffix]
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), rate, format=fmt, subtype=subtype)
    return buffer.getvalue()
