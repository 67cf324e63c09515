"""The ``humans`` command line: one command per public function of both packages.

Each command module holds the commands of one area and is registered in :data:`COMMAND_MODULES`. A command
parses its options, calls the library and prints; a :class:`~analysis.errors.HumansError` becomes one line on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from analysis.errors import HumansError

#: Modules under ``annotation_app.cli`` whose click commands are added to ``humans`` (each exports ``COMMANDS``).
COMMAND_MODULES: tuple[str, ...] = ("study", "serve", "simulate", "scores", "export")


class HumansGroup(click.Group):
    """A click group that turns our own exceptions into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HumansError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=HumansGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="humans-lab", prog_name="humans")
def cli() -> None:
    """HUMANS preference lab: run human preference studies of voice assistants and relate them to benchmarks."""


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"annotation_app.cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console entry point of ``humans``."""
    cli(prog_name="humans", args=sys.argv[1:])
