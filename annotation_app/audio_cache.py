"""The blind audio cache: study audio copied under content-hash names, plus generated silence.

Clients only ever see names like ``3fa9…c2.ogg`` (the SHA-256 of the file's bytes and its extension); study
paths, model names and conversation ids stay on the server. :meth:`AudioCache.resolve` is the only way from a
requested name to a file, and it accepts nothing but such names of files inside the cache.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import wave
from pathlib import Path

from analysis.errors import HumansError
from annotation_app.study.model import Study, Turn

__all__ = ["AUDIO_NAME", "AudioCache", "AudioNotFound", "default_cache_dir"]

#: What a cache file name looks like: lower-case hex SHA-256 and a known audio extension.
AUDIO_NAME = re.compile(r"^[0-9a-f]{64}\.(ogg|opus|mp3|wav|flac)$")

#: Sample rate of generated silence (Hz); 16-bit mono.
SILENCE_RATE = 8000


def default_cache_dir(db_path: str | Path) -> Path:
    """The audio cache folder that belongs to a study database: ``<db stem>-audio`` beside it (as `humans serve`)."""
    db_path = Path(db_path)
    return db_path.parent / f"{db_path.stem}-audio"


class AudioNotFound(HumansError):
    """A requested audio name is malformed or not in the cache."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class AudioCache:
    """A folder of audio files named ``<sha256>.<ext>``.

    Parameters
    ----------
    root : Path
        The cache folder (created when absent).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def name_of(turn: Turn) -> str:
        """The cache name of a turn's audio."""
        return f"{turn.sha256}{turn.audio.suffix.lower()}"

    def add_study(self, study: Study) -> int:
        """Copy every turn's audio into the cache (files already there are kept); returns how many were copied.

        Raises
        ------
        HumansError
            When a turn's audio is neither in the cache nor at its study path.
        """
        copied = 0
        for conv in study.conversations:
            for turn in conv.turns:
                target = self.root / self.name_of(turn)
                if target.exists():
                    continue
                if not turn.audio.is_file():
                    raise HumansError(
                        f"audio file {turn.audio} of a study turn is missing and not in the cache {self.root}; "
                        "restore the study folder or serve the study from its folder."
                    )
                self._write_atomic(target, lambda tmp, src=turn.audio: shutil.copyfile(src, tmp))
                copied += 1
        return copied

    def add_bytes(self, data: bytes, suffix: str) -> str:
        """Store generated audio under its content-hash name (kept when already there); returns the name."""
        name = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        target = self.root / name
        if not target.exists():
            self._write_atomic(target, lambda tmp: Path(tmp).write_bytes(data))
        return name

    def silence(self, duration_s: float) -> Turn:
        """A silent WAV of ``duration_s`` seconds in the cache, as an assistant :class:`Turn` (for attention checks)."""
        frames = max(1, round(duration_s * SILENCE_RATE))
        fd, tmp_name = tempfile.mkstemp(suffix=".wav", dir=self.root)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(SILENCE_RATE)
                w.writeframes(b"\x00\x00" * frames)
            sha = _sha256(tmp)
            target = self.root / f"{sha}.wav"
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return Turn("assistant", target, frames / SILENCE_RATE, sha)

    def _write_atomic(self, target: Path, write) -> None:
        fd, tmp_name = tempfile.mkstemp(suffix=target.suffix, dir=self.root)
        os.close(fd)
        try:
            write(tmp_name)
            os.replace(tmp_name, target)
        finally:
            Path(tmp_name).unlink(missing_ok=True)

    def resolve(self, name: str) -> Path:
        """The path of a cache file, given its name (``<sha256>.<ext>``).

        Raises
        ------
        AudioNotFound
            For anything that is not exactly such a name of a file in the cache (no paths, no traversal).
        """
        if not isinstance(name, str) or not AUDIO_NAME.match(name):
            raise AudioNotFound("this audio file name is not valid; reload the page to get the current trial.")
        path = (self.root / name).resolve()
        if path.parent != self.root.resolve() or not path.is_file():
            raise AudioNotFound("this audio file is not available; reload the page to get the current trial.")
        return path
