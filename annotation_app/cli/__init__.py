"""The ``humans`` command line: one command per public function of both packages.

Each command module holds the commands of one area; :data:`COMMAND_MODULES` maps command names to modules. A command
parses its options, calls the library and prints; a :class:`~analysis.errors.HumansError` becomes one line on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from analysis.errors import HumansError

#: Each ``humans`` command and the module under ``annotation_app.cli`` that defines it (in that module's
#: ``COMMANDS``). A module is imported only when one of its commands runs, so ``humans validate`` does not pay for
#: importing gradio or scikit-learn.
COMMAND_MODULES: dict[str, str] = {
    "init": "study",
    "validate": "study",
    "import": "study",
    "serve": "serve",
    "demo": "serve",
    "simulate": "simulate",
    "status": "simulate",
    "export": "export",
    "scores": "scores",
    "correlate": "scores",
    "select": "select",
    "apply-subset": "select",
    "adapt": "adapt",
    "simulate-benchmark": "benchmark",
    "report": "report",
    "backup": "backup",
    "loadtest": "loadtest",
}


class HumansGroup(click.Group):
    """A click group that loads its commands lazily and turns our own exceptions into one line and exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"annotation_app.cli.{module_name}")
        return next(c for c in module.COMMANDS if c.name == cmd_name)

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


def main() -> None:
    """Console entry point of ``humans``."""
    cli(prog_name="humans", args=sys.argv[1:])
