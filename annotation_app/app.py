"""Assembles a study's server: study -> store -> rater service -> rater UI (and the admin UI's mount point).

:func:`build_server` builds everything from one :class:`ServeConfig` (nothing happens at import);
:mod:`annotation_app.ui.server` serves the result over HTTP (:func:`~annotation_app.ui.server.serve` in the
foreground for ``humans serve``, :func:`~annotation_app.ui.server.running` in a thread for tests). The admin
dashboard mounts onto the same FastAPI app under a secret path (:meth:`StudyServer.mount_admin`).
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import fastapi
import gradio as gr
import numpy as np

from analysis.errors import HumansError
from annotation_app.audio_cache import default_cache_dir
from annotation_app.rate_limit import NewRaterLimit
from annotation_app.rater_service import RaterService
from annotation_app.scheduler import bt_scores_from_counts
from annotation_app.store import DB_FILE_NAME, Store, default_db_path
from annotation_app.study.loader import load_study
from annotation_app.study.model import Study
from annotation_app.ui.audio_files import AudioFiles, AudioRoute
from annotation_app.ui.gradio_settings import poll_queue_less
from annotation_app.ui.rater_app import RaterAppSettings, build_rater_app
from annotation_app.ui.server import AUDIO_ROUTE, guard_mount, http_app

__all__ = [
    "ADMIN_PREFIX",
    "DEFAULT_DB_NAME",
    "DEFAULT_NEW_RATERS_PER_IP",
    "ServeConfig",
    "StudyServer",
    "build_server",
    "check_root_path",
]

#: The database file ``humans serve DIR`` uses when ``--db`` is not given (owned by the store).
DEFAULT_DB_NAME = DB_FILE_NAME

#: Every admin URL starts with this (``/admin/<secret>/``); :mod:`annotation_app.ui.admin_server` guards it.
ADMIN_PREFIX = "/admin"

_ROOT_PATH = re.compile(r"(https?://[^/\s?#]+)?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")


def check_root_path(root_path: str) -> str:
    """``root_path`` in canonical form: ``""``, ``"/prefix"`` or ``"https://host/prefix"`` (no trailing slash).

    Raises
    ------
    HumansError
        For anything else (a query, a fragment, spaces, a path without its leading ``/``).
    """
    text = (root_path or "").strip()
    if not text or text == "/":
        return ""
    if not _ROOT_PATH.fullmatch(text) or not (text.startswith("/") or "://" in text):
        raise HumansError(
            f"--root-path {root_path!r} is not a URL path; give the prefix the proxy forwards, such as /study, "
            "or the full public URL, such as https://study.example.org/study."
        )
    return text.rstrip("/")


#: New raters one IP address may create per hour unless ``--max-new-raters-per-ip`` says otherwise.
DEFAULT_NEW_RATERS_PER_IP = 100


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
    root_path : str, default ""
        Where a reverse proxy publishes the app: a path prefix (``/study``, the proxy strips it before
        forwarding) or the full public URL (``https://study.example.org/study``). Its path is the ASGI
        ``root_path`` of every request (:attr:`public_prefix`), from which Gradio and the pages build their URLs.
    """

    study_dir: Path
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    cache_dir: Path | None = None
    admin_secret: str | None = None
    seed: int | None = None
    max_new_raters_per_ip: int = DEFAULT_NEW_RATERS_PER_IP
    root_path: str = ""

    @property
    def public_prefix(self) -> str:
        """The path part of :attr:`root_path` (``"/study"`` for ``https://study.example.org/study``), or ``""``."""
        if "://" not in self.root_path:
            return self.root_path
        path = self.root_path.split("://", 1)[1].partition("/")[2].rstrip("/")
        return f"/{path}" if path else ""

    def resolved(self) -> ServeConfig:
        """The same config with every default filled in (absolute paths, a generated admin secret)."""
        study_dir = Path(self.study_dir).expanduser().resolve()
        db_path = Path(self.db_path).expanduser().resolve() if self.db_path else default_db_path(study_dir)
        cache_dir = Path(self.cache_dir).expanduser().resolve() if self.cache_dir else default_cache_dir(db_path)
        return replace(
            self,
            study_dir=study_dir,
            db_path=db_path,
            cache_dir=cache_dir,
            admin_secret=self.admin_secret or secrets.token_urlsafe(18),
            root_path=check_root_path(self.root_path),
        )


