"""A load generator for a deployed study: thousands of simulated raters from one asyncio process.

:func:`loadtest` (``humans loadtest URL``) speaks Gradio's page protocol (:mod:`.gradio_tab`), walks each rater
through the study (:mod:`.rater_flow`) and reports latency percentiles per request kind, events/s, errors and the
acknowledged votes (:mod:`.stats`).
"""

from annotation_app.loadtest.runner import loadtest
from annotation_app.loadtest.stats import LoadReport

__all__ = ["LoadReport", "loadtest"]
