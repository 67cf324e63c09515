"""Click options that several ``humans`` commands share, declared once so their names, choices and help agree.

Each function returns a decorator; a command that needs a more specific help text passes it, the rest of the
option (name, type, default) stays the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["average_option", "human_option", "models_option", "seed_option", "ties_option"]


def ties_option(help: str = "How ties count: half a win each, Davidson's tie parameter, or dropped."):
    """``--ties {half,davidson,drop}`` (default half), as :func:`analysis.bradley_terry.bt_scores` takes it."""
    return click.option(
        "--ties", type=click.Choice(["half", "davidson", "drop"]), default="half", show_default=True, help=help
    )


def average_option(help: str = "Full benchmark score: mean over tasks (macro) or over items (micro)."):
    """``--average {macro,micro}`` (default macro): the definition of the full-benchmark score."""
    return click.option(
        "--average", type=click.Choice(["macro", "micro"]), default="macro", show_default=True, help=help
    )


def models_option(help: str = "Regular expression: keep only matching benchmark models (e.g. '_best$')."):
    """``--models REGEX``: keep only the benchmark models whose name matches."""
    return click.option("--models", default=None, help=help)


def human_option(help: str = "CSV of human scores per model (model + human_score, as `humans scores` writes)."):
    """``--human FILE``: human scores per model."""
    return click.option("--human", type=click.Path(path_type=Path), default=None, help=help)


def seed_option(help: str = "Seed of the random draws."):
    """``--seed INT`` (default 0)."""
    return click.option("--seed", type=int, default=0, show_default=True, help=help)
