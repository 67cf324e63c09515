"""HTML of the rater pages that Gradio components cannot express: the audio players of a trial and the done page.

Pure functions from the blind view objects of :mod:`annotation_app.rater_views` to strings; every value from a
study is escaped. The page script (``rater.js``) finds the players by their ``data-side``/``data-turn`` attributes,
logs their events and unlocks the answer controls; the stylesheet (``rater.css``) lays the two conversations side
by side, stacked on a narrow screen.
"""

from __future__ import annotations

from html import escape
from types import MappingProxyType
from urllib.parse import urlsplit

from annotation_app.audio.web import web_sources
from annotation_app.rater_views import ConversationView, RaterView, TrialView

__all__ = ["done_html", "progress_label", "safe_redirect", "trial_html"]

_SPEAKERS = MappingProxyType({"user": "Person", "assistant": "Assistant"})


def progress_label(trial: TrialView) -> str:
    """``"Trial 7 of 20"`` (or ``"Practice 1 of 2"``) for a trial.

    Examples
    --------
    >>> from annotation_app.rater_views import ConversationView
    >>> conv = ConversationView("c", ())
    >>> progress_label(TrialView("t", 7, 20, False, conv, None, 0.0))
    'Trial 7 of 20'
    """
    kind = "Practice" if trial.practice else "Trial"
    return f"{kind} {trial.position} of {trial.total}"


def trial_html(
    trial: TrialView,
    *,
    audio_prefix: str = "audio/",
    show_transcripts: bool = True,
    require_full_playback: bool = True,
    min_played_fraction: float = 0.9,
) -> str:
    """The players of one trial: a progress bar, then conversation A (left) and B (right), each turn by turn.

    Parameters
    ----------
    trial : TrialView
        What to show; ``trial.right`` is None in Likert-only studies (one conversation).
    audio_prefix : str, default "audio/"
        URL prefix of the audio cache; players load ``audio_prefix + turn.audio_name``.
    show_transcripts : bool, default True
        Show each turn's transcript (when it has one) under its player.
    require_full_playback : bool, default True
        When True the page keeps the answer locked until every player was played to its end.
    min_played_fraction : float, default 0.9
        Share of each clip's duration the page must have seen played (not skipped) to count it as heard.

    Returns
    -------
    str
        An HTML fragment rooted at ``<div id="humans-trial" data-token=…>``.
    """
    sides = [("left", "A", trial.left)]
    if trial.right is not None:
        sides.append(("right", "B", trial.right))
    single = trial.right is None
    sections = "".join(
        _conversation_html(side, label, conv, audio_prefix, show_transcripts, single) for side, label, conv in sides
    )
    done = trial.position - 1
    hint = (
        '<p class="humans-practice-hint">A practice trial: it does not count, it shows how the task works.</p>'
        if trial.practice
        else ""
    )
    return (
        f'<div id="humans-trial" data-token="{escape(trial.token)}" '
        f'data-require-full="{int(require_full_playback)}" data-min-played="{min_played_fraction:g}">'
        f'<div class="humans-progress"><span class="humans-progress-label">{escape(progress_label(trial))}</span>'
        f'<progress max="{trial.total}" value="{done}">{escape(progress_label(trial))}</progress></div>{hint}'
        f'<div class="humans-convs{" humans-single" if single else ""}">{sections}</div></div>'
    )


def _conversation_html(
    side: str, label: str, conv: ConversationView, audio_prefix: str, show_transcripts: bool, single: bool
) -> str:
    title = "The conversation" if single else f"Conversation {label}"
    turns = []
    for index, turn in enumerate(conv.turns):
        speaker = _SPEAKERS.get(turn.role, "Speaker")
        transcript = ""
        if show_transcripts and turn.text:
            transcript = f'<p class="humans-transcript">{escape(turn.text)}</p>'
        turns.append(
            f'<li class="humans-turn humans-role-{escape(turn.role)}">'
            f'<div class="humans-speaker">{speaker}</div>'
            f'<audio controls preload="auto" data-side="{side}" data-turn="{index}" '
            f'data-duration="{turn.duration_s:.3f}">{_sources(audio_prefix, turn.audio_name)}</audio>'
            f"{transcript}</li>"
        )
    return (
        f'<section class="humans-conv" data-side="{side}" aria-label="{title}">'
        f'<h3 class="humans-conv-title">{title}</h3>'
        f'<ol class="humans-turns">{"".join(turns)}</ol>'
        f'<p class="humans-side-status" data-status-for="{side}">Not heard yet</p></section>'
    )


def _sources(audio_prefix: str, audio_name: str) -> str:
    """``<source>`` elements of a clip's renditions: Ogg/Opus first, then MP3 (Safari, iOS)."""
    return "".join(
        f'<source src="{escape(audio_prefix + name)}" type="{escape(mime)}">' for name, mime in web_sources(audio_name)
    )


def safe_redirect(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (never a ``javascript:`` or relative URL).

    Examples
    --------
    >>> safe_redirect("https://app.prolific.com/submissions/complete?cc=X")
    'https://app.prolific.com/submissions/complete?cc=X'
    >>> safe_redirect("javascript:alert(1)") is None
    True
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def done_html(rater: RaterView, *, redirect_delay_s: int = 5) -> str:
    """The last page: thanks, the completion code and, when the study has a redirect URL, the way back.

    The page script follows ``data-redirect`` after ``data-delay`` seconds; the link works without script.
    """
    if rater.stage == "screened_out":
        return (
            '<div id="humans-done" class="humans-done"><h2>Thank you for your time</h2>'
            "<p>This study has no further trials for you. You can close this page.</p></div>"
        )
    code = ""
    if rater.completion_code:
        code = (
            f'<p>Your completion code:</p><p class="humans-code" id="humans-code">{escape(rater.completion_code)}</p>'
        )
    redirect = safe_redirect(rater.redirect_url)
    attrs = ""
    back = "<p>You can close this page now.</p>"
    if redirect:
        attrs = f' data-redirect="{escape(redirect)}" data-delay="{int(redirect_delay_s)}"'
        back = (
            f'<p class="humans-redirect">Taking you back in <span class="humans-countdown">{int(redirect_delay_s)}'
            f'</span> s. <a href="{escape(redirect)}" rel="noopener">Continue now</a></p>'
        )
    return f'<div id="humans-done" class="humans-done"{attrs}><h2>Thank you! You have finished.</h2>{code}{back}</div>'
