"""A full disk and a read-only database: a clear error for the researcher, a polite notice for raters, and no
acknowledged vote lost.

The database lives on a small tmpfs volume mounted for the test (needs root and mount rights, as in CI's
container; the tests skip with the reason otherwise). A running server's files cannot be remounted read-only
(the kernel refuses while they are open for writing), so the read-only case is a server started on a read-only
volume.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.reliability_study import write_study
from rater_sim import OUT
from rater_tab import Tab, value, votes_of
from reliability_db import db_rows
from server_process import ServerProcess

SAVE_FAILED = "Sorry, your answer could not be saved just now because of a problem on our side."


@pytest.fixture
def volume(tmp_path):
    """A 4 MB tmpfs mounted at ``tmp_path / "vol"`` (unmounted at the end)."""
    vol = tmp_path / "vol"
    vol.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs volume needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(vol)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs volume here: {done.stderr.decode().strip()}")
    try:
        yield vol
    finally:
        subprocess.run(["umount", "-l", str(vol)], check=False)


def fill(folder: Path) -> Path:
    """Write a file into ``folder`` until the disk is full; returns it."""
    filler = folder / "filler"
    # Unbuffered, so that closing the file has nothing left to flush (a buffered close raised ENOSPC once).
    with filler.open("wb", buffering=0) as fh:
        try:
            for _ in range(10_000):  # bounded: 640 MB at most
                fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC
    return filler


def test_full_disk_refuses_politely_and_keeps_every_acknowledged_vote(volume, tmp_path):
    root = write_study(tmp_path / "study", trials_per_rater=5)
    with ServerProcess(root, volume / "study.sqlite", tmp_path / "server.log") as server:
        server.start()
        tab = Tab(server, "10.3.0.1")
        trial = tab.to_trial("diskpid")
        tab.wait_floor()
        tab.submit(trial)
        assert tab.notice() == ""
        acked = [trial]
        trial = value(tab.out[OUT["trial_token"]])
        tab.wait_floor()

        filler = fill(volume)
        for _ in range(3):
            tab.submit(trial)
            assert tab.notice().startswith(SAVE_FAILED)
            assert "/" not in tab.notice() and "sqlite" not in tab.notice().lower()
        assert "cannot write to " + str(volume / "study.sqlite") in server.log()
        assert "the disk is full; free some space" in server.log()
        assert len(votes_of(server, "diskpid")) == 1

        filler.unlink()
        tab.submit(trial)  # the rater submits again once there is space: accepted
        assert tab.notice() == ""
        acked.append(trial)
        assert sorted(v["token"] for v in votes_of(server, "diskpid")) == sorted(acked)
        assert "Traceback" not in server.log()
        server.stop()
    assert db_rows(volume / "study.sqlite", "PRAGMA integrity_check") == [{"integrity_check": "ok"}]


def test_read_only_database_is_a_clear_error_at_start(volume, tmp_path):
    root = write_study(tmp_path / "study")
    with ServerProcess(root, volume / "study.sqlite", tmp_path / "first.log") as server:
        server.start()
        assert server.stop() == 0
    subprocess.run(["mount", "-o", "remount,ro", str(volume)], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "annotation_app.cli", "serve", str(root), "--db", str(volume / "study.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: cannot write to {volume / 'study.sqlite'}"), done.stderr
    assert "the file or its folder is read-only; make both writable" in done.stderr
    assert "Traceback" not in done.stderr
