"""Progress of a study: votes per pair (or conversation) against the target, and raters by state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from annotation_app.store import Store
from annotation_app.study.model import RatingConfig

__all__ = ["StudyProgress", "status"]


@dataclass(frozen=True)
class StudyProgress:
    """A study's progress (server side: carries model names; never shown to raters).

    ``items`` has one row per pair (or per conversation in Likert-only studies) with ``votes`` and ``open``;
    ``by_model_pair`` sums votes per model pair.
    """

    title: str
    scheme: str
    target: int
    items: list[dict]
    by_model_pair: dict[str, tuple[int, int]]
    raters: dict

    @property
    def rating(self) -> RatingConfig:
        """What the scheme asks (from :attr:`scheme`)."""
        return RatingConfig(scheme=self.scheme)

    @property
    def votes(self) -> int:
        """Trial votes collected (attention checks and practice excluded)."""
        return sum(r["votes"] for r in self.items)

    @property
    def needed(self) -> int:
        """Trial votes the targets ask for."""
        return self.target * len(self.items)

    def format(self) -> str:
        """A terminal summary."""
        lo = min((r["votes"] for r in self.items), default=0)
        hi = max((r["votes"] for r in self.items), default=0)
        unit = self.rating.unit
        r = self.raters
        lines = [
            f"{self.title} ({self.scheme})",
            f"trial votes: {self.votes} of {self.needed} ({100 * self.votes / max(1, self.needed):.0f}%); "
            f"per {unit} {lo}..{hi}, target {self.target}, over {len(self.items)} {unit}s",
            "  (votes of every rater, flagged ones included; attention checks and practice not counted)",
            f"raters: {r['started']} started, {r['finished']} finished, {r['flagged']} flagged, "
            f"{r['screened_out']} screened out, {r['declined']} declined consent",
            f"attention checks: {r['attention_checks']} answered, {r['attention_failed']} failed",
            "",
            f"{'model' if self.rating.likert_only else 'model pair':<40} {'votes':>7} {'target':>7}",
        ]
        for name, (votes, target) in sorted(self.by_model_pair.items()):
            lines.append(f"{name:<40} {votes:>7} {target:>7}")
        return "\n".join(lines)


def status(db: str | Path) -> StudyProgress:
    """Progress of the study in database ``db``.

    Raises
    ------
    HumansError
        When ``db`` does not exist or holds no study.
    """
    with Store.open_existing(db) as store:
        study = store.load_study()
        likert_only = study.config.rating.likert_only
        items = store.conversation_progress() if likert_only else store.pair_progress()
        raters = store.rater_summary()
    target = study.config.targets.raters_per_pair
    grouped: dict[str, list[int]] = defaultdict(list)
    for row in items:
        name = row["model"] if likert_only else f"{row['model_a']} vs {row['model_b']}"
        grouped[name].append(row["votes"])
    by_pair = {name: (sum(v), target * len(v)) for name, v in grouped.items()}
    return StudyProgress(study.config.title, study.config.rating.scheme, target, items, by_pair, raters)
