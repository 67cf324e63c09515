"""Conventions every ``humans`` command keeps: help text, an Example block, and no traceback on user errors."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from annotation_app.cli import COMMAND_MODULES, cli


def test_top_level_help_lists_subcommands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    for name in COMMAND_MODULES:
        assert name in result.output


def _all_commands(group: click.Group, prefix: str = ""):
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix=f"{prefix}{name} ")


@pytest.mark.parametrize("name,command", list(_all_commands(cli)))
def test_every_command_has_help_and_example(name, command):
    assert command.name == name.split()[-1], f"COMMAND_MODULES maps {name} to a command named {command.name}"
    assert command.help and command.help.strip(), f"humans {name} has no help text"
    assert "Example" in command.help, f"humans {name} help has no Example: block"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in {"help", "version"}:
            assert param.help, f"humans {name} option {param.opts[0]} has no help="


def test_every_command_module_is_registered():
    import importlib
    import pkgutil

    import annotation_app.cli as package

    defined = set()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"annotation_app.cli.{info.name}")
        defined |= {c.name for c in getattr(module, "COMMANDS", [])}
    assert defined == set(COMMAND_MODULES), "every command in a COMMANDS list must be in COMMAND_MODULES"


def test_validate_does_not_import_gradio():
    import subprocess
    import sys

    code = (
        "import sys; from annotation_app.cli import cli; cli.get_command(None, 'validate'); "
        "print('gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_unknown_command_is_one_line_and_nonzero():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
