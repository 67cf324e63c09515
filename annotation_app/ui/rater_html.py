"""HTML of the rater pages that Gradio components cannot express: the audio players of a trial and the done page.

Pure functions from the blind view objects of :mod:`annotation_app.rater_views` to strings; every value from a
study is escaped and every word comes from the study's :class:`~annotation_app.study.ui_text.UiText` table. Text
elements carry ``dir="auto"`` so a right-to-left language displays correctly. The page script (``rater.js``) finds
the players by their ``data-side``/``data-turn`` attributes, logs their events, unlocks the answer controls and
reads its own words from ``data-text-*`` attributes; the stylesheet (``rater.css``) lays the two conversations side
by side, stacked on a narrow screen.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from annotation_app.audio.web import web_sources
from annotation_app.rater_views import ConversationView, RaterView, TrialView
from annotation_app.study.ui_text import UiText

__all__ = [
    "clip_seconds",
    "done_html",
    "progress_label",
    "safe_redirect",
    "trial_html",
]

_ENGLISH = UiText()
#: Stands for a value that is HTML (the countdown) while the text around it is escaped.
_SLOT = "\x00"


def progress_label(trial: TrialView, texts: UiText = _ENGLISH) -> str:
    """``"Trial 7 of 20"`` (or ``"Practice 1 of 2"``) for a trial.

    Examples
    --------
    >>> from annotation_app.rater_views import ConversationView
    >>> conv = ConversationView("c", ())
    >>> progress_label(TrialView("t", 7, 20, False, conv, None, 0.0))
    'Trial 7 of 20'
    """
    key = "progress_practice" if trial.practice else "progress_trial"
    return texts(key, position=trial.position, total=trial.total)


def clip_seconds(seconds: float) -> str:
    """A clip's length as the page shows it beside the player: tenths below 10 s (Chromium's own player shows
    "0:00" for a sub-second clip), whole seconds above.

    Examples
    --------
    >>> clip_seconds(0.4), clip_seconds(12.6)
    ('0.4', '13')
    """
    return f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"


def trial_html(
    trial: TrialView,
    *,
    audio_prefix: str = "audio/",
    show_transcripts: bool = True,
    require_full_playback: bool = True,
    min_played_fraction: float = 0.9,
    texts: UiText = _ENGLISH,
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
    texts : UiText, default English
        The study's texts.

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
        _conversation_html(side, label, conv, audio_prefix, show_transcripts, single, texts)
        for side, label, conv in sides
    )
    done = trial.position - 1
    label = escape(progress_label(trial, texts))
    hint = f'<p class="humans-practice-hint" dir="auto">{escape(texts("practice_hint"))}</p>' if trial.practice else ""
    words = {
        "heard": texts("status_heard"),
        "some": texts("status_some"),
        "error": texts("status_clip_error"),
    }
    data = "".join(f' data-text-{name}="{escape(text)}"' for name, text in words.items())
    return (
        f'<div id="humans-trial" data-token="{escape(trial.token)}" '
        f'data-require-full="{int(require_full_playback)}" data-min-played="{min_played_fraction:g}"{data}>'
        f'<div class="humans-progress"><span class="humans-progress-label" dir="auto">{label}</span>'
        f'<progress max="{trial.total}" value="{done}">{label}</progress></div>{hint}'
        f'<div class="humans-convs{" humans-single" if single else ""}">{sections}</div></div>'
    )


def _conversation_html(
    side: str,
    label: str,
    conv: ConversationView,
    audio_prefix: str,
    show_transcripts: bool,
    single: bool,
    texts: UiText,
) -> str:
    title = escape(texts("conversation_single") if single else texts("conversation", label=label))
    play = escape(texts("play_conversation_single") if single else texts("play_conversation", label=label))
    speakers = {"user": texts("speaker_user"), "assistant": texts("speaker_assistant")}
    turns = []
    for index, turn in enumerate(conv.turns):
        speaker = escape(speakers.get(turn.role, turn.role))
        transcript = ""
        if show_transcripts and turn.text:
            transcript = f'<p class="humans-transcript" dir="auto">{escape(turn.text)}</p>'
        length = escape(texts("clip_seconds", seconds=clip_seconds(turn.duration_s)))
        turns.append(
            f'<li class="humans-turn humans-role-{escape(turn.role)}">'
            f'<div class="humans-turn-head"><span class="humans-speaker" dir="auto">{speaker}</span>'
            f'<span class="humans-duration" dir="auto">{length}</span></div>'
            f'<audio controls preload="auto" data-side="{side}" data-turn="{index}" '
            f'data-duration="{turn.duration_s:.3f}">{_sources(audio_prefix, turn.audio_name)}</audio>'
            f"{transcript}</li>"
        )
    # the text the page script shows before the first clip ends, so the first paint does not flicker
    not_heard = texts("status_some", heard=0, total=len(conv.turns))
    return (
        f'<section class="humans-conv" data-side="{side}" aria-label="{title}">'
        f'<div class="humans-conv-head"><h3 class="humans-conv-title" dir="auto">{title}</h3>'
        f'<button type="button" class="humans-play-all" data-play-side="{side}" dir="auto">▶ {play}</button></div>'
        f'<ol class="humans-turns">{"".join(turns)}</ol>'
        f'<p class="humans-side-status" data-status-for="{side}" dir="auto">{escape(not_heard)}</p>'
        "</section>"
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


def done_html(rater: RaterView, *, redirect_delay_s: int = 5, texts: UiText = _ENGLISH) -> str:
    """The last page: thanks, the completion code with a copy button and, with a redirect URL, the way back.

    A rater who was screened out or declined consent gets a polite end page (with the code and redirect their
    :class:`RaterView` carries, if any). The page script follows ``data-redirect`` after ``data-delay`` seconds;
    the link works without script.
    """
    if rater.stage == "screened_out":
        title, body = texts("screened_title"), texts("screened_body")
    elif rater.stage == "declined":
        title, body = texts("declined_title"), texts("declined_body")
    else:
        title, body = texts("done_title"), texts("done_close")
    code = ""
    if rater.completion_code:
        value = escape(rater.completion_code)
        code = (
            f'<p dir="auto">{escape(texts("done_code"))}</p><p class="humans-code" id="humans-code">{value}</p>'
            f'<p><button type="button" class="humans-copy" data-copy="{value}" '
            f'data-copied="{escape(texts("done_copied"))}" dir="auto">{escape(texts("done_copy"))}</button></p>'
        )
    redirect = safe_redirect(rater.redirect_url)
    attrs = ""
    back = f'<p dir="auto">{escape(body)}</p>'
    if redirect:
        attrs = f' data-redirect="{escape(redirect)}" data-delay="{int(redirect_delay_s)}"'
        seconds = f'<span class="humans-countdown">{int(redirect_delay_s)}</span>'
        message = escape(texts("done_redirect", seconds=_SLOT)).replace(_SLOT, seconds)
        back = (
            f'<p class="humans-redirect" dir="auto">{message} '
            f'<a href="{escape(redirect)}" rel="noopener">{escape(texts("done_continue"))}</a></p>'
        )
    return f'<div id="humans-done" class="humans-done"{attrs}><h2 dir="auto">{escape(title)}</h2>{code}{back}</div>'
