"""Serve the admin dashboard behind its secret: an ASGI guard in front of everything under ``/admin``.

The dashboard lives at ``/admin/<secret>/`` (Gradio's page, ``config``, ``gradio_api/...`` calls and file
downloads all sit under that prefix). :class:`AdminGuard` wraps the whole FastAPI app and answers **404** to any
request whose path starts with ``/admin`` but not with ``/admin/<secret>`` (compared in constant time), before
routing, so no admin route, API endpoint or file is reachable without the secret. Exports are served by a route
of their own under the same prefix (never through Gradio's file cache, which the rater app would serve too).
Admin responses carry ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer`` so the secret path is
neither cached nor leaked to other sites.

The secret comes from ``HUMANS_ADMIN_SECRET`` (at least 16 URL-safe characters) or is generated at start and
printed by ``humans serve``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.responses import FileResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from analysis.errors import HumansError
from annotation_app.app import ADMIN_PREFIX
from annotation_app.ui.admin_app import ADMIN_CSS, AdminSettings, build_admin_app
from annotation_app.ui.admin_views import DOWNLOAD_ROUTE
from annotation_app.ui.rater_app import rater_theme

if TYPE_CHECKING:
    from annotation_app.app import StudyServer

__all__ = ["ADMIN_PREFIX", "SECRET_ENV", "AdminGuard", "admin_secret", "check_secret", "install_admin"]

#: Environment variable with the admin secret.
SECRET_ENV = "HUMANS_ADMIN_SECRET"
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow"),
]


def check_secret(secret: str) -> str:
    """Return ``secret`` when it is 16-128 URL-safe characters (letters, digits, ``-``, ``_``).

    Raises
    ------
    HumansError
        Naming the variable, the length found and how to make a good one.
    """
    if not _SECRET_RE.fullmatch(secret or ""):
        raise HumansError(
            f"{SECRET_ENV} is {len(secret or '')} characters long or has characters other than letters, digits, "
            "- and _; use 16 to 128 of those, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`, or unset it to get a fresh one."
        )
    return secret


def admin_secret() -> str | None:
    """The secret from ``HUMANS_ADMIN_SECRET`` (checked), or None to let the server generate one."""
    value = os.environ.get(SECRET_ENV)
    return check_secret(value) if value else None


class AdminGuard:
    """ASGI middleware: requests under ``prefix`` must start with ``prefix/<secret>``; others get 404.

    Parameters
    ----------
    app : ASGI app
    secret : str
    prefix : str, default "/admin"
    """

    def __init__(self, app: ASGIApp, *, secret: str, prefix: str = ADMIN_PREFIX) -> None:
        self.app = app
        self.prefix = prefix
        self._expected = f"{prefix}/{secret}".encode()

    def _allowed(self, path: str) -> bool | None:
        """None outside the prefix; True/False inside it."""
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return None
        head = "/".join(path.split("/", 3)[:3]).encode()  # "/admin/<first segment>"
        return secrets.compare_digest(head, self._expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):  # behind a proxy's path prefix, the path starts with it
            path = path[len(root) :]
        allowed = self._allowed(path)
        if allowed is None:
            await self.app(scope, receive, send)
        elif not allowed:
            await _refuse(scope, send)
        else:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *_HEADERS]}
                await send(message)

            await self.app(scope, receive, send_with_headers)


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = b"not found"
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"9"), *_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _add_download_route(server: StudyServer, root: Path) -> None:
    """``GET /admin/<secret>/download/<run>/<file>``: a file the export button wrote (before the mounts)."""

    def download(run: str, name: str):
        if not (_NAME_RE.fullmatch(run) and _NAME_RE.fullmatch(name)):
            return PlainTextResponse("not found", status_code=404)
        path = root / run / name
        if not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, filename=name, media_type="application/octet-stream")

    server.app.add_api_route(f"{server.admin_path}/{DOWNLOAD_ROUTE}/{{run}}/{{name}}", download, methods=["GET"])
    server.move_last_route_before_rater_app()


def install_admin(server: StudyServer, settings: AdminSettings | None = None) -> str:
    """Mount the dashboard on ``server`` at ``/admin/<secret>/`` behind :class:`AdminGuard`; returns the path.

    Call it before the server starts (middleware cannot be added to a running app).

    Raises
    ------
    HumansError
        When the configured secret is too short or has characters that do not belong in a URL path.
    """
    secret = check_secret(server.config.admin_secret or "")
    if server.admin_path != f"{ADMIN_PREFIX}/{secret}":
        raise HumansError(f"the server's admin path is not under {ADMIN_PREFIX}/<secret>; cannot guard it.")
    settings = settings or AdminSettings(db_path=server.config.db_path, title=server.study.config.title)
    server.app.add_middleware(AdminGuard, secret=secret, prefix=ADMIN_PREFIX)
    _add_download_route(server, settings.export_folder)
    server.mount_admin(
        build_admin_app(server.store, settings), theme=rater_theme(), css_paths=[ADMIN_CSS], show_error=True
    )
    return server.admin_path
