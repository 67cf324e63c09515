"""Every text a rater can see, in one table: English defaults, bundled translations, a study's overrides.

The rater page (buttons, lock notes, progress, notices, errors, the done page) takes each of its words from
:data:`UI_TEXT` through a :class:`UiText`; nothing a rater reads is written anywhere else. A study changes any
entry in ``study.yaml``::

    ui_text:
      language: de            # start from a bundled translation (ui_text_de.yaml); default English
      submit: Antwort senden  # then override single entries

Texts may contain ``{placeholders}``; an override may use only the placeholders of the English text (checked by
:func:`check_ui_text`, which the study validation calls). The ``error_*`` entries whose English text is
``{message}`` show the server's own (English, detailed) message; a translation replaces it with its own words
and the placeholders the error carries (:attr:`annotation_app.rater_views.RaterError.params`).

Adding an entry is one line in :data:`UI_TEXT` (and one in each bundled translation; a test checks that every
bundled translation is complete). Right-to-left languages need nothing more: the page marks its text
``dir="auto"``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from annotation_app.study.problems import did_you_mean

__all__ = [
    "ERROR_PARAMS",
    "LANGUAGES",
    "UI_TEXT",
    "UiText",
    "allowed_placeholders",
    "bundled_translation",
    "check_ui_text",
    "placeholders",
    "ui_text",
]

#: The English text of every entry (key -> text). Keys are grouped by the part of the page they belong to.
UI_TEXT: Mapping[str, str] = MappingProxyType(
    {
        # participant id form
        "id_prompt": "Please enter the participant id you were given (letters, digits and - _ . @).",
        "id_label": "Participant id",
        "id_continue": "Continue",
        # consent and instructions
        "consent_heading": "Before you start",
        "consent_agree": "I agree and want to take part",
        "consent_decline": "I do not agree",
        "instructions_heading": "How it works",
        "instructions_begin": "Begin",
        # a trial
        "progress_trial": "Trial {position} of {total}",
        "progress_practice": "Practice {position} of {total}",
        "practice_hint": "A practice trial: it does not count, it shows how the task works.",
        "conversation": "Conversation {label}",
        "conversation_single": "The conversation",
        "speaker_user": "Person",
        "speaker_assistant": "Assistant",
        "play_conversation": "Play conversation {label}",
        "play_conversation_single": "Play the conversation",
        "clip_seconds": "{seconds} s",
        "status_heard": "Heard to the end ✓",
        "status_some": "Heard {heard} of {total} clips",
        "status_clip_error": "A clip could not be loaded; please reload the page.",
        "lock_note_pair": "Listen to both conversations to the end; then the answer buttons unlock.",
        "lock_note_single": "Listen to the conversation to the end; then the answer buttons unlock.",
        "keys_hint": "Keys: {keys} choose an answer · Ctrl+Enter submits",
        "submit": "Submit answer",
        "reason_required": "{prompt} (required)",
        # answer options
        "choice_a_better": "A is better",
        "choice_same": "About the same",
        "choice_b_better": "B is better",
        "choice_a_much": "A is much better",
        "choice_a_slightly": "A is slightly better",
        "choice_b_slightly": "B is slightly better",
        "choice_b_much": "B is much better",
        "choice_both_bad": "Both are bad",
        "likert_side": "{side}: {question}",
        "likert_lowest": "{value} · not at all",
        "likert_highest": "{value} · completely",
        # headphone check, questionnaires and aspects (study quality)
        "headphones_heading": "Headphone check",
        "headphones_calibrate": (
            "Put on your headphones. Play this sound and set your volume so that it is comfortable "
            "(you can play it as often as you like). Do not change the volume after this."
        ),
        "headphones_calibration_label": "Volume check",
        "headphones_task_antiphase": (
            "Each sound check plays three tones one after the other. Which of the three tones is the quietest?"
        ),
        "headphones_task_huggins": (
            "Each sound check plays three bursts of noise one after the other. In one of them you can "
            "hear a faint tone inside the noise. Which one?"
        ),
        "headphones_clip": "Sound check {k} of {n}",
        "headphones_choice_antiphase": "Sound check {k}: which tone was the quietest?",
        "headphones_choice_huggins": "Sound check {k}: which noise had the tone in it?",
        "headphones_submit": "Submit the sound checks",
        "questionnaire_before_heading": "A few questions about you",
        "questionnaire_after_heading": "Last questions",
        "questionnaire_optional": "{question} (optional)",
        "questionnaire_submit": "Continue",
        # notices after a click
        "notice_no_trial": "There is no trial for you right now; please reload the page in a minute.",
        "notice_duplicate": "That answer had already been recorded; here is where you are.",
        "notice_practice_passed": "Practice done: thank you, that is the idea. The real trials follow.",
        "notice_practice_failed_again": (
            "Practice: one of the two assistants gave a deliberately bad answer, and your choice did not pick the "
            "other one. Please listen to both conversations carefully; here is another example."
        ),
        "notice_practice_failed_continue": (
            "Practice: one of the two assistants gave a deliberately bad answer, and your choice did not pick the "
            "other one. Please listen to both conversations carefully; the real trials follow."
        ),
        # the last page
        "done_title": "Thank you! You have finished.",
        "done_code": "Your completion code:",
        "done_copy": "Copy code",
        "done_copied": "Copied",
        "done_close": "You can close this page now.",
        "done_redirect": "Taking you back in {seconds} s.",
        "done_continue": "Continue now",
        "screened_title": "Thank you for your time",
        "screened_body": "This study has no further trials for you. You can close this page.",
        "declined_title": "Thank you for your time",
        "declined_body": "You chose not to take part, so the study ends here. You can close this page.",
        # mistakes in the form (checked in the page before anything is sent)
        "error_choose_preference": "Please choose which conversation you prefer before you submit.",
        "error_rate_a": "Please rate A on the satisfaction scale before you submit.",
        "error_rate_b": "Please rate B on the satisfaction scale before you submit.",
        "error_rate_single": "Please rate the conversation on the satisfaction scale before you submit.",
        "error_not_a_choice": "That answer is not one of the choices; please pick one of the buttons.",
        "error_garbled_log": "The page sent a garbled listening log; please reload the page and try again.",
        # refusals by the server: "{message}" is its English message; a translation may use the listed placeholders
        "error_invalid_rater_id": "{message}",
        "error_unknown_rater": "{message}",
        "error_not_your_trial": "{message}",
        "error_wrong_stage": "{message}",
        "error_too_many_new_raters": "{message}",
        "error_too_soon": "{message}",
        "error_invalid_answer": "{message}",
        "error_store_unavailable": "{message}",
    }
)

#: Placeholders an error entry may use besides ``{message}``: the details its error carries in ``params``.
ERROR_PARAMS: Mapping[str, frozenset[str]] = MappingProxyType({"error_too_soon": frozenset({"wait_s"})})

#: Bundled translations (``ui_text_<language>.yaml`` beside this module); ``en`` is :data:`UI_TEXT` itself.
LANGUAGES: tuple[str, ...] = ("en", "de")

#: The entry that picks a bundled translation inside ``ui_text:``.
LANGUAGE_KEY = "language"

_FORMATTER = string.Formatter()


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a text uses.

    Examples
    --------
    >>> sorted(placeholders("Trial {position} of {total}"))
    ['position', 'total']
    """
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(text) if name)


