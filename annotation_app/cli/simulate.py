"""``humans simulate`` and ``humans status``: fill a study with simulated raters, and show its progress."""

from __future__ import annotations

from pathlib import Path

import click

from annotation_app.progress import status as study_status
from annotation_app.simulate import simulate as run_simulation

__all__ = ["COMMANDS"]


@click.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--raters", default=20, show_default=True, help="Number of simulated raters.")
@click.option("--careless", default=0.0, show_default=True, help="Share of careless raters (random or always-left).")
@click.option("--seed", default=0, show_default=True, help="Seed of the hidden truth and of the raters' choices.")
@click.option("--db", type=click.Path(path_type=Path), default=None, help="With a study folder: the database.")
def simulate(target: Path, raters: int, careless: float, seed: int, db: Path | None) -> None:
    """Fill a study database with simulated raters that use the same paths as real ones.

    TARGET is a study database or a study folder. Votes come from a hidden Bradley-Terry truth; careless raters
    answer at random or always prefer the left side.

    Example:

        humans simulate my-study/humans.sqlite --raters 50 --careless 0.1 --seed 1
    """
    result = run_simulation(target, raters=raters, careless=careless, seed=seed, db=db)
    click.echo(
        f"simulated {result.raters} raters ({result.careless} careless): {result.votes} answers submitted "
        f"(trial votes, attention checks and practice together; `humans status` counts trial votes only), "
        f"{result.finished} finished"
    )
    truth = ", ".join(f"{m}={v:+.2f}" for m, v in sorted(result.truth.items(), key=lambda kv: -kv[1]))
    click.echo(f"hidden truth (BT log-strength): {truth}")


@click.command()
@click.argument("db", type=click.Path(path_type=Path))
def status(db: Path) -> None:
    """Print a study's progress: votes per model pair against the target, raters started/finished/flagged.

    Example:

        humans status my-study/humans.sqlite
    """
    click.echo(study_status(db).format())


COMMANDS = [simulate, status]
