"""The dashboard's study-quality panel: screening counts, then the report's length-controlled, aspect,
consistency and questionnaire sections (the same functions as ``humans report``, so the numbers agree).

Input are the exported tables (votes of unflagged raters, and the pseudonymised raters table), so nothing here
reads the store.
"""

from __future__ import annotations

import html

import pandas as pd

from analysis.errors import HumansError
from analysis.report.quality_sections import (
    aspect_section,
    consistency_section,
    controlled_section,
    questionnaire_section,
)
from annotation_app.export.tables import ExportTable
from annotation_app.study.model import StudyConfig

__all__ = ["quality_sections", "screening_summary"]


def screening_summary(raters: pd.DataFrame, config: StudyConfig) -> str:
    """One paragraph: headphone test taken/passed, screened out by reason, consent declined.

    Examples
    --------
    >>> from annotation_app.study.model import QualityConfig
    >>> r = pd.DataFrame({"headphone_passed": [True, False, None], "screen_reason": [None, "headphones", None],
    ...                   "declined_consent": [False, False, True]})
    >>> text = screening_summary(r, StudyConfig(title="t", quality=QualityConfig(headphone_check="huggins")))
    >>> for part in text.split(" · "):
    ...     print(part)
    <p><b>Headphone check</b> (huggins): 2 taken, 1 passed (50%)
    <b>Screened out</b> 1 (headphones 1)
    <b>Declined consent</b> 1</p>
    """
    parts = []
    if config.quality.headphone_check != "off" and "headphone_passed" in raters:
        taken = raters["headphone_passed"].notna().sum()
        passed = int((raters["headphone_passed"] == True).sum())  # noqa: E712 - nullable booleans
        share = f" ({passed / taken:.0%})" if taken else ""
        parts.append(
            f"<b>Headphone check</b> ({html.escape(config.quality.headphone_check)}): {taken} taken, "
            f"{passed} passed{share}"
        )
    reasons = raters["screen_reason"].dropna().value_counts() if "screen_reason" in raters else pd.Series([])
    if len(reasons):
        detail = ", ".join(f"{html.escape(str(k))} {v}" for k, v in reasons.items())
        parts.append(f"<b>Screened out</b> {int(reasons.sum())} ({detail})")
    if "declined_consent" in raters and raters["declined_consent"].fillna(False).astype(bool).any():
        parts.append(f"<b>Declined consent</b> {int(raters['declined_consent'].fillna(False).astype(bool).sum())}")
    return f"<p>{' · '.join(parts)}</p>" if parts else ""


def quality_sections(votes: pd.DataFrame, raters: ExportTable | None, config: StudyConfig, *, level: float) -> str:
    """The HTML of the panel (empty when the study uses none of the features and has no votes)."""
    rater_frame = raters.to_frame() if raters is not None and len(raters) else pd.DataFrame()
    out = [screening_summary(rater_frame, config)] if len(rater_frame) else []
    sections = []
    if len(votes) and {"model_a", "model_b", "winner"} <= set(votes.columns):
        plain = votes.astype({c: object for c in votes.columns if str(votes[c].dtype).endswith("[pyarrow]")})
        for build in (controlled_section, aspect_section, consistency_section):
            try:
                section = build(plain, level=level)
            except HumansError as exc:  # too few votes for a fit yet
                out.append(f"<p><i>{html.escape(str(exc))}</i></p>")
                continue
            if section is not None:
                sections.append(section)
    if len(rater_frame):
        questions = config.questionnaire.before + config.questionnaire.after
        section = questionnaire_section(rater_frame, tuple(q.name for q in questions if q.type == "text"))
        if section is not None:
            sections.append(section)
    out += [f"<h3>{html.escape(s.title)}</h3>{s.body}" for s in sections]
    return "\n".join(out)
