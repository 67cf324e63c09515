"""The decorator that makes a rater-service method one step: one database transaction, errors translated."""

from __future__ import annotations

import functools
from collections.abc import Callable

from annotation_app.rater_views import ServiceUnavailable
from annotation_app.store import StoreUnavailable

__all__ = ["step"]


def step(method: Callable) -> Callable:
    """Run a service step as one database transaction and translate the store's write failure."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return self.store.atomic(lambda: method(self, *args, **kwargs))
        except StoreUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc

    return wrapper
