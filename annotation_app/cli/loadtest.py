"""``humans loadtest``: simulate a launch's crowd of raters against a running study and report what they saw."""

from __future__ import annotations

from pathlib import Path

import click

from annotation_app.loadtest import loadtest as run_loadtest

__all__ = ["COMMANDS"]


@click.command()
@click.argument("url")
@click.option("--raters", default=100, show_default=True, help="Simulated raters (one asyncio task each).")
@click.option(
    "--arrival-minutes", default=5.0, show_default=True, help="Raters arrive uniformly at random within this window."
)
@click.option(
    "--think",
    default=20.0,
    show_default=True,
    help="Mean seconds from a trial appearing to its vote (at least the study's listening floor).",
)
@click.option("--trials", default=10, show_default=True, help="Votes per rater at most.")
@click.option("--seed", default=0, show_default=True, help="Seed of arrivals, pauses and answers.")
@click.option(
    "--assets/--no-assets",
    default=True,
    show_default=True,
    help="Fetch the page's scripts, styles and theme on each rater's first visit, as a fresh browser does.",
)
@click.option(
    "--forwarded-for/--no-forwarded-for",
    default=True,
    show_default=True,
    help="Give each rater its own address in X-Forwarded-For (counted by the new-rater limit behind a proxy).",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None, help="Also write the summary here.")
def loadtest(
    url: str,
    raters: int,
    arrival_minutes: float,
    think: float,
    trials: int,
    seed: int,
    assets: bool,
    forwarded_for: bool,
    json_path: Path | None,
) -> None:
    """Simulate RATERS crowdworkers taking part in the study served at URL, all from this one process.

    Each rater opens the link, consents, reads the instructions and votes on up to TRIALS trials, fetching the
    audio and waiting at least the study's listening floor, exactly as the page does (Gradio's run/predict for
    events outside the queue, as the rater page's are; queue/join and the event stream for queued ones).
    Prints latency percentiles per request kind, events/s and errors. Run it against a scratch copy of the
    study (`humans serve my-study --db loadtest.sqlite`): the simulated raters and votes are stored.

    Example:

        humans loadtest http://127.0.0.1:7860/ --raters 500 --arrival-minutes 5 --think 20 --trials 10 --json load.json
    """
    click.echo(
        f"{raters} raters arriving within {arrival_minutes:g} min, {trials} votes each, ~{think:g} s per trial ...",
        err=True,
    )
    report = run_loadtest(
        url,
        raters=raters,
        arrival_minutes=arrival_minutes,
        think=think,
        trials=trials,
        seed=seed,
        assets=assets,
        forwarded_for=forwarded_for,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(report.format())
    if json_path is not None:
        report.write_json(json_path)
        click.echo(f"summary written to {json_path}")


COMMANDS = [loadtest]
