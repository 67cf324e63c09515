"""``humans report``: one self-contained HTML file with the study's scores, quality and benchmark relation."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pandas as pd

from analysis.benchmark_data import load_benchmark
from analysis.errors import HumansError
from analysis.human_targets import read_human_scores
from analysis.report import build_report, read_selection_results
from annotation_app.cli.options import average_option, human_option, models_option, seed_option, ties_option
from annotation_app.cli.scores import _is_sqlite, load_votes
from annotation_app.store import Store

__all__ = ["COMMANDS"]


@click.command()
@click.option(
    "--votes",
    type=click.Path(path_type=Path),
    default=None,
    help="Votes: a study database, or a CSV/Parquet export (`humans export`) or comparisons table.",
)
@click.option(
    "--benchmark",
    type=click.Path(path_type=Path),
    default=None,
    help="Item-level benchmark results (any layout `humans select` reads).",
)
@click.option(
    "--select-results",
    type=click.Path(path_type=Path),
    default=None,
    help="The --out folder of `humans select` (results.csv, predictions.csv, subsets/).",
)
@human_option("CSV of human scores per model (default: the Bradley–Terry human score of --votes).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@models_option()
@click.option("--subset", default=None, help="Subset to plot against the human score, as <method>_<size>.")
@ties_option("How ties count in the leaderboard.")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap rounds for the leaderboard intervals (resampling raters; 0: Wald).",
)
@average_option()
@click.option(
    "--title",
    default=None,
    help="Title of the report (default: the study's title from a database, else the study id of an export).",
)
@seed_option("Seed of the bootstraps and permutations.")
def report(votes, benchmark, select_results, human, out, models, subset, ties, bootstrap, average, title, seed):
    """Write one self-contained HTML report (plots embedded) of a study and its relation to a benchmark.

    Sections appear for the inputs given: --votes gives the leaderboard with intervals, win rates, Likert
    distributions, position bias, rater quality and agreement; --human (or the votes' scores) with --benchmark
    and/or --select-results gives human-vs-benchmark scatter plots; --select-results gives correlation vs subset
    size per selection method.

    \b
    Example:
        humans report --votes my-study/humans.sqlite --benchmark items.csv --select-results sel --out report.html
    """
    if votes is None and benchmark is None and select_results is None:
        raise HumansError("nothing to report; give --votes, --benchmark (with --human) or --select-results.")
    sources = {}
    table = None
    if votes is not None:
        table = load_votes(votes)
        sources["votes"] = str(votes)
        if title is None and _is_sqlite(Path(votes)):
            with Store.open_existing(votes) as store:
                title = store.load_study().config.title
    data = None
    if benchmark is not None:
        data = load_benchmark(benchmark, models=models)
        sources["benchmark"] = str(benchmark)
    human_table = None
    if human is not None:
        scores = read_human_scores(human)
        human_table = pd.DataFrame({"model": scores.index.astype(str), "human_score": scores.to_numpy()})
        sources["human"] = str(human)
    selection = None
    if select_results is not None:
        selection = read_selection_results(select_results)
        sources["selection"] = str(select_results)
    document = build_report(
        table,
        benchmark=data,
        human=human_table,
        selection=selection,
        title=title,
        sources=sources,
        ties=ties,
        bootstrap=bootstrap,
        subset=subset,
        average=average,
        seed=seed,
    )
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(document, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HumansError(f"{out}: cannot write the report ({exc.strerror}); choose a writable path.") from exc
    sections = document.count("<section id=")
    click.echo(f"wrote {out} ({sections} sections, {len(document) / 1e6:.1f} MB)")


COMMANDS = [report]
