"""HTML of the headphone check: the calibration clip and the sound checks.

Clips are named by content hash only (the rater never learns which interval is right); every text is escaped.
"""

from __future__ import annotations

from html import escape

from annotation_app.quality_views import HeadphoneView
from annotation_app.study.ui_text import UiText

__all__ = ["headphone_html"]


def headphone_html(view: HeadphoneView, t: UiText, *, audio_prefix: str = "audio/") -> str:
    """The calibration player and one player per sound check, in order."""
    calibration = (
        f'<div class="humans-hp-calibration"><p dir="auto">{escape(t("headphones_calibration_label"))}</p>'
        f'<audio controls loop preload="auto" data-headphone="calibration" '
        f'src="{escape(audio_prefix + view.calibration_audio)}"></audio></div>'
    )
    n = len(view.trials)
    clips = "".join(
        f'<div class="humans-hp-trial"><p dir="auto">{escape(t("headphones_clip", k=k, n=n))}</p>'
        f'<audio controls preload="auto" data-headphone="{k}" src="{escape(audio_prefix + name)}"></audio></div>'
        for k, name in enumerate(view.trials, start=1)
    )
    return (
        f'<div id="humans-headphones" class="humans-hp">{calibration}<div class="humans-hp-trials">{clips}</div></div>'
    )
