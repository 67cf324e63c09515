"""Rater events that skip Gradio's per-component thread hops on both ends.

Gradio hands every input of an event to a worker thread for its component's ``preprocess`` (``Blocks.preprocess_data``
awaits ``anyio.to_thread.run_sync`` once per input), and every output to another for its ``postprocess``: a submit
with nine inputs and ten outputs made twenty hops besides the function's own. The rater events return exactly what
the page shows (plain strings and None, never property updates), so their outputs need no postprocess; their inputs'
``preprocess`` methods are a few lines each (a Textbox makes the value a string, a Radio checks it is one of its
choices). :func:`listen` registers an event with ``preprocess=False, postprocess=False`` and calls each input
component's own ``preprocess`` in the function's thread: the function sees exactly the values it saw before, and a
value a Radio refuses is refused the same way (``gr.Error``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["listen", "preprocessed_inline"]


def preprocessed_inline(fn: Callable[..., Any], inputs: Sequence[Any]) -> Callable[..., Any]:
    """``fn`` with the first ``len(inputs)`` arguments passed through their component's ``preprocess``.

    Arguments after them (a ``gr.Request`` Gradio adds because ``fn``'s signature asks for one) pass unchanged;
    ``functools.wraps`` keeps ``fn``'s signature visible to Gradio, which decides from it what to add.
    """
    components = tuple(inputs)

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        n = len(components)
        values = [component.preprocess(value) for component, value in zip(components, args[:n], strict=True)]
        return fn(*values, *args[n:])

    return wrapper


def listen(trigger: Callable[..., Any], fn: Callable[..., Any], inputs: Sequence[Any], **options: Any) -> Any:
    """Register ``fn`` on a Gradio event ``trigger`` (``button.click``, ``blocks.load``) with ``inputs`` preprocessed
    in ``fn``'s thread and its return values sent as they are (``fn`` must return what the page shows);
    ``options`` (outputs, api_name, js, ...) go to the trigger unchanged."""
    return trigger(preprocessed_inline(fn, inputs), list(inputs), preprocess=False, postprocess=False, **options)
