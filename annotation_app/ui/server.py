"""HTTP serving of a built study server: the FastAPI app (blind audio route, health check, rater app at ``/``),
the request guard in front of each Gradio mount, and running it with uvicorn.

What is served is assembled by :func:`annotation_app.app.build_server`. :func:`serve` runs a server in the
foreground (``humans serve``); :func:`running` runs it in a thread and stops it cleanly (tests, notebooks).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import fastapi
import gradio as gr
import uvicorn
from fastapi.responses import PlainTextResponse
from starlette.routing import Mount

from analysis.errors import HumansError
from annotation_app.rater_service import RaterService
from annotation_app.ui import server_process
from annotation_app.ui.audio_files import AudioFiles
from annotation_app.ui.gradio_settings import poll_queue_less
from annotation_app.ui.quality_pages import QUALITY_CSS
from annotation_app.ui.rater_app import RATER_CSS, rater_head, rater_theme
from annotation_app.ui.request_guard import GradioRequestGuard, event_inputs
from annotation_app.ui.workers import KEEP_ALIVE_S, SHUTDOWN_GRACE_S

if TYPE_CHECKING:
    from annotation_app.app import StudyServer

__all__ = [
    "AUDIO_ROUTE",
    "guard_mount",
    "http_app",
    "running",
    "serve",
    "uvicorn_config",
]

#: Where the blind audio files are served (``/audio/<sha256>.<ext>``).
AUDIO_ROUTE = "/audio"


def http_app(service: RaterService, rater_blocks: gr.Blocks, files: AudioFiles | None = None) -> fastapi.FastAPI:
    """The FastAPI app of a study: ``/audio/<name>`` from the service's blind cache (``files``, default a new
    :class:`AudioFiles`), ``/healthz``, and ``rater_blocks`` mounted at ``/`` behind a :class:`GradioRequestGuard`.

    Served by :func:`serve` and :func:`running`, audio requests are answered before they reach this app (the
    :class:`~annotation_app.ui.audio_files.AudioRoute` of :attr:`StudyServer.asgi`); the route here answers the
    same way for whoever runs the FastAPI app alone.
    """
    app = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    files = files if files is not None else AudioFiles(service.audio_file)

    @app.get(AUDIO_ROUTE + "/{name}")
    async def audio(name: str, request: fastapi.Request):
        return files.response(name, request.headers.get("range"))

    @app.get("/healthz")
    def healthz():
        return PlainTextResponse("ok")

    gr.mount_gradio_app(
        app,
        rater_blocks,
        path="/",
        css_paths=[RATER_CSS, QUALITY_CSS],
        head=rater_head(),
        theme=rater_theme(),
        footer_links=[],
        run_history=False,
        show_error=False,
    )
    guard_mount(app, "", rater_blocks)
    poll_queue_less(rater_blocks)
    return app


def guard_mount(app: fastapi.FastAPI, path: str, blocks: gr.Blocks) -> None:
    """Put a :class:`GradioRequestGuard` in front of the Gradio app mounted at ``path`` ("" for the root mount).

    Forged event ids and value counts get a 400 instead of Gradio's 500, oversized event bodies a 413, uploads a 403.
    """
    for route in app.router.routes:
        if isinstance(route, Mount) and route.path == path.rstrip("/"):
            route.app = GradioRequestGuard(route.app, event_inputs(blocks))
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


def uvicorn_config(app, *, root_path: str = "") -> uvicorn.Config:
    """How every study server runs under uvicorn (benchmarks serve their no-op floor app with it too).

    ``http`` and ``loop`` stay uvicorn's ``"auto"``: httptools' C parser and uvloop when importable (dependencies of
    humans-lab), else h11 and asyncio. Idle connections close after :data:`~annotation_app.ui.workers.KEEP_ALIVE_S`
    (nginx in front of ``--workers`` lets go of them sooner). On Ctrl-C, requests still open after
    :data:`~annotation_app.ui.workers.SHUTDOWN_GRACE_S` are cut (a tab's event stream would otherwise keep the
    server up; the tab reconnects and resumes from the database).
    """
    return uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        access_log=False,
        root_path=root_path,
        http="auto",
        loop="auto",
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


def _uvicorn(server: StudyServer) -> uvicorn.Server:
    """The uvicorn server; behind a reverse proxy under a path, that path is every request's ASGI ``root_path``
    (the proxy strips it, uvicorn puts it back), so Gradio and the pages build their URLs under it."""
    return uvicorn.Server(uvicorn_config(server.asgi, root_path=server.config.public_prefix))


def serve(server: StudyServer, *, announce=print) -> None:
    """Run ``server`` in the foreground until Ctrl-C (then return normally); ``announce`` gets the URLs once the
    port is bound. The database is closed on the way out."""
    sock = _bind(server.config.host, server.config.port)
    urls = server.urls(server.config.host, sock.getsockname()[1])
    announce(urls)
    server_process.prepare()  # the last step before serving: everything built so far lives as long as the process
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
