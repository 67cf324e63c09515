"""``humans init`` and ``humans validate``: write an example study folder, check one."""

from __future__ import annotations

from pathlib import Path

import click

from annotation_app.importer import import_outputs
from annotation_app.study import Study, init_study, load_study
from annotation_app.study.audio_report import audio_report

__all__ = ["COMMANDS", "import_", "init", "validate"]


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
    _echo_audio_report(study)


def _lu(value: float | None, unit: str = "LUFS") -> str:
    return "   n/a" if value is None else f"{value:6.1f} {unit}"


def _echo_audio_report(study: Study) -> None:
    """The loudness table (source and served, per model) and every warning about the audio."""
    report = audio_report(study)
    audio = study.config.audio
    served = f"normalised to {audio.loudness_target_lufs:g} LUFS" if audio.normalize else "as recorded (normalize off)"
    click.echo(f"  loudness       assistant clips, ITU-R BS.1770 integrated loudness; served {served}")
    click.echo(
        f"    {'model':<20} {'clips':>5}  {'source median':>13}  {'spread':>9}  {'served median':>13}  {'spread':>9}"
    )
    for m in report.models:
        click.echo(
            f"    {m.model[:20]:<20} {m.clips:>5}  {_lu(m.source_median):>13}  {_lu(m.source_spread, 'LU'):>9}  "
            f"{_lu(m.served_median):>13}  {_lu(m.served_spread, 'LU'):>9}"
        )
    before, after = report.between_models(), report.between_models(served=True)
    click.echo(f"    between models: {_lu(before, 'LU').strip()} in the files, {_lu(after, 'LU').strip()} as served")
    for warning in report.warnings:
        click.echo(f"warning: {warning}")


@click.command(name="import")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--title",
    default="Which voice assistant would you rather talk to?",
    show_default=True,
    help="Title of the new study (study.yaml).",
)
@click.option(
    "--normalize/--no-normalize",
    default=True,
    show_default=True,
    help="audio.normalize of the new study: serve every clip at the target loudness.",
)
@click.option(
    "--loudness-target-lufs",
    type=float,
    default=-23.0,
    show_default=True,
    help="audio.loudness_target_lufs of the new study (ITU-R BS.1770 integrated loudness).",
)
def import_(source: Path, directory: Path, title: str, normalize: bool, loudness_target_lufs: float) -> None:
    """Build a study folder DIRECTORY from model outputs in SOURCE, then validate it.

    SOURCE is a manifest (.csv or .jsonl with columns scenario, model, turn, role, audio, text; audio paths
    relative to the manifest) or a folder laid out <scenario>/<model>/<turn>_<role>.<ext> with optional
    <turn>_<role>.txt transcripts. Clips may be WAV, FLAC, Ogg/Opus, Ogg/Vorbis, MP3, or M4A/AAC (needs ffmpeg).
    Every problem is listed at once and nothing is written unless there is none; clips become tag-free mono
    Ogg/Opus files under content-hash names.

    \b
    Example:
        humans import outputs/ my-study && humans serve my-study
    """
    result = import_outputs(
        source, directory, title=title, normalize=normalize, loudness_target_lufs=loudness_target_lufs
    )
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.kinds.items()))
    click.echo(f"imported {result.clips} clips ({kinds}) into {result.conversations} conversations")
    validate.callback(str(result.directory))


def _summary_line(study: Study) -> str:
    return (
        f"{len(study.models)} models, {len(study.scenarios)} scenarios, {len(study.conversations)} conversations, "
        f"{len(study.pairs)} pairs, {study.total_audio_s / 60:.1f} minutes of audio"
    )


COMMANDS = [init, validate, import_]
