"""``humans export``: a study database to a preference dataset (CSV, JSON Lines, Parquet or a Hugging Face folder)."""

from __future__ import annotations

from pathlib import Path

import click

from annotation_app.export import FORMATS
from annotation_app.export import export as run_export

__all__ = ["COMMANDS"]


@click.command()
@click.argument("db", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv, jsonl, parquet, or hf (a Hugging Face dataset folder with a dataset card).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="File (folder for hf) to write [default: beside DB, <stem>-export.<ext> or <stem>-hf].",
)
@click.option("--include-flagged", is_flag=True, default=False, help="Keep the votes of flagged raters (marked).")
@click.option(
    "--include-checks",
    is_flag=True,
    default=False,
    help="Also export attention-check and practice answers (marked in the 'kind' column).",
)
def export(db: Path, format: str, out: Path | None, include_flagged: bool, include_checks: bool) -> None:
    """Export a study's votes as a preference dataset (one row per vote, plus chosen/rejected pairs).

    Rows are ordered by vote id and values formatted stably, so the same database always gives the same CSV.

    \b
    Example:
        humans export my-study/humans.sqlite --format hf --out my-study-dataset
    """
    result = run_export(db, format=format, out=out, include_flagged=include_flagged, include_checks=include_checks)
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.rows.items())
    raters = (
        "all raters (flagged ones marked)" if include_flagged else "unflagged raters (--include-flagged adds the rest)"
    )
    kinds = "trials, attention checks and practice" if include_checks else "trials only (--include-checks adds checks)"
    click.echo(f"exported {counts}: answers of {raters}, {kinds}")
    for path in result.paths:
        click.echo(f"wrote {path}")


COMMANDS = [export]
