"""The command line reference (``docs/cli.md``), generated from every command's ``--help``."""

from __future__ import annotations

import click

__all__ = ["cli_reference"]

#: Fixed width, so the page does not depend on the terminal that generated it.
WIDTH = 100


def cli_reference() -> str:
    """Markdown with the ``--help`` text of ``humans`` and of each command, commands in alphabetical order."""
    from annotation_app.cli import cli

    def help_text(command: click.Command, name: str, parent: click.Context | None) -> str:
        settings = {"terminal_width": WIDTH, "max_content_width": WIDTH, **cli.context_settings}
        ctx = click.Context(command, info_name=name, parent=parent, **settings)
        return command.get_help(ctx)

    root = click.Context(cli, info_name="humans", terminal_width=WIDTH, max_content_width=WIDTH, **cli.context_settings)
    parts = [
        "# Command line reference",
        "",
        "Generated from `--help` by `python docs/make_cli_reference.py`; do not edit by hand "
        "(`tests/test_cli_reference.py` fails when this page is out of date).",
        "",
        "```text",
        help_text(cli, "humans", None),
        "```",
    ]
    for name in sorted(cli.list_commands(root)):
        parts += ["", f"## humans {name}", "", "```text", help_text(cli.get_command(root, name), name, root), "```"]
    return "\n".join(parts) + "\n"
