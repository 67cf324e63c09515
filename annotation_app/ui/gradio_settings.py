"""Settings of Gradio for ``humans serve``: environment variables the command line sets before any Blocks exist,
and the queue's polling, set on each Blocks when it is mounted.

Gradio's queue keeps per-event analytics for its ``/monitoring`` page and, after **every** event, rebuilds a
pandas DataFrame of the last ``GRADIO_ANALYTICS_MAX_EVENTS`` (10,000) events to summarise them
(``GRADIO_ANALYTICS_CACHE_FREQUENCY`` = 1). Measured on Gradio 6.31: 14 ms of CPU per event with 1,000 recorded
events and 36 ms with 10,000, more than the rest of a no-op event, in the thread that also serves raters. We do
not use that page, so the summary is recomputed at most once per million events over at most 100 events.
The environment variables are read when a ``gr.Blocks`` is created (its queue); values the user set win.

Gradio's queue also looks for new events every millisecond when it has none (``Queue.sleep_when_free``, 1 ms on
Linux), in the thread that runs the event loop, idle or busy. :func:`poll_queue_less` makes it look every 5 ms: an
event may wait up to 5 ms longer to start; an idle demo server's CPU fell from 46-47 to 25-30 ms per second
(in-process, both settings alternated twice; the rest is Gradio's other loops and uvicorn's).
"""

from __future__ import annotations

import os

__all__ = ["GRADIO_SERVING_ENV", "QUEUE_POLL_S", "apply_serving_settings", "poll_queue_less"]

#: Seconds Gradio's queue sleeps between looks for new events when it has none (Gradio's own: 0.001 on Linux).
QUEUE_POLL_S = 0.005

#: Environment variables set for a serving process (unless already set).
GRADIO_SERVING_ENV = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000", "GRADIO_ANALYTICS_MAX_EVENTS": "100"}


def apply_serving_settings() -> None:
    """Set :data:`GRADIO_SERVING_ENV` in this process's environment (call before building the apps)."""
    for name, value in GRADIO_SERVING_ENV.items():
        os.environ.setdefault(name, value)


def poll_queue_less(blocks, interval_s: float = QUEUE_POLL_S) -> bool:
    """Make the queue of a mounted ``gr.Blocks`` look for new events every ``interval_s`` seconds when idle.

    ``Queue.sleep_when_free`` is not a documented setting: when a Gradio version has no such number, nothing
    changes and the result is False (``tests/annotation_app/ui/test_gradio_settings.py`` fails then, so the
    change is noticed). Never makes the queue poll more often than Gradio would.
    """
    queue = getattr(blocks, "_queue", None)
    current = getattr(queue, "sleep_when_free", None)
    if not isinstance(current, (int, float)):
        return False
    queue.sleep_when_free = max(float(current), interval_s)
    return True
