"""Rater events that skip Gradio's per-component thread hops on both ends.

Gradio hands every input of an event to a worker thread for its component's ``preprocess`` (``Blocks.preprocess_data``
awaits ``anyio.to_thread.run_sync`` once per input), and every output to another for its ``postprocess``: a submit
with nine inputs and ten outputs made twenty hops besides the function's own. The rater events return exactly what
the page shows (plain strings and None, never property updates), so their outputs need no postprocess; their inputs'
``preprocess`` methods are a few lines each (a Textbox makes the value a string, a Radio checks it is one of its
choices). :func:`listen` registers an event with ``preprocess=False, postprocess=False`` and calls each input
component's own ``preprocess`` in the function's thread: the function sees exactly the values it saw before, and a
value a Radio refuses is refused the same way (:class:`RefusedValue`, a ``gr.Error``), and an app may catch it in
its own wrapper (``around``) to answer in its own words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

__all__ = ["REFUSED_MESSAGE", "RefusedValue", "listen", "preprocessed_inline"]

#: What :class:`RefusedValue` says (the component's own message names its choices: internal values).
REFUSED_MESSAGE = "That answer is not in the list of choices; please choose one of the answers shown."


class RefusedValue(gr.Error):
    """An input component's ``preprocess`` refused the value sent (a Radio value it does not offer)."""


def preprocessed_inline(fn: Callable[..., Any], inputs: Sequence[Any]) -> Callable[..., Any]:
    """``fn`` with the first ``len(inputs)`` arguments passed through their component's ``preprocess``.

    Arguments after them (a ``gr.Request`` Gradio adds because ``fn``'s signature asks for one) pass unchanged;
    ``functools.wraps`` keeps ``fn``'s signature visible to Gradio, which decides from it what to add.
    """
    components = tuple(inputs)

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        n = len(components)
        try:
            values = [component.preprocess(value) for component, value in zip(components, args[:n], strict=True)]
        except gr.Error as exc:
            raise RefusedValue(REFUSED_MESSAGE) from exc
        return fn(*values, *args[n:])

    return wrapper


def listen(
    trigger: Callable[..., Any],
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    around: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
    **options: Any,
) -> Any:
    """Register ``fn`` on a Gradio event ``trigger`` (``button.click``, ``blocks.load``) with ``inputs`` preprocessed
    in ``fn``'s thread and its return values sent as they are (``fn`` must return what the page shows).

    ``around`` (a decorator that keeps the signature, e.g. with ``functools.wraps``) wraps the preprocessing and
    ``fn`` together, so it sees a :class:`RefusedValue` too; ``options`` (outputs, api_name, js, queue, ...) go to
    the trigger unchanged.
    """
    handler = preprocessed_inline(fn, inputs)
    if around is not None:
        handler = around(handler)
    return trigger(handler, list(inputs), preprocess=False, postprocess=False, **options)
