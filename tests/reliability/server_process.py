"""``humans serve`` as a real subprocess on loopback: start, wait until it answers, kill -9, restart, stop.

The first start listens on a free port (``--port 0``, read back from the announced rater URL); restarts reuse
that port so raters keep their URL. Output goes to a log file (the researcher's terminal), kept for assertions.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["ServerProcess"]

_URL = re.compile(r"(?:rater URL|listening)\s+(http://127\.0\.0\.1:(\d+)/)")


class ServerProcess:
    """A ``humans serve STUDY --db DB`` subprocess (``extra`` arguments are appended to the command line)."""

    def __init__(
        self, study_dir: Path, db_path: Path, log_path: Path, *, extra: tuple[str, ...] = (), sigint_ignored=False
    ) -> None:
        self.study_dir = Path(study_dir)
        self.db_path = Path(db_path)
        self.log_path = Path(log_path)
        #: Start the server with SIGINT ignored, as a shell's background job (``humans serve … &``) does.
        self.sigint_ignored = sigint_ignored
        self.extra = tuple(extra)
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        """The command line of the server."""
        return [
            sys.executable,
            "-m",
            "annotation_app.cli",
            "serve",
            str(self.study_dir),
            "--db",
            str(self.db_path),
            "--port",
            str(self.port),
            *self.extra,
        ]

    def start(self, timeout_s: float = 90.0) -> str:
        """Start the server and wait until ``/healthz`` answers; returns the rater URL."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=self._ignore_sigint if self.sigint_ignored else None,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log()[offset:]}")
            match = _URL.search(self.log()[offset:])
            if match and self._healthy(match.group(1)):
                self.url, self.port = match.group(1), int(match.group(2))
                return self.url
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the server did not answer within {timeout_s} s:\n{self.log()[offset:]}")

    @staticmethod
    def _healthy(url: str) -> bool:
        return ServerProcess._healthy_url(url + "healthz")

    @staticmethod
    def _healthy_url(url: str) -> bool:
        """Whether ``url`` answers 200."""
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    @staticmethod
    def _ignore_sigint() -> None:  # runs in the child between fork and exec
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9 the server (no clean shutdown) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout_s: float = 20.0, signum: int = signal.SIGINT) -> int | None:
        """Ctrl-C the server (SIGINT, or ``signum``) and wait; kill -9 when it does not stop in time. Returns the
        exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signum)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
