"""The web server of a study: a FastAPI app with the blind audio route and the rater app mounted at ``/``.

:func:`build_server` builds everything from one :class:`ServeConfig` (nothing happens at import). The admin
dashboard mounts onto the same FastAPI app under a secret path (:meth:`StudyServer.mount_admin`); it is not part
of this module. :func:`serve` runs the server in the foreground (``humans serve``); :func:`running` runs it in a
thread and stops it cleanly (tests, notebooks).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import fastapi
import gradio as gr
import numpy as np
import uvicorn
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount

from analysis.errors import HumansError
from annotation_app.rate_limit import NewRaterLimit
from annotation_app.rater_service import RaterService
from annotation_app.store import Store
from annotation_app.study.loader import load_study
from annotation_app.study.model import Study
from annotation_app.ui.rater_app import RATER_CSS, RaterAppSettings, build_rater_app, rater_head, rater_theme
from annotation_app.ui.request_guard import GradioRequestGuard

__all__ = [
    "DEFAULT_DB_NAME",
    "DEFAULT_NEW_RATERS_PER_IP",
    "ServeConfig",
    "StudyServer",
    "build_server",
    "running",
    "serve",
]

#: The database file ``humans serve DIR`` uses when ``--db`` is not given (inside the study folder).
DEFAULT_DB_NAME = "humans.sqlite"

#: New raters one IP address may create per hour unless ``--max-new-raters-per-ip`` says otherwise.
DEFAULT_NEW_RATERS_PER_IP = 100

_AUDIO_ROUTE = "/audio"
_AUDIO_TYPES = MappingProxyType({".wav": "audio/wav", ".ogg": "audio/ogg", ".mp3": "audio/mpeg", ".flac": "audio/flac"})


@dataclass(frozen=True)
class ServeConfig:
    """How to serve a study.

    Parameters
    ----------
    study_dir : Path
        The study folder (``study.yaml``, ``conversations.jsonl``, ``audio/``).
    db_path : Path, optional
        The SQLite file; default ``study_dir / "humans.sqlite"``.
    host : str, default "127.0.0.1"
        Interface to listen on (``0.0.0.0`` to accept raters from other machines).
    port : int, default 7860
        TCP port; 0 picks a free one.
    cache_dir : Path, optional
        The blind audio cache (content-hash names); default a folder beside the database.
    admin_secret : str, optional
        The secret in the admin dashboard's URL; default a fresh random one each start.
    seed : int, optional
        Seed of the scheduler's random choices (tests); default fresh randomness.
    max_new_raters_per_ip : int, default 100
        New raters one IP address may create per hour (0 = no limit); more get a polite refusal.
    """

    study_dir: Path
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    cache_dir: Path | None = None
    admin_secret: str | None = None
    seed: int | None = None
    max_new_raters_per_ip: int = DEFAULT_NEW_RATERS_PER_IP

    def resolved(self) -> ServeConfig:
        """The same config with every default filled in (absolute paths, a generated admin secret)."""
        study_dir = Path(self.study_dir).expanduser().resolve()
        db_path = Path(self.db_path).expanduser().resolve() if self.db_path else study_dir / DEFAULT_DB_NAME
        cache_dir = (
            Path(self.cache_dir).expanduser().resolve()
            if self.cache_dir
            else db_path.with_name(db_path.stem + "-audio")
        )
        return replace(
            self,
            study_dir=study_dir,
            db_path=db_path,
            cache_dir=cache_dir,
            admin_secret=self.admin_secret or secrets.token_urlsafe(18),
        )


@dataclass
class StudyServer:
    """A built server: the FastAPI ``app`` to run, and the pieces it was built from."""

    config: ServeConfig
    study: Study
    store: Store
    service: RaterService
    app: fastapi.FastAPI
    rater_settings: RaterAppSettings
    mounted: list[str] = field(default_factory=list)

    @property
    def admin_path(self) -> str:
        """The secret URL path of the admin dashboard (``/admin/<secret>``)."""
        return f"/admin/{self.config.admin_secret}"

    def mount_admin(self, blocks: gr.Blocks, **options) -> None:
        """Mount the admin dashboard at :attr:`admin_path` (before the rater app, which catches every other path).

        ``options`` go to :func:`gradio.mount_gradio_app` (theme, css_paths, ...).
        """
        gr.mount_gradio_app(self.app, blocks, path=self.admin_path, footer_links=[], run_history=False, **options)
        # Starlette matches routes in order and the rater app is mounted at "/": move the new mount before it.
        routes = self.app.router.routes
        routes.insert(self.mounted_index(), routes.pop())
        guard_mount(self.app, self.admin_path, blocks)
        self.mounted.append(self.admin_path)

    def mounted_index(self) -> int:
        """Index of the rater app's mount among the app's routes."""
        for index, route in enumerate(self.app.router.routes):
            if getattr(route, "path", None) == "":
                return index
        return len(self.app.router.routes)

    def urls(self, host: str, port: int) -> dict[str, str]:
        """The rater URL and the admin URL for a server listening on ``host:port``."""
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        base = f"http://{shown}:{port}"
        return {"rater": f"{base}/", "admin": f"{base}{self.admin_path}/"}

    def close(self) -> None:
        """Close the database."""
        self.store.close()


def build_server(config: ServeConfig) -> StudyServer:
    """Load the study, open (or create) the database, and build the FastAPI app with the rater app at ``/``.

    Parameters
    ----------
    config : ServeConfig
        Where the study, the database and the audio cache are.

    Returns
    -------
    StudyServer
        ``server.app`` is an ASGI app (``uvicorn.run(server.app)``); audio is served from ``/audio/<sha256>.<ext>``.

    Raises
    ------
    HumansError
        When the study folder does not exist or is invalid, or the database belongs to another study.
    """
    config = config.resolved()
    if not config.study_dir.is_dir():
        raise HumansError(f"the study folder {config.study_dir} does not exist; give a folder made by `humans init`")
    study = load_study(config.study_dir)
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(config.db_path)
    try:
        service = RaterService(
            study,
            store,
            config.cache_dir,
            rng=np.random.default_rng(config.seed),
            new_rater_limit=NewRaterLimit(config.max_new_raters_per_ip),
        )
    except BaseException:
        store.close()
        raise
    settings = RaterAppSettings.from_study(study, audio_prefix=_AUDIO_ROUTE.lstrip("/") + "/")
    app = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(_AUDIO_ROUTE + "/{name}")
    def audio(name: str):
        try:
            path = service.audio_file(name)
        except HumansError:
            return PlainTextResponse("not found", status_code=404)
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return FileResponse(path, media_type=_AUDIO_TYPES.get(path.suffix.lower()), headers=headers)

    @app.get("/healthz")
    def healthz():
        return PlainTextResponse("ok")

    rater_blocks = build_rater_app(service, settings)
    gr.mount_gradio_app(
        app,
        rater_blocks,
        path="/",
        css_paths=[RATER_CSS],
        head=rater_head(),
        theme=rater_theme(),
        footer_links=[],
        run_history=False,
        show_error=False,
    )
    guard_mount(app, "", rater_blocks)
    return StudyServer(config, study, store, service, app, settings, mounted=["/"])


def guard_mount(app: fastapi.FastAPI, path: str, blocks: gr.Blocks) -> None:
    """Put a :class:`GradioRequestGuard` in front of the Gradio app mounted at ``path`` ("" for the root mount).

    Forged event ids get a 400 instead of Gradio's 500, oversized event bodies a 413, uploads a 403.
    """
    for route in app.router.routes:
        if isinstance(route, Mount) and route.path == path.rstrip("/"):
            route.app = GradioRequestGuard(route.app, blocks.fns)
            return
    raise ValueError(f"no Gradio app is mounted at {path!r}")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise HumansError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port (0 picks a free one)"
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _uvicorn(server: StudyServer) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(server.app, log_level="warning", lifespan="on", access_log=False))


def serve(server: StudyServer, *, announce=print) -> None:
    """Run ``server`` in the foreground until Ctrl-C (then return normally); ``announce`` gets the URLs once the
    port is bound. The database is closed on the way out."""
    sock = _bind(server.config.host, server.config.port)
    urls = server.urls(server.config.host, sock.getsockname()[1])
    announce(urls)
    try:
        _uvicorn(server).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down cleanly on Ctrl-C, then re-raises the signal
        pass
    finally:
        sock.close()
        server.close()


@contextlib.contextmanager
def running(server: StudyServer) -> Iterator[dict[str, str]]:
    """Run ``server`` in a background thread for the duration of a ``with`` block; yields its URLs.

    The server stops (and its thread ends) when the block ends; the database stays open (``server.close()``).

    Examples
    --------
    >>> with running(build_server(ServeConfig(study_dir, port=0))) as urls:  # doctest: +SKIP
    ...     requests.get(urls["rater"])
    """
    sock = _bind(server.config.host, server.config.port)
    runner = _uvicorn(server)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, name="humans-server", daemon=True)
    thread.start()
    try:
        while not runner.started:
            if not thread.is_alive():
                raise HumansError("the server stopped while starting; see the log above")
            time.sleep(0.02)
        yield server.urls(server.config.host, sock.getsockname()[1])
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        sock.close()
