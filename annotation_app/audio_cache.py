"""The blind audio cache: every study clip as tag-free, loudness-matched web renditions under content-hash names.

Clients only ever see names like ``3fa9…c2.ogg`` and ``3fa9…c2.mp3``: the stem is
:func:`~annotation_app.audio.web.web_key`, the SHA-256 of the source file's SHA-256 and the serving recipe
(:class:`~annotation_app.audio.web.WebRecipe`: rate, channels, loudness target). Study paths, model names,
conversation ids and whatever the source files' tags said stay on the server: the served bytes are re-encoded from
decoded samples and carry no metadata. :meth:`AudioCache.resolve` is the only way from a requested name to a file,
and it accepts nothing but such names of files inside the cache.

The source loudness of each clip (ITU-R BS.1770 integrated loudness, measured while encoding) is kept in
``loudness.json`` in the cache, so a restart does not decode the study again; the rater service copies it into the
store.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from analysis.errors import HumansError
from annotation_app.audio.codec import Clip, decode
from annotation_app.audio.web import WEB_FORMATS, WEB_RATE, WebRecipe, web_key, write_atomic, write_web
from annotation_app.study.model import AudioConfig, Study, Turn

__all__ = [
    "AUDIO_NAME",
    "LOUDNESS_FILE",
    "AudioCache",
    "AudioNotFound",
    "default_cache_dir",
    "recipe_of",
    "served_name",
]

#: What a cache file name looks like: lower-case hex SHA-256 and a known audio extension.
AUDIO_NAME = re.compile(r"^[0-9a-f]{64}\.(ogg|opus|mp3|wav|flac)$")

#: Level of the noise that stands in for silence in generated turns (dBFS RMS): inaudible, below the BS.1770
#: absolute gate (so never normalised up), yet encoded at a bitrate like speech, so file sizes do not give it away.
SILENCE_NOISE_DBFS = -75.0

#: The index of source loudness values in the cache folder (never served: not a content-hash name).
LOUDNESS_FILE = "loudness.json"


def default_cache_dir(db_path: str | Path) -> Path:
    """The audio cache folder that belongs to a study database: ``<db stem>-audio`` beside it (as `humans serve`)."""
    db_path = Path(db_path)
    return db_path.parent / f"{db_path.stem}-audio"


def recipe_of(audio: AudioConfig) -> WebRecipe:
    """The serving recipe of a study's ``audio:`` settings."""
    return WebRecipe(normalize=audio.normalize, target_lufs=audio.loudness_target_lufs)


def served_name(sha256: str, audio: AudioConfig) -> str:
    """The name a client gets for a clip whose source bytes hash to ``sha256`` (the Ogg/Opus rendition)."""
    return f"{web_key(sha256, recipe_of(audio))}.ogg"


class AudioNotFound(HumansError):
    """A requested audio name is malformed or not in the cache."""


class AudioCache:
    """A folder of served renditions named ``<key>.ogg`` / ``<key>.mp3``.

    Parameters
    ----------
    root : Path
        The cache folder (created when absent).
    audio : AudioConfig, optional
        The study's audio settings (loudness normalisation); defaults to :class:`AudioConfig`'s.
    """

    def __init__(self, root: str | Path, audio: AudioConfig | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.audio = audio or AudioConfig()
        self.recipe = recipe_of(self.audio)
        self._loudness: dict[str, float | None] = self._read_loudness()

    def name_of(self, turn: Turn) -> str:
        """The served name of a turn's audio (its Ogg/Opus rendition; the MP3 has the same stem)."""
        return served_name(turn.sha256, self.audio)

    @property
    def loudness(self) -> Mapping[str, float | None]:
        """Source SHA-256 -> integrated loudness of the source clip in LUFS (None when too short or silent)."""
        return dict(self._loudness)

    def add_study(self, study: Study) -> int:
        """Encode every turn's audio into the cache (clips already there are kept); returns how many were encoded.

        Raises
        ------
        HumansError
            When a turn's audio is neither in the cache nor at its study path, or cannot be decoded.
        """
        made = 0
        for conv in study.conversations:
            for turn in conv.turns:
                key = web_key(turn.sha256, self.recipe)
                done = all((self.root / f"{key}{s}").exists() for s in WEB_FORMATS) and turn.sha256 in self._loudness
                if done:
                    continue
                if not turn.audio.is_file():
                    raise HumansError(
                        f"audio file {turn.audio} of a study turn is missing and not in the cache {self.root}; "
                        "restore the study folder or serve the study from its folder."
                    )
                result = write_web(decode(turn.audio), self.recipe, self.root, key)
                self._loudness[turn.sha256] = result.source_lufs
                made += 1
        if made:
            self._write_loudness()
        return made

    def add_bytes(self, data: bytes, suffix: str) -> str:
        """Store generated audio under its content-hash name (kept when already there); returns the name."""
        name = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        target = self.root / name
        if not target.exists():
            write_atomic(target, data)
        return name

    def silence(self, duration_s: float) -> Turn:
        """A silent assistant :class:`Turn` of ``duration_s`` seconds in the cache (for attention checks).

        It is encoded like every other clip (same codec, container, sample rate and bitrate mode); the "silence"
        is noise at :data:`SILENCE_NOISE_DBFS`, inaudible but coded at a speech-like bitrate.
        """
        frames = max(1, round(duration_s * WEB_RATE))
        sha = hashlib.sha256(f"humans-generated-silence|{frames}".encode()).hexdigest()
        key = web_key(sha, self.recipe)
        rng = np.random.default_rng(int(sha[:16], 16))
        noise = (10 ** (SILENCE_NOISE_DBFS / 20) * rng.standard_normal(frames)).astype(np.float32)
        result = write_web(Clip(noise[:, None], WEB_RATE), WebRecipe(normalize=False), self.root, key)
        return Turn("assistant", result.paths[0], frames / WEB_RATE, sha)

    def _read_loudness(self) -> dict[str, float | None]:
        try:
            data = json.loads((self.root / LOUDNESS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): (float(v) if v is not None else None) for k, v in data.items()}

    def _write_loudness(self) -> None:
        fd, tmp = tempfile.mkstemp(suffix=".json", dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._loudness, fh, sort_keys=True)
            os.replace(tmp, self.root / LOUDNESS_FILE)
        finally:
            Path(tmp).unlink(missing_ok=True)

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
