"""What ``humans validate`` says about a study's audio beyond errors: loudness per model, and names that leak.

Loudness: each clip's ITU-R BS.1770 integrated loudness (LUFS) is measured from its decoded samples; per model (over
the assistant turns, which the model produced) the report gives the median and the spread (max − min, in LU), as
the source files are and as they will be served (after the gain of :mod:`annotation_app.audio.loudness` when
``audio.normalize`` is on). A spread above :data:`MAX_SPREAD_LU` within a model, or between two models' medians, is
a warning: listeners prefer the louder of two otherwise equal clips, so a model could win by loudness alone.

Leaks: a warning for every audio file whose path (relative to the study folder) or metadata tag (title, artist,
comment, encoder, …) contains a model name as a word. Served files are re-encoded without tags and renamed, so
this does not reach raters of ``humans serve``; it matters when the folder itself is shared.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from annotation_app.audio.codec import decode
from annotation_app.audio.loudness import integrated_loudness, loudness_gain
from annotation_app.audio.tags import tag_values
from annotation_app.audio.web import WEB_RATE, to_web_rate
from annotation_app.study.model import Study

__all__ = ["MAX_SPREAD_LU", "AudioReport", "ModelLoudness", "audio_report", "names_in"]

#: Loudness spread (LU) above which validate warns, within a model or between two models' medians.
MAX_SPREAD_LU = 3.0


@dataclass(frozen=True)
class ModelLoudness:
    """Loudness of one model's assistant clips (LUFS): measured ``clips`` of ``total``; source and served."""

    model: str
    clips: int
    total: int
    source_median: float | None
    source_spread: float | None
    served_median: float | None
    served_spread: float | None


@dataclass(frozen=True)
class AudioReport:
    """Per-model loudness, the per-clip source loudness (relative path -> LUFS) and the warnings."""

    models: tuple[ModelLoudness, ...]
    clip_lufs: dict[str, float | None]
    warnings: tuple[str, ...]

    def between_models(self, served: bool = False) -> float | None:
        """Largest difference between two models' median loudness (LU), source or served."""
        medians = [m.served_median if served else m.source_median for m in self.models]
        medians = [v for v in medians if v is not None]
        return max(medians) - min(medians) if len(medians) > 1 else None


def names_in(text: str, names: tuple[str, ...]) -> list[str]:
    """The ``names`` that occur in ``text`` as words (case-insensitive; letters and digits around do not count).

    Examples
    --------
    >>> names_in("audio/gpt-4o_reply.wav", ("gpt-4o", "curt"))
    ['gpt-4o']
    >>> names_in("audio/curtain.wav", ("curt",))
    []
    """
    low = text.lower()
    found = []
    for name in names:
        pattern = r"(?<![0-9a-z])" + re.escape(name.lower()) + r"(?![0-9a-z])"
        if name.strip() and re.search(pattern, low):
            found.append(name)
    return found


def _spread(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.median(values), max(values) - min(values)


def audio_report(study: Study) -> AudioReport:
    """Measure every clip of ``study`` and collect the warnings (see the module docstring).

    Raises
    ------
    HumansError
        When a clip cannot be decoded (naming it).
    """
    audio = study.config.audio
    models = study.models
    measured: dict[Path, tuple[float | None, float | None]] = {}
    warnings: list[str] = []
    for conv in study.conversations:
        for turn in conv.turns:
            if turn.audio in measured:
                continue
            rel = _relative(turn.audio, study.root)
            clip = decode(turn.audio, rel)
            source = integrated_loudness(clip.samples, clip.rate)
            mono = to_web_rate(clip.mono(), clip.rate)
            served = integrated_loudness(mono, WEB_RATE)
            if audio.normalize and served is not None:
                served += loudness_gain(mono, served, audio.loudness_target_lufs)
            measured[turn.audio] = (source, served)
            for name in names_in(rel, models):
                warnings.append(f"{rel}: the file name contains the model name '{name}'; rename the file")
            for value in tag_values(turn.audio):
                for name in names_in(value, models):
                    warnings.append(
                        f"{rel}: a metadata tag contains the model name '{name}' ({value[:60]!r}); served copies "
                        "carry no tags, but strip them before sharing the folder (e.g. `humans import`)"
                    )
    rows = []
    for model in models:
        clips = [
            measured[t.audio]
            for c in study.conversations
            if c.model == model and not c.gold_bad
            for t in c.turns
            if t.role == "assistant"
        ]
        src_median, src_spread = _spread([s for s, _ in clips if s is not None])
        srv_median, srv_spread = _spread([v for _, v in clips if v is not None])
        rows.append(
            ModelLoudness(
                model, sum(s is not None for s, _ in clips), len(clips), src_median, src_spread, srv_median, srv_spread
            )
        )
    report = AudioReport(tuple(rows), {_relative(p, study.root): s for p, (s, _) in measured.items()}, ())
    served_label = "as served" if audio.normalize else "(audio.normalize is off, so also as served)"
    for row in rows:
        spread = row.served_spread
        if spread is not None and spread > MAX_SPREAD_LU:
            warnings.append(
                f"model '{row.model}': its clips' loudness spans {spread:.1f} LU {served_label} (more than "
                f"{MAX_SPREAD_LU:g}); set `audio.normalize: true` or level the recordings"
            )
    between = report.between_models(served=True)
    if between is not None and between > MAX_SPREAD_LU:
        warnings.append(
            f"the models' median loudness differs by {between:.1f} LU {served_label} (more than {MAX_SPREAD_LU:g}); "
            "a model could win by being louder: set `audio.normalize: true`"
        )
    return AudioReport(report.models, report.clip_lufs, tuple(warnings))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
