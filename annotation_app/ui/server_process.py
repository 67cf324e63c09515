"""Process settings for a long-running ``humans serve``, where Python's and glibc's defaults cost a launch dearly.

Measured in a 1,000-rater burst on ``--workers 2`` (``benchmarks/loadtest_targets.py burst``, issue 15):

- **Garbage collector.** A full collection walks every tracked object. A server holds ≈ 250,000 of them from
  startup (Gradio, FastAPI, pandas, the study) that never become garbage, so each full collection paused every
  event of the worker for 220-430 ms (17 such pauses, 5.7 s in all). :func:`gc.freeze` moves the startup objects
  out of the collector's sight; a full collection then walks only what the raters' sessions added.
- **malloc arenas.** glibc gives threads that allocate at the same time their own arenas (up to 8 per core) and
  keeps memory freed in them; Gradio runs events in 40 threads. Two arenas keep the resident size down
  (``MALLOC_ARENA_MAX=2``, the setting commonly used for threaded Python servers).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc

__all__ = ["MALLOC_ARENAS", "freeze_startup_objects", "limit_malloc_arenas"]

#: Arenas glibc's malloc may use in a server process (its default is 8 per core).
MALLOC_ARENAS = 2

_M_ARENA_MAX = -8  # mallopt's parameter number for the arena limit (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; returns False where that is not glibc.

    Call it before the server's threads start (arenas that exist stay). An explicit ``MALLOC_ARENA_MAX`` in the
    environment, read by glibc at startup, is overridden.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return False
    with contextlib.suppress(OSError, AttributeError):
        return bool(ctypes.CDLL(name).mallopt(_M_ARENA_MAX, arenas))
    return False


def freeze_startup_objects() -> int:
    """Collect garbage once, then exclude every surviving object from future collections; returns their number.

    The frozen objects are never freed, which is what a server's startup state (modules, the app, the study)
    needs anyway. Objects created later (sessions, trials) are collected as usual.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