@dataclass
class StudyServer:
    """A built server: the FastAPI ``app``, the ASGI app to run (:attr:`asgi`), and the pieces they were built
    from."""

    config: ServeConfig
    study: Study
    store: Store
    service: RaterService
    app: fastapi.FastAPI
    rater_settings: RaterAppSettings
    mounted: list[str] = field(default_factory=list)
    audio_files: AudioFiles | None = None

    @functools.cached_property
    def asgi(self) -> AudioRoute:
        """What uvicorn runs: audio requests answered from memory in front of :attr:`app`, the rest by ``app``."""
        files = self.audio_files if self.audio_files is not None else AudioFiles(self.service.audio_file)
        return AudioRoute(self.app, files, AUDIO_ROUTE + "/")

    @property
    def admin_path(self) -> str:
        """The secret URL path of the admin dashboard (``/admin/<secret>``)."""
        return f"{ADMIN_PREFIX}/{self.config.admin_secret}"

    def mount_admin(self, blocks: gr.Blocks, **options) -> None:
        """Mount the admin dashboard at :attr:`admin_path` (before the rater app, which catches every other path).

        ``options`` go to :func:`gradio.mount_gradio_app` (theme, css_paths, ...).
        """
        gr.mount_gradio_app(self.app, blocks, path=self.admin_path, footer_links=[], run_history=False, **options)
        self.move_last_route_before_rater_app()
        guard_mount(self.app, self.admin_path, blocks)
        poll_queue_less(blocks)
        self.mounted.append(self.admin_path)

    def move_last_route_before_rater_app(self) -> None:
        """Move the route added last in front of the rater app's mount.

        Starlette matches routes in order and the rater app is mounted at ``/``, where it catches every path; a
        route or mount added after it (the dashboard, its downloads) is only reachable once moved before it.
        """
        routes = self.app.router.routes
        routes.insert(self.mounted_index(), routes.pop())

    def mounted_index(self) -> int:
        """Index of the rater app's mount among the app's routes."""
        for index, route in enumerate(self.app.router.routes):
            if getattr(route, "path", None) == "":
                return index
        return len(self.app.router.routes)

    def urls(self, host: str, port: int) -> dict[str, str]:
        """The rater URL and the admin URL for a server listening on ``host:port`` (and ``local``, the address
        it listens on).

        Behind a reverse proxy (``root_path``) they are the public ones: the full URL when ``root_path`` is one,
        else the path under the proxy's address.
        """
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        local = f"http://{shown}:{port}"
        base = self.config.root_path or local
        return {"rater": f"{base}/", "admin": f"{base}{self.admin_path}/", "local": f"{local}/"}

    def close(self) -> None:
        """Close the database."""
        self.store.close()


def build_server(config: ServeConfig) -> StudyServer:
    """Load the study, open (or create) the database, build the rater service and the FastAPI app around it.

    Parameters
    ----------
    config : ServeConfig
        Where the study, the database and the audio cache are.

    Returns
    -------
    StudyServer
        ``server.asgi`` is the ASGI app to run (``uvicorn.run(server.asgi)``); audio is served from
        ``/audio/<sha256>.<ext>``.

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
            # active scheduling ranks pairs by the analysis library's Newton Bradley-Terry fit on live counts
            scores=bt_scores_from_counts if study.config.targets.scheduling == "active" else None,
            new_rater_limit=NewRaterLimit(config.max_new_raters_per_ip),
        )
    except BaseException:
        store.close()
        raise
    settings = RaterAppSettings.from_study(study, audio_prefix=AUDIO_ROUTE.lstrip("/") + "/")
    files = AudioFiles(service.audio_file)
    app = http_app(service, build_rater_app(service, settings), files)
    return StudyServer(config, study, store, service, app, settings, mounted=["/"], audio_files=files)
