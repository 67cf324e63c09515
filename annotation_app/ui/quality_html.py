"""HTML of the quality stages: the headphone clips and the last page of a screened-out or declining rater.

Clips are named by content hash only (the rater never learns which interval is right); every text is escaped.
"""

from __future__ import annotations

from html import escape

from annotation_app.quality_views import HeadphoneView
from annotation_app.rater_views import RaterView
from annotation_app.ui.quality_text import TEXT
from annotation_app.ui.rater_html import done_html, safe_redirect

__all__ = ["final_html", "headphone_html"]


def headphone_html(view: HeadphoneView, *, audio_prefix: str = "audio/") -> str:
    """The calibration player and one player per sound check, in order."""
    calibration = (
        f'<div class="humans-hp-calibration"><p>{escape(TEXT["headphones.calibration_label"])}</p>'
        f'<audio controls loop preload="auto" data-headphone="calibration" '
        f'src="{escape(audio_prefix + view.calibration_audio)}"></audio></div>'
    )
    n = len(view.trials)
    clips = "".join(
        f'<div class="humans-hp-trial"><p>{escape(TEXT["headphones.trial_label"].format(k=k, n=n))}</p>'
        f'<audio controls preload="auto" data-headphone="{k}" src="{escape(audio_prefix + name)}"></audio></div>'
        for k, name in enumerate(view.trials, start=1)
    )
    return (
        f'<div id="humans-headphones" class="humans-hp">{calibration}<div class="humans-hp-trials">{clips}</div></div>'
    )


def final_html(rater: RaterView, *, redirect_delay_s: int = 5) -> str:
    """The last page of any final stage: done (the completion page), screened out or consent declined, with the
    study's code for that case and its redirect."""
    if rater.stage == "done":
        return done_html(rater, redirect_delay_s=redirect_delay_s)
    title, text = (
        (TEXT["final.declined_title"], TEXT["final.declined"])
        if rater.stage == "declined"
        else (TEXT["final.screened_title"], TEXT["final.screened"])
    )
    code = ""
    if rater.completion_code:
        code = (
            f"<p>{escape(TEXT['final.code'])}</p>"
            f'<p class="humans-code" id="humans-code">{escape(rater.completion_code)}</p>'
        )
    redirect = safe_redirect(rater.redirect_url)
    attrs = back = ""
    if redirect:
        delay = int(redirect_delay_s)
        attrs = f' data-redirect="{escape(redirect)}" data-delay="{delay}"'
        countdown = escape(TEXT["final.redirect"]).replace("{s}", f'<span class="humans-countdown">{delay}</span>')
        back = (
            f'<p class="humans-redirect">{countdown} <a href="{escape(redirect)}" rel="noopener">'
            f"{escape(TEXT['final.continue'])}</a></p>"
        )
    return (
        f'<div id="humans-done" class="humans-done humans-{escape(rater.stage)}"{attrs}><h2>{escape(title)}</h2>'
        f"<p>{escape(text)}</p>{code}{back}</div>"
    )
