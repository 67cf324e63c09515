"""Conventions every ``humans`` command keeps: help text, an Example block, and no traceback on user errors."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from annotation_app.cli import cli


def test_top_level_help_lists_subcommands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    for name in cli.commands:
        assert name in result.output


def _all_commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix=f"{prefix}{name} ")


@pytest.mark.parametrize(
    "name,command", list(_all_commands(cli)) or [pytest.param(None, None, marks=pytest.mark.skip("no commands yet"))]
)
def test_every_command_has_help_and_example(name, command):
    assert command.help and command.help.strip(), f"humans {name} has no help text"
    assert "Example" in command.help, f"humans {name} help has no Example: block"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in {"help", "version"}:
            assert param.help, f"humans {name} option {param.opts[0]} has no help="


def test_unknown_command_is_one_line_and_nonzero():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
