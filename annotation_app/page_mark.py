"""The page mark: which stage column the rater page shows, as one value every event returns.

The server answers each event with :func:`page_mark` of :func:`page_of` the rater's stage; the page script
(``annotation_app/ui/rater.js``) copies its ``data-humans-page`` to ``<body>``, and the stylesheets
(``rater.css``, ``quality.css``) hide every column of :data:`PAGES` but the named one. Clients without a browser
(``humans loadtest``, the reliability tests) read it back with :func:`read_page_mark`. No Gradio here, so those
clients do not import it.
"""

from __future__ import annotations

import re
from html import escape, unescape
from types import MappingProxyType

from annotation_app.protocol import FINAL_STAGES, TRIAL_STAGES

__all__ = ["PAGES", "TRIAL_STAGES", "page_mark", "page_of", "read_page_mark"]

#: The page mark of each stage column and the column's ``elem_id`` (``rater.css`` / ``quality.css`` show a column
#: only while ``<body data-humans-page>`` names it).
PAGES = MappingProxyType(
    {
        "id": "humans-page-id",
        "consent": "humans-page-consent",
        "instructions": "humans-page-instructions",
        "trial": "humans-page-trial",
        "done": "humans-page-done",
        "headphones": "humans-headphone-page",
        "questionnaire_before": "humans-questionnaire-before",
        "questionnaire_after": "humans-questionnaire-after",
    }
)


_PAGE_MARK = re.compile(r'\bdata-humans-page="([^"]*)"')


def page_of(stage: str, *, has_trial: bool) -> str:
    """The page (a key of :data:`PAGES`) that shows the rater's ``stage``; ``""`` for none (a rating stage
    without a trial to show: the notice says why)."""
    if stage in FINAL_STAGES:
        return "done"
    if stage in TRIAL_STAGES:
        return "trial" if has_trial else ""
    return stage if stage in PAGES else ""


def page_mark(page: str) -> str:
    """The HTML of the page mark: ``rater.js`` copies ``data-humans-page`` to ``<body>``."""
    return f'<div data-humans-page="{escape(page)}"></div>'


def read_page_mark(mark: str | None) -> str:
    """The page a page mark names (the inverse of :func:`page_mark`; ``""`` when there is none), for clients
    that read the page's outputs without a browser (``humans loadtest``, the reliability tests).

    Examples
    --------
    >>> read_page_mark(page_mark("consent"))
    'consent'
    """
    found = _PAGE_MARK.search(mark or "")
    return unescape(found.group(1)) if found else ""
