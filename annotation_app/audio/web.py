"""The renditions a browser is served: mono, 24 kHz, loudness-normalised, tag-free Ogg/Opus and MP3 copies.

Every clip goes through one recipe (:class:`WebRecipe`): decode, average the channels, resample to
:data:`WEB_RATE` (polyphase, ``scipy.signal.resample_poly``), apply the loudness gain of
:mod:`annotation_app.audio.loudness` when the study normalises, then encode twice — Ogg/Opus first (every current
browser but older Safari), MP3 second (Safari and iOS) — for ``<source>`` elements in that order. Both files are
written by libsndfile with no metadata, so a tag naming a model in the source never reaches a rater.

The two files are named ``<key>.ogg`` and ``<key>.mp3`` where ``key`` is the SHA-256 of the source file's SHA-256
and the recipe (:func:`web_key`): content-derived, stable across restarts, and free of paths and model names.
Generated clips (the silenced turns of attention checks) go through the same encoders at the same rate, so their
codec, container, sample rate and bitrate mode match every other clip.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from annotation_app.audio.codec import Clip, encode
from annotation_app.audio.loudness import integrated_loudness, loudness_gain

__all__ = ["WEB_FORMATS", "WEB_RATE", "WebRecipe", "WebResult", "to_web_rate", "web_key", "web_sources", "write_web"]

#: Sample rate of every served clip (Hz): wide enough for speech (to 12 kHz), an Opus and an MPEG rate.
WEB_RATE = 24000

#: Served renditions in ``<source>`` order: extension -> MIME type.
WEB_FORMATS: dict[str, str] = {".ogg": 'audio/ogg; codecs="opus"', ".mp3": "audio/mpeg"}

#: Bump when the encoding changes, so caches do not serve files made the old way.
_RECIPE_VERSION = 1


@dataclass(frozen=True)
class WebRecipe:
    """How clips are prepared: normalise or not, and to which integrated loudness (LUFS)."""

    normalize: bool = True
    target_lufs: float = -23.0

    @property
    def tag(self) -> str:
        """A short text naming the recipe (part of every served file's key)."""
        norm = f"{self.target_lufs:.1f}" if self.normalize else "off"
        return f"v{_RECIPE_VERSION};{WEB_RATE};mono;norm={norm}"


@dataclass(frozen=True)
class WebResult:
    """What :func:`write_web` did: the files, the source loudness and the gain applied (dB)."""

    paths: tuple[Path, ...]
    source_lufs: float | None
    gain_db: float


def web_key(source_sha256: str, recipe: WebRecipe) -> str:
    """The served name stem of a source clip (hex SHA-256 of its SHA-256 and the recipe).

    Examples
    --------
    >>> len(web_key("ab" * 32, WebRecipe()))
    64
    >>> web_key("ab" * 32, WebRecipe()) != web_key("ab" * 32, WebRecipe(normalize=False))
    True
    """
    return hashlib.sha256(f"{source_sha256}|{recipe.tag}".encode()).hexdigest()


def web_sources(name: str) -> list[tuple[str, str]]:
    """The ``(file name, MIME type)`` of each rendition of a served clip, in ``<source>`` order.

    Examples
    --------
    >>> web_sources("ab.ogg")
    [('ab.ogg', 'audio/ogg; codecs="opus"'), ('ab.mp3', 'audio/mpeg')]
    >>> web_sources("ab.wav")
    [('ab.wav', 'audio/wav')]
    """
    stem, _, ext = name.rpartition(".")
    if f".{ext}" not in WEB_FORMATS:
        return [(name, f"audio/{ext}")]
    return [(f"{stem}{suffix}", mime) for suffix, mime in WEB_FORMATS.items()]


def to_web_rate(mono: np.ndarray, rate: int) -> np.ndarray:
    """``mono`` samples at ``rate`` resampled to :data:`WEB_RATE` (polyphase filter)."""
    if rate == WEB_RATE:
        return mono
    ratio = Fraction(WEB_RATE, rate).limit_denominator(1000)
    return resample_poly(mono, ratio.numerator, ratio.denominator).astype(np.float32)


def prepare(clip: Clip, recipe: WebRecipe) -> tuple[np.ndarray, float | None, float]:
    """Mono samples at :data:`WEB_RATE` with the recipe's gain, the source loudness and the gain (dB).

    The source loudness is measured on the clip as it is (all its channels, its own rate): that is the original
    loudness the store and the export keep. The gain is computed on the mono, resampled signal that is actually
    encoded, so the served clip lands on the target whatever the channel layout was (a dual-mono stereo file
    reads 3 LU louder than its mono mix).
    """
    source_lufs = integrated_loudness(clip.samples, clip.rate)
    mono = to_web_rate(clip.mono(), clip.rate)
    gain = 0.0
    if recipe.normalize:
        gain = loudness_gain(mono, integrated_loudness(mono, WEB_RATE), recipe.target_lufs)
    if gain:
        mono = (mono * 10 ** (gain / 20)).astype(np.float32)
    return mono, source_lufs, gain


def write_web(clip: Clip, recipe: WebRecipe, folder: Path, key: str) -> WebResult:
    """Write ``folder/<key>.ogg`` and ``folder/<key>.mp3`` from ``clip`` (atomically; existing files kept)."""
    mono, source_lufs, gain = prepare(clip, recipe)
    paths = []
    for suffix in WEB_FORMATS:
        target = Path(folder) / f"{key}{suffix}"
        if not target.exists():
            write_atomic(target, encode(mono, WEB_RATE, suffix))
        paths.append(target)
    return WebResult(tuple(paths), source_lufs, gain if math.isfinite(gain) else 0.0)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder, so no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
