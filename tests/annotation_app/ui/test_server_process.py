"""The process settings of ``humans serve``: startup objects leave the garbage collector's sight while later
garbage is still collected, glibc's malloc takes the arena limit, and the GIL switch interval is shortened (each
in a fresh interpreter: the settings are process-wide)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHECK = """
import gc
from annotation_app.app import ServeConfig, build_server
from annotation_app.study import init_study
from annotation_app.ui.server_process import freeze_startup_objects
import pathlib, sys, tempfile
tmp = pathlib.Path(tempfile.mkdtemp())
server = build_server(ServeConfig(init_study(tmp / "s"), port=0, db_path=tmp / "db.sqlite"))
before = len(gc.get_objects())
frozen = freeze_startup_objects()
assert frozen == gc.get_freeze_count() and frozen > 0.9 * before, (frozen, before)
assert len(gc.get_objects()) < 0.1 * before, "the startup objects are still tracked"
cycle = []
cycle.append(cycle)
del cycle
assert gc.collect() >= 1, "garbage made after the freeze was not collected"
print("ok", frozen)
"""


def test_startup_objects_are_frozen_and_later_garbage_is_collected():
    run = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ok ")
    assert int(run.stdout.split()[1]) > 100_000  # a built server holds a quarter of a million objects


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arena limit is glibc's")
def test_the_malloc_arena_limit_is_accepted_by_glibc():
    code = "from annotation_app.ui.server_process import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert run.stdout.strip() == "True", run.stderr
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**env, "MALLOC_ARENA_MAX": "4"})  # fmt: skip
    assert run.stdout.strip() == "False", "an operator's MALLOC_ARENA_MAX was overridden"


def test_prepare_sets_the_switch_interval_and_freezes():
    code = (
        "import gc, sys\n"
        "from annotation_app.ui import server_process\n"
        "assert sys.getswitchinterval() == 0.005\n"
        "server_process.prepare()\n"
        "print(sys.getswitchinterval(), gc.get_freeze_count() > 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["0.0005", "True"], run.stderr
