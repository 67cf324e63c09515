"""Every rater-visible text of the quality stages, in one table (key -> English), to move into the study's
``ui_text`` table when it exists."""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["TEXT"]

TEXT = MappingProxyType(
    {
        "decline": "I do not agree",
        "headphones.title": "### Headphone check",
        "headphones.calibrate": (
            "Put on your headphones. Play this sound and set your volume so that it is comfortable (you can play "
            "it as often as you like). Do not change the volume after this."
        ),
        "headphones.calibration_label": "Volume check",
        "headphones.antiphase": (
            "Each sound check plays **three tones** one after the other. Which of the three tones is the **quietest**?"
        ),
        "headphones.huggins": (
            "Each sound check plays **three bursts of noise** one after the other. In one of them you can hear a "
            "**faint tone** inside the noise. Which one?"
        ),
        "headphones.trial_label": "Sound check {k} of {n}",
        "headphones.choice_antiphase": "Sound check {k}: which tone was the quietest?",
        "headphones.choice_huggins": "Sound check {k}: which noise had the tone in it?",
        "headphones.submit": "Submit the sound checks",
        "questionnaire.before": "### A few questions about you",
        "questionnaire.after": "### Last questions",
        "questionnaire.submit": "Continue",
        "questionnaire.optional": " (optional)",
        "aspect.a": "A",
        "aspect.b": "B",
        "aspect.same": "About the same",
        "final.screened_title": "Thank you for your time",
        "final.screened": "This study has no further tasks for you. You can close this page.",
        "final.declined_title": "You did not agree to take part",
        "final.declined": "Thank you for considering the study. You can close this page.",
        "final.code": "Your code:",
        "final.redirect": "Taking you back in {s} s.",
        "final.continue": "Continue now",
    }
)
