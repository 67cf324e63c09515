"""``humans scores`` and ``humans correlate``: model scores from votes, and correlations between score tables."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from analysis.bradley_terry import SCORE_COLUMNS, BTScores, bt_scores
from analysis.bt_covariates import COVARIATES, ControlledScores, bt_controlled
from analysis.correlation import CorrelationResult
from analysis.correlation import correlate as correlate_tables
from analysis.errors import HumansError
from analysis.table_files import read_table
from annotation_app.cli.options import seed_option, ties_option

__all__ = [
    "COMMANDS",
    "aspect_votes",
    "correlate",
    "format_controlled",
    "format_correlations",
    "format_leaderboard",
    "load_votes",
    "scores",
]


def load_votes(path: str | Path) -> pd.DataFrame:
    """Load a comparisons table: a CSV/TSV/Parquet file, or a study database (its exported votes).

    A study database (an SQLite file) is read through :func:`annotation_app.export.votes_frame`: trial votes of
    unflagged raters, exactly the rows ``humans export DB --format csv`` writes, so both give the same scores.

    Returns
    -------
    DataFrame
        ``model_a``, ``model_b``, ``winner`` and any of ``rater``, ``scenario``, ``weight``, ``left``.
    """
    path = Path(path)
    if path.is_dir():
        from annotation_app.store import default_db_path

        db = default_db_path(path)
        what = f"pass its study database {db}" if db.is_file() else f"it has no {db.name}; pass a study database"
        raise HumansError(f"{path} is a folder; {what} or a votes file from `humans export` (.csv, .tsv or .parquet).")
    if _is_sqlite(path):
        from annotation_app.export import votes_frame

        return votes_frame(path)
    return read_table(path)


def _is_sqlite(path: Path) -> bool:
    """True for an existing SQLite file (by its header), or a missing one named .db/.sqlite/.sqlite3."""
    if not path.is_file():
        return path.suffix.lower() in {".db", ".sqlite", ".sqlite3"}
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def format_leaderboard(result: BTScores) -> str:
    """The leaderboard as aligned text, best model first, with tie and position parameters when fitted."""
    table = result.table
    width = max(5, *(len(m) for m in table["model"]))
    interval = "bootstrap" if result.bootstrap else "Wald"
    lines = [
        f"{'rank':>4}  {'model':<{width}}  {'elo':>7}  {'human':>6}  {'theta':>7}  "
        f"{f'{result.level:.0%} CI ({interval})':>20}  {'votes':>6}"
    ]
    for rank, row in enumerate(table.itertuples(index=False), start=1):
        ci = f"[{row.theta_low:+.3f}, {row.theta_high:+.3f}]"
        lines.append(
            f"{rank:>4}  {row.model:<{width}}  {row.elo:7.1f}  {row.human_score:6.3f}  {row.theta:+7.3f}  "
            f"{ci:>20}  {row.n_votes:>6d}"
        )
    notes = [f"ties: {result.ties}"]
    if result.nu is not None:
        notes.append(f"Davidson nu = {result.nu:.3f} [{result.nu_low:.3f}, {result.nu_high:.3f}]")
    if result.position is not None:
        notes.append(
            f"left-side advantage = {result.position:+.3f} [{result.position_low:+.3f}, {result.position_high:+.3f}]"
        )
    if result.bootstrap:
        notes.append(f"{result.bootstrap} bootstrap rounds" + (f" by {result.cluster}" if result.cluster else ""))
    return "\n".join([*lines, "; ".join(notes)])


def format_controlled(result: ControlledScores) -> str:
    """Controlled leaderboard with the raw one beside it, then the covariate coefficients with intervals."""
    table = result.table
    width = max(5, *(len(m) for m in table["model"]))
    interval = "bootstrap" if result.bootstrap else "Wald"
    ci = f"{result.level:.0%} CI ({interval})"
    lines = [
        f"controlled for {', '.join(result.covariates)}; raw Bradley–Terry beside it",
        f"{'rank':>4}  {'model':<{width}}  {'elo':>7}  {'theta':>7}  {ci:>20}  "
        f"{'raw rank':>8}  {'raw elo':>7}  {'raw theta':>9}  {'raw ' + ci:>24}  {'votes':>6}",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.rank:>4}  {row.model:<{width}}  {row.elo:7.1f}  {row.theta:+7.3f}  "
            f"{f'[{row.theta_low:+.3f}, {row.theta_high:+.3f}]':>20}  {row.rank_raw:>8}  {row.elo_raw:7.1f}  "
            f"{row.theta_raw:+9.3f}  {f'[{row.theta_raw_low:+.3f}, {row.theta_raw_high:+.3f}]':>24}  "
            f"{row.n_votes:>6d}"
        )
    lines.append("covariate coefficients (log-odds per one sd of the relative difference (a - b) / (a + b)):")
    for row in result.coefficients.itertuples(index=False):
        lines.append(
            f"  {row.covariate:<9} {row.coef:+.3f}  [{row.low:+.3f}, {row.high:+.3f}]  (sd = {row.scale:.3f}; "
            f"{COVARIATES[row.covariate]})"
        )
    notes = [f"ties: {result.ties}"]
    if result.bootstrap:
        notes.append(f"{result.bootstrap} bootstrap rounds" + (f" by {result.cluster}" if result.cluster else ""))
    return "\n".join([*lines, "; ".join(notes)])


def aspect_votes(votes: pd.DataFrame, aspect: str, *, source: str = "votes") -> pd.DataFrame:
    """The votes with ``winner`` replaced by the answers to one aspect (column ``aspect_<NAME>``).

    Rows where the aspect was not asked (empty) are left out.
    """
    column = f"aspect_{aspect}"
    if column not in votes.columns:
        found = sorted(c.removeprefix("aspect_") for c in votes.columns if c.startswith("aspect_"))
        have = f"the aspects in it are: {', '.join(found)}" if found else "it has no aspect columns"
        raise HumansError(f"{source}: no column {column} for --aspect {aspect}; {have}.")
    out = votes.loc[votes[column].notna() & (votes[column].astype(str) != "")].copy()
    if out.empty:
        raise HumansError(f"{source}: no vote has an answer for aspect {aspect!r}; choose another aspect.")
    out["winner"] = out[column].astype(str)
    return out.reset_index(drop=True)


def format_correlations(result: CorrelationResult, level: float = 0.95) -> str:
    """The three coefficients with intervals and p-values, and the names that did not match."""
    lines = [f"{'method':<9}  {'estimate':>8}  {f'{level:.0%} CI':>18}  {'p':>8}"]
    for row in result.table.itertuples(index=False):
        lines.append(f"{row.method:<9}  {row.estimate:8.3f}  [{row.low:+.3f}, {row.high:+.3f}]  {row.p_value:8.4f}")
    lines.append(f"{result.table['n_models'].iloc[0]} models matched ({result.a_col} vs {result.b_col})")
    for side, names in (("A", result.only_in_a), ("B", result.only_in_b)):
        if names:
            lines.append(f"only in {side} ({len(names)}): {', '.join(names)}")
    return "\n".join(lines)


@click.command()
@click.argument("votes", type=click.Path(path_type=Path))
@ties_option()
@click.option(
    "--both-bad",
    type=click.Choice(["tie", "drop"]),
    default="tie",
    show_default=True,
    help="Whether 'both bad' votes count as ties or are dropped.",
)
@click.option(
    "--position/--no-position",
    default=False,
    show_default=True,
    help="Estimate a left-side advantage (needs a 'left' column).",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Bootstrap rounds for the intervals (0: Wald intervals).",
)
@click.option(
    "--cluster",
    type=click.Choice(["rater", "scenario"]),
    default=None,
    help="Resample whole raters or scenarios instead of single votes.",
)
@seed_option("Seed of the bootstrap.")
@click.option(
    "--level",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the intervals.",
)
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal only).")
@click.option(
    "--control",
    default=None,
    metavar="NAMES",
    help="Control for covariates of the two conversations, comma-separated: "
    + ", ".join(COVARIATES)
    + " (needs their _a/_b columns, which humans export writes); prints the raw scores beside the controlled ones.",
)
@click.option(
    "--aspect",
    default=None,
    metavar="NAME",
    help="Score one aspect of the study (rating.aspects) instead of the overall preference.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the scores as CSV (model, theta, elo, human_score, theta_low, theta_high, se, n_votes; "
    "with --control also the raw columns and rank).",
)
def scores(votes, ties, both_bad, position, bootstrap, cluster, seed, level, progress, control, aspect, out):
    """Score models from pairwise votes with Bradley–Terry and print a leaderboard.

    VOTES is a CSV or Parquet file with columns model_a, model_b, winner (model_a, model_b, tie, both_bad) and
    optionally rater, scenario, weight and left, or a study database (its trial votes of unflagged raters).

    \b
    Example:
        humans scores votes.csv --bootstrap 1000 --cluster rater --out scores.csv
        humans scores votes.csv --control duration,words
        humans scores study.sqlite --aspect naturalness
    """
    table = load_votes(votes)
    if aspect is not None:
        table = aspect_votes(table, aspect, source=str(votes))
        click.echo(f"aspect: {aspect}")
    if control is not None:
        if ties == "davidson" or position:
            raise HumansError("--control works with --ties half or drop and without --position; drop those options.")
        names = [c.strip() for c in control.split(",") if c.strip()]
        controlled = bt_controlled(
            table, names, ties=ties, both_bad=both_bad, bootstrap=bootstrap, cluster=cluster, seed=seed, level=level,
            source=str(votes),
        )  # fmt: skip
        click.echo(format_controlled(controlled))
        if out is not None:
            _write_csv(controlled.table, out)
        return
    result = bt_scores(
        table,
        ties=ties,
        both_bad=both_bad,
        position=position,
        bootstrap=bootstrap,
        cluster=cluster,
        seed=seed,
        level=level,
        progress=progress,
        source=str(votes),
    )
    click.echo(format_leaderboard(result))
    if out is not None:
        _write_csv(result.table[SCORE_COLUMNS], out)


def _write_csv(table: pd.DataFrame, out: Path) -> None:
    try:
        table.to_csv(out, index=False)
    except OSError as exc:
        raise HumansError(f"{out}: cannot write the scores ({exc.strerror}); choose a writable path.") from exc
    click.echo(f"wrote {out}")


@click.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--on", default="model", show_default=True, help="Column with the model names in both tables.")
@click.option("--a-col", default=None, help="Score column of A (default: human_score, score or the only number).")
@click.option("--b-col", default=None, help="Score column of B (default: human_score, score or the only number).")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Resamples of models for the intervals.",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=0),
    default=10000,
    show_default=True,
    help="Permutations for the p-values.",
)
@seed_option("Seed of the resampling.")
def correlate(a, b, on, a_col, b_col, bootstrap, permutations, seed):
    """Correlate two per-model score tables (Pearson, Spearman, Kendall tau-b) with CIs and p-values.

    \b
    Example:
        humans correlate scores.csv benchmark.csv --b-col accuracy
    """
    result = correlate_tables(
        read_table(a),
        read_table(b),
        on=on,
        a_col=a_col,
        b_col=b_col,
        bootstrap=bootstrap,
        permutations=permutations,
        seed=seed,
        a_name=str(a),
        b_name=str(b),
    )
    click.echo(format_correlations(result))


COMMANDS = [scores, correlate]
