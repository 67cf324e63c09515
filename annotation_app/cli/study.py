"""``humans init`` and ``humans validate``: write an example study folder, check one."""

from __future__ import annotations

import click

from annotation_app.study import Study, init_study, load_study

__all__ = ["COMMANDS", "init", "validate"]


@click.command(name="init")
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
def init(directory: str) -> None:
    """Write an example study (the demo study, with a commented study.yaml) into a new or empty DIRECTORY.

    Example:

        humans init my-study && humans validate my-study
    """
    target = init_study(directory)
    study = load_study(target)
    click.echo(f"Wrote an example study to {target}: {_summary_line(study)}.")
    click.echo(f"Edit {target}/study.yaml and {target}/conversations.jsonl, then run `humans validate {target}`.")


@click.command(name="validate")
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
def validate(directory: str) -> None:
    """Check a study folder: list every problem (exit 1) or print a summary of the study (exit 0).

    Example:

        humans validate my-study
    """
    study = load_study(directory)
    rating = study.config.rating
    scheme = rating.scheme
    if rating.asks_preference:
        scheme += f", {rating.preference_points}-point preference"
    if rating.asks_likert:
        scheme += f", {rating.likert_points}-point Likert"
    gold = sum(c.gold_bad for c in study.conversations)
    click.echo(f"{directory} is a valid study: {study.config.title}")
    click.echo(f"  models         {len(study.models)}: {', '.join(study.models)}")
    click.echo(f"  scenarios      {len(study.scenarios)}")
    click.echo(f"  conversations  {len(study.conversations)} ({gold} gold_bad for attention checks)")
    click.echo(f"  pairs          {len(study.pairs)}")
    click.echo(f"  audio          {study.total_audio_s / 60:.1f} minutes")
    click.echo(f"  rating scheme  {scheme}; reason {rating.reason}")
    targets = study.config.targets
    click.echo(f"  targets        {targets.raters_per_pair} raters per pair, {targets.trials_per_rater} trials each")


def _summary_line(study: Study) -> str:
    return (
        f"{len(study.models)} models, {len(study.scenarios)} scenarios, {len(study.conversations)} conversations, "
        f"{len(study.pairs)} pairs, {study.total_audio_s / 60:.1f} minutes of audio"
    )


COMMANDS = [init, validate]
