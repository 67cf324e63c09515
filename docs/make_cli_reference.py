"""Write docs/cli.md from the ``--help`` of every ``humans`` command: ``python docs/make_cli_reference.py``."""

from pathlib import Path

from annotation_app.cli.reference import cli_reference

if __name__ == "__main__":
    target = Path(__file__).with_name("cli.md")
    target.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote {target}")
