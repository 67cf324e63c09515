"""Process settings of Gradio for ``humans serve``, applied by the command line before any Blocks exist.

Gradio's queue keeps per-event analytics for its ``/monitoring`` page and, after **every** event, rebuilds a
pandas DataFrame of the last ``GRADIO_ANALYTICS_MAX_EVENTS`` (10,000) events to summarise them
(``GRADIO_ANALYTICS_CACHE_FREQUENCY`` = 1). Measured on Gradio 6.31: 14 ms of CPU per event with 1,000 recorded
events and 36 ms with 10,000, more than the rest of a no-op event, in the thread that also serves raters. We do
not use that page, so the summary is recomputed at most once per million events over at most 100 events.
The environment variables are read when a ``gr.Blocks`` is created (its queue); values the user set win.
"""

from __future__ import annotations

import os

__all__ = ["GRADIO_SERVING_ENV", "apply_serving_settings"]

#: Environment variables set for a serving process (unless already set).
GRADIO_SERVING_ENV = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000", "GRADIO_ANALYTICS_MAX_EVENTS": "100"}


def apply_serving_settings() -> None:
    """Set :data:`GRADIO_SERVING_ENV` in this process's environment (call before building the apps)."""
    for name, value in GRADIO_SERVING_ENV.items():
        os.environ.setdefault(name, value)
