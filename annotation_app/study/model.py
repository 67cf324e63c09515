"""Immutable domain objects of a rating study (no I/O here).

A :class:`Study` is what ``annotation_app.study`` builds from a study folder after validation; the store imports
it, the scheduler and UIs read it. Model names live in :attr:`Conversation.model` and must never reach a rater:
anything sent to a client uses :attr:`Turn.sha256` (content-hash audio names) and :attr:`Conversation.public_id`.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Scheme = Literal["pairwise", "likert", "pairwise+likert"]
Scheduling = Literal["balanced", "active"]
OnAttentionFail = Literal["flag", "screen"]
ReasonMode = Literal["off", "optional", "required"]
Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class RatingConfig:
    """How raters answer. ``preference_points`` is 3 (A / tie / B) or 5 (A≫ / A> / = / B> / B≫)."""

    scheme: Scheme = "pairwise"
    preference_points: int = 3
    allow_both_bad: bool = True
    likert_points: int = 5
    likert_question: str = "How satisfied would you be with this assistant?"
    preference_question: str = "Which assistant would you rather talk to?"
    reason: ReasonMode = "optional"
    reason_prompt: str = "Why? (a few words)"
    show_transcripts: bool = True

    @property
    def asks_preference(self) -> bool:
        """Whether raters compare two conversations and say which they prefer (``pairwise`` schemes)."""
        return self.scheme in ("pairwise", "pairwise+likert")

    @property
    def likert_only(self) -> bool:
        """Whether each trial is one conversation rated on the Likert scale (no pairs at all)."""
        return not self.asks_preference

    @property
    def likert_sides(self) -> tuple[str, ...]:
        """The sides raters give a Likert rating for: ``()``, ``("left",)`` or ``("left", "right")``."""
        if self.asks_preference:
            return ("left", "right") if self.scheme == "pairwise+likert" else ()
        return ("left",)

    @property
    def asks_likert(self) -> bool:
        """Whether raters give any Likert rating."""
        return bool(self.likert_sides)

    @property
    def unit(self) -> str:
        """What one trial shows and the targets count: ``"pair"``, or ``"conversation"`` for Likert-only."""
        return "conversation" if self.likert_only else "pair"


@dataclass(frozen=True)
class TargetsConfig:
    """How much data to collect: raters per pair (or per conversation for Likert-only) and trials per rater."""

    raters_per_pair: int = 3
    trials_per_rater: int = 10
    #: "balanced" (coverage first) or "active" (prefer pairs whose models' current scores are closest/uncertain).
    scheduling: Scheduling = "balanced"


@dataclass(frozen=True)
class QualityConfig:
    """Quality control: listening check, attention checks, practice, assignment expiry."""

    min_listen_fraction: float = 0.9
    require_full_playback: bool = True
    attention_checks: int = 1
    practice_trials: int = 1
    assignment_timeout_minutes: float = 30.0
    #: What happens to a rater who fails an attention check (or cannot pass the practice): "flag" keeps them
    #: rating (flagged, for later screening); "screen" ends their session at once (stage "screened_out").
    on_attention_fail: OnAttentionFail = "flag"


@dataclass(frozen=True)
class CompletionConfig:
    """What a rater gets at the end: a completion code and, for Prolific, a redirect URL."""

    code: str = "HUMANS-DEMO"
    redirect_url: str | None = None


@dataclass(frozen=True)
class StudyConfig:
    """The settings of ``study.yaml``."""

    title: str
    instructions: str = ""
    consent: str = ""
    rating: RatingConfig = field(default_factory=RatingConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    completion: CompletionConfig = field(default_factory=CompletionConfig)
    #: The rater page's texts: ``language`` (a bundled translation) and entries of
    #: :data:`annotation_app.study.ui_text.UI_TEXT` that replace the English defaults.
    ui_text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One spoken turn. ``audio`` is the absolute path; ``sha256`` of its bytes names it for clients."""

    role: Role
    audio: Path
    duration_s: float
    sha256: str
    text: str | None = None


@dataclass(frozen=True)
class Conversation:
    """One model's conversation for one scenario.

    ``gold_bad`` marks a deliberately bad conversation used only in attention checks.
    """

    id: str
    scenario: str
    model: str
    turns: tuple[Turn, ...]
    gold_bad: bool = False

    @property
    def duration_s(self) -> float:
        """Total audio duration in seconds."""
        return sum(t.duration_s for t in self.turns)

    @property
    def public_id(self) -> str:
        """An opaque id that may be shown to clients: a hash of the audio, never the model or the raw id."""
        return hashlib.sha256("|".join(t.sha256 for t in self.turns).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Pair:
    """Two conversations of one scenario by two different models (``a`` sorts before ``b`` by model)."""

    scenario: str
    a: Conversation
    b: Conversation


@dataclass(frozen=True)
class Study:
    """A validated study: its config, conversations, and the hash that identifies this exact content."""

    root: Path
    config: StudyConfig
    conversations: tuple[Conversation, ...]
    content_hash: str

    @property
    def models(self) -> tuple[str, ...]:
        """Model names, sorted (gold-bad conversations excluded)."""
        return tuple(sorted({c.model for c in self.conversations if not c.gold_bad}))

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Scenario ids, sorted."""
        return tuple(sorted({c.scenario for c in self.conversations}))

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """Every pair of two different models' conversations within a scenario (gold-bad excluded)."""
        out: list[Pair] = []
        for scenario in self.scenarios:
            convs = sorted(
                (c for c in self.conversations if c.scenario == scenario and not c.gold_bad),
                key=lambda c: (c.model, c.id),
            )
            for a, b in itertools.combinations(convs, 2):
                if a.model != b.model:
                    out.append(Pair(scenario, a, b))
        return tuple(out)

    @property
    def total_audio_s(self) -> float:
        """Sum of all conversations' audio durations in seconds."""
        return sum(c.duration_s for c in self.conversations)
