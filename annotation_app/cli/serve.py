"""``humans serve`` and ``humans demo``: run a study's rater app (and print where raters and the admin go)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

import click

from annotation_app.app import (
    DEFAULT_DB_NAME,
    DEFAULT_NEW_RATERS_PER_IP,
    ServeConfig,
    StudyServer,
    build_server,
    check_root_path,
)
from annotation_app.study.demo import init_study
from annotation_app.ui.admin_server import ADMIN_PREFIX, admin_secret, install_admin
from annotation_app.ui.gradio_settings import apply_serving_settings
from annotation_app.ui.server import serve as run_server

__all__ = ["COMMANDS", "demo", "serve"]


def _announce(server: StudyServer):
    def announce(urls: dict[str, str]) -> None:
        study = server.study
        click.echo(f"Serving '{study.config.title}' from {server.config.study_dir}")
        click.echo(f"  database   {server.config.db_path}")
        if server.config.root_path:
            click.echo(f"  listening  {urls['local']}  (published by your reverse proxy at {server.config.root_path}/)")
        click.echo(f"  rater URL  {urls['rater']}")
        click.echo(
            f"  Prolific   {urls['rater']}?PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}"
            f"&SESSION_ID={{{{%SESSION_ID%}}}}"
        )
        if server.config.admin_secret and len(server.mounted) > 1:
            click.echo(f"  admin URL  {urls['admin']}  (keep it secret)")
        else:
            click.echo(f"  admin URL  {urls['admin']}  (admin dashboard not installed in this build)")
        click.echo("Press Ctrl-C to stop.")

    return announce


@click.command(name="serve")
@click.argument("study_dir", metavar="DIR", type=click.Path(file_okay=False, dir_okay=True, exists=True))
@click.option(
    "--db", type=click.Path(dir_okay=False), default=None, help=f"SQLite file [default: DIR/{DEFAULT_DB_NAME}]."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on; 0.0.0.0 for all.")
@click.option("--port", type=click.IntRange(0, 65535), default=7860, show_default=True, help="TCP port; 0 = any free.")
@click.option(
    "--max-new-raters-per-ip",
    type=click.IntRange(0),
    default=DEFAULT_NEW_RATERS_PER_IP,
    show_default=True,
    help="New raters one IP address may create per hour; 0 = no limit (raise it when a lab shares one address).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes behind nginx (apt-get install nginx), one per core; all write the one --db file.",
)
@click.option(
    "--root-path",
    default="",
    help="Where a reverse proxy publishes the study: the path prefix it forwards (/study) or the full public URL "
    "(https://study.example.org/study); see docs/deploy/.",
)
def serve(
    study_dir: str, db: str | None, host: str, port: int, max_new_raters_per_ip: int, workers: int, root_path: str
) -> None:
    """Serve the rater app of the study in DIR until Ctrl-C (votes go to the SQLite file --db).

    With --workers N, N server processes share the database behind nginx, which keeps each rater on one process
    (docs/deployment.md). Behind your own nginx or Caddy under a path, pass that path as --root-path
    (docs/deploy/ has tested configurations).

    Example:

        humans serve my-study --db my-study.sqlite --host 0.0.0.0 --port 8080 --workers 2
        humans serve my-study --port 7860 --root-path /study
    """
    if workers > 1:
        _serve_workers(Path(study_dir), db, host, port, max_new_raters_per_ip, workers, check_root_path(root_path))
        return
    apply_serving_settings()
    config = ServeConfig(
        Path(study_dir),
        Path(db) if db else None,
        host=host,
        port=port,
        admin_secret=admin_secret(),
        max_new_raters_per_ip=max_new_raters_per_ip,
        root_path=root_path,
    )
    server = build_server(config)
    install_admin(server)
    run_server(server, announce=_announce(server))
    click.echo(f"Stopped; the votes are in {server.config.db_path}")


def _serve_workers(
    study_dir: Path, db: str | None, host: str, port: int, max_new: int, workers: int, root_path: str
) -> None:
    from annotation_app.ui.workers import WorkerPool

    db_path = Path(db).resolve() if db else study_dir.resolve() / DEFAULT_DB_NAME
    secret = admin_secret() or secrets.token_urlsafe(18)
    pool = WorkerPool(
        study_dir.resolve(),
        [
            "--db",
            str(db_path),
            "--max-new-raters-per-ip",
            str(max_new),
            *(("--root-path", root_path) if root_path else ()),
        ],
        workers,
        host,
        port,
        secret,
        audio_dir=ServeConfig(study_dir, db_path).resolved().cache_dir,
    )

    def announce(urls: dict[str, str]) -> None:
        click.echo(f"Serving {study_dir} with {workers} worker processes behind nginx")
        click.echo(f"  database   {db_path}")
        if root_path:
            click.echo(f"  listening  {urls['local']}  (published by your reverse proxy at {root_path}/)")
        click.echo(f"  rater URL  {urls['rater']}")
        click.echo(f"  admin URL  {urls['admin']}  (keep it secret)")
        click.echo("Press Ctrl-C to stop.")

    def urls(bound_host: str, bound_port: int) -> dict[str, str]:
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::", "") else bound_host
        local = f"http://{shown}:{bound_port}"
        base = root_path or local
        return {"rater": f"{base}/", "admin": f"{base}{ADMIN_PREFIX}/{secret}/", "local": f"{local}/"}

    if port == 0:
        from annotation_app.ui.workers import free_port

        pool.port = free_port(host)
    pool.run(announce, urls)
    click.echo(f"Stopped; the votes are in {db_path}")


@click.command(name="demo")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, dir_okay=True),
    default=None,
    help="New or empty folder for the demo study and its database [default: a fresh temporary folder].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on; 0.0.0.0 for all.")
@click.option("--port", type=click.IntRange(0, 65535), default=7860, show_default=True, help="TCP port; 0 = any free.")
def demo(directory: str | None, host: str, port: int) -> None:
    """Copy the bundled demo study to a writable folder, create its database and serve it until Ctrl-C.

    Example:

        humans demo --port 7860
    """
    scratch = None if directory else Path(tempfile.mkdtemp(prefix="humans-demo-"))
    target = Path(directory) if directory else scratch / "study"
    served = []
    apply_serving_settings()
    try:
        init_study(target)
        server = build_server(ServeConfig(target, host=host, port=port, admin_secret=admin_secret()))
        install_admin(server)
        announce = _announce(server)
        run_server(server, announce=lambda urls: (served.append(True), announce(urls)))
    except BaseException:
        if scratch is not None and not served:  # a demo that never served leaves no temporary folder behind
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    click.echo(f"Stopped; the demo study and its votes stay in {target}")


COMMANDS = [serve, demo]
