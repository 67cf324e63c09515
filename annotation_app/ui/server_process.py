"""Process settings for a long-running ``humans serve``, where Python's and glibc's defaults cost a launch dearly.

Measured in a 1,000-rater burst on ``--workers 2`` (``benchmarks/loadtest_targets.py burst``, issue 15):

- **Garbage collector.** A full collection walks every tracked object. A server holds ≈ 250,000 of them from
  startup (Gradio, FastAPI, pandas, the study) that never become garbage, so each full collection paused every
  event of the worker for 220-430 ms (17 such pauses, 5.7 s in all). :func:`gc.freeze` moves the startup objects
  out of the collector's sight; a full collection then walks only what the raters' sessions added.
- **malloc arenas.** glibc gives threads that allocate at the same time their own arenas (up to 8 per core) and
  keeps memory freed in them; Gradio runs events in 40 threads. Two arenas keep the resident size down
  (``MALLOC_ARENA_MAX=2``, the setting commonly used for threaded Python servers). Not measured apart from the
  freeze: the larger worker peaked at 501 MB before both, 494 MB with both, 470 MB with the switch interval too.
- **GIL switch interval.** Every SQLite call releases the GIL, and taking it back waits for the running thread's
  switch interval (5 ms by default) when other threads want it. A vote makes many such calls, which is the likely
  reason a writer held the database's write lock far longer than its work took (write-lock waits p99 342 ms,
  max 1.1 s, for a median 2 ms of work). A 0.5 ms interval hands the GIL back sooner: vote p99
  459 ms against 696-1,004 ms in the same burst before, server CPU per event unchanged (25.2 against 25.5 ms).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import sys

__all__ = ["GIL_SWITCH_INTERVAL_S", "MALLOC_ARENAS", "freeze_startup_objects", "limit_malloc_arenas", "prepare"]

#: Arenas glibc's malloc may use in a server process (its default is 8 per core).
MALLOC_ARENAS = 2

#: Seconds a thread may hold the GIL while another wants it (Python's default is 0.005).
GIL_SWITCH_INTERVAL_S = 0.0005

_M_ARENA_MAX = -8  # mallopt's parameter number for the arena limit (malloc.h)


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; returns False where that is not glibc.

    Call it before the server's threads start (arenas that exist stay). An explicit ``MALLOC_ARENA_MAX`` in the
    environment (read by glibc at startup) is the operator's choice and is left alone (returns False).
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
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


def prepare() -> None:
    """All the settings of this module, for a process about to serve: arenas, switch interval, then the freeze."""
    limit_malloc_arenas()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    freeze_startup_objects()
