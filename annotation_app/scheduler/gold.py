"""Attention-check items: a good conversation against a deliberately bad one of the same scenario.

The study may bring its own bad conversations (``gold_bad: true``); each is paired with every good conversation
of its scenario. Otherwise, when the study asks for attention checks or practice trials, one conversation per
scenario (models taken in turn) gets a silenced copy: the same user turns, every assistant turn replaced by
silence of the same length, written into the audio cache by the same encoders as every served clip (same codec,
container, sample rate and bitrate mode: Ogg/Opus and MP3 at 24 kHz mono; see
:meth:`~annotation_app.audio_cache.AudioCache.silence`), so nothing in its URL, headers or size tells it apart.
"""

from __future__ import annotations

from annotation_app.audio_cache import AudioCache
from annotation_app.store.store import GoldItem
from annotation_app.study.model import Conversation, Study

__all__ = ["SILENCED_SUFFIX", "gold_items"]

#: Appended to a conversation's id to name its generated silenced copy (server side only).
SILENCED_SUFFIX = "#silenced"


def gold_items(study: Study, cache: AudioCache) -> list[GoldItem]:
    """The attention-check items of ``study`` (generating silenced copies in ``cache`` when needed)."""
    good = [c for c in study.conversations if not c.gold_bad]
    bad = [c for c in study.conversations if c.gold_bad]
    if bad:
        return [GoldItem(g, b) for b in bad for g in good if g.scenario == b.scenario]
    quality = study.config.quality
    if quality.attention_checks <= 0 and quality.practice_trials <= 0:
        return []
    models = study.models
    items = []
    for i, scenario in enumerate(study.scenarios):
        convs = sorted((c for c in good if c.scenario == scenario), key=lambda c: (c.model, c.id))
        if not convs:
            continue
        wanted = models[i % len(models)]
        source = next((c for c in convs if c.model == wanted), convs[0])
        turns = tuple(cache.silence(t.duration_s) if t.role == "assistant" else t for t in source.turns)
        silenced = Conversation(source.id + SILENCED_SUFFIX, scenario, source.model, turns, gold_bad=True)
        items.append(GoldItem(source, silenced))
    return items