def allowed_placeholders(key: str) -> frozenset[str]:
    """The placeholders the text of ``key`` may use: those of its English text, plus an error's details."""
    return placeholders(UI_TEXT[key]) | ERROR_PARAMS.get(key, frozenset())


@cache
def bundled_translation(language: str) -> Mapping[str, str]:
    """The complete table of a bundled language (English entries where a translation file lacks one).

    Raises
    ------
    ValueError
        When ``language`` is not one of :data:`LANGUAGES`.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no bundled translation {language!r}; choose one of {', '.join(LANGUAGES)}")
    if language == "en":
        return UI_TEXT
    path = Path(__file__).with_name(f"ui_text_{language}.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return MappingProxyType({**UI_TEXT, **{str(k): str(v) for k, v in data.items()}})


def check_ui_text(entries: Mapping) -> list[tuple[str, str]]:
    """Problems of a study's ``ui_text`` mapping as (key, message) pairs; empty when it is valid.

    Checks that ``language`` names a bundled translation, every other key is an entry of :data:`UI_TEXT`
    (with a "did you mean" hint), every value is text, and an override uses only its entry's placeholders.

    Examples
    --------
    >>> check_ui_text({"submitt": "Send"})  # doctest: +ELLIPSIS
    [('submitt', "unknown text 'submitt' (did you mean 'submit'?); ...")]
    >>> check_ui_text({"progress_trial": "{n}/{total}"})
    [('progress_trial', 'uses {n}, which this text does not have; it may use {position}, {total}')]
    """
    problems: list[tuple[str, str]] = []
    for key, value in entries.items():
        key = str(key)
        if key == LANGUAGE_KEY:
            if value not in LANGUAGES:
                hint = did_you_mean(str(value), LANGUAGES)
                problems.append((key, f"no bundled translation {value!r}{hint}; use one of {', '.join(LANGUAGES)}"))
            continue
        if key not in UI_TEXT:
            problems.append(
                (
                    key,
                    f"unknown text '{key}'{did_you_mean(key, UI_TEXT)}; the texts are listed in "
                    "docs/study-format.md (annotation_app/study/ui_text.py)",
                )
            )
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append((key, f"must be non-empty text, found {value!r}"))
            continue
        try:
            used = placeholders(value)
        except ValueError as exc:
            problems.append((key, f"has a stray brace ({exc}); write {{{{ and }}}} for literal braces"))
            continue
        extra = sorted(used - allowed_placeholders(key))
        if extra:
            allowed = ", ".join(f"{{{p}}}" for p in sorted(allowed_placeholders(key))) or "none"
            used_text = ", ".join(f"{{{p}}}" for p in extra)
            problems.append((key, f"uses {used_text}, which this text does not have; it may use {allowed}"))
    return problems


class _Missing(dict):
    """Leaves an unknown placeholder as it is instead of failing (a translation may drop a detail)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class UiText:
    """The texts of one study's rater page: a complete table (key -> text), looked up with :meth:`__call__`.

    Examples
    --------
    >>> texts = ui_text({"submit": "Send"})
    >>> texts("submit"), texts("progress_trial", position=2, total=10)
    ('Send', 'Trial 2 of 10')
    """

    table: Mapping[str, str] = field(default_factory=lambda: UI_TEXT)

    def __call__(self, key: str, **params) -> str:
        """The text of ``key`` with ``params`` filled in (a KeyError names a key missing from :data:`UI_TEXT`)."""
        text = self.table[key]
        return text.format_map(_Missing(params)) if params else text

    def error(self, key: str, message: str, params: Mapping | None = None) -> str:
        """The text of an error entry: ``message`` is the server's English message, ``params`` its details."""
        return self(key, message=message, **dict(params or {}))


def ui_text(entries: Mapping | None = None) -> UiText:
    """The table of a study: English (or the bundled ``language``), then the study's own entries.

    ``entries`` is the ``ui_text`` mapping of ``study.yaml``, already checked by :func:`check_ui_text`.
    """
    entries = dict(entries or {})
    base = bundled_translation(str(entries.pop(LANGUAGE_KEY, "en")))
    return UiText(MappingProxyType({**base, **{str(k): str(v) for k, v in entries.items()}}))
