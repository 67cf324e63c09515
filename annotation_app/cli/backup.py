"""``humans backup``: a consistent copy of a study database, safe while the study runs."""

from __future__ import annotations

from pathlib import Path

import click

from annotation_app.store.backup import backup_database

__all__ = ["COMMANDS"]


@click.command(name="backup")
@click.argument("db", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, default=False, help="Replace FILE when it exists.")
def backup(db: Path, file: Path, overwrite: bool) -> None:
    """Copy the study database DB to FILE with SQLite's online backup API, while raters keep voting.

    The copy is the database as of one instant (never a torn file, nothing left in a -wal file), checked for
    integrity before it takes FILE's name. Run it from cron for regular backups of a running study.

    Example:

        humans backup my-study/humans.sqlite backups/humans-$(date +%F-%H%M).sqlite
    """
    result = backup_database(db, file, overwrite=overwrite)
    click.echo(
        f"backed up {db} to {result.path}: {result.votes} votes from {result.raters} raters, "
        f"{result.bytes / 1e6:.1f} MB in {result.seconds:.2f} s (integrity check ok)"
    )


COMMANDS = [backup]
