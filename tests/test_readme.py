"""The README cannot rot: its first two commands are fixed, and every ``humans …`` line of its bash blocks runs.

The tour's commands run in order in one empty folder through click's CliRunner (so later commands see what earlier
ones wrote); servers (``serve``, ``demo``) and ``loadtest`` only have their arguments parsed. Then the
Python blocks run, in order, in the same folder.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotation_app.cli import COMMAND_MODULES, cli

README = Path(__file__).resolve().parent.parent / "README.md"
#: Commands that run until Ctrl-C or need a running server: only their arguments are parsed.
SERVERS = {"serve", "demo", "loadtest"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text(encoding="utf-8")) if lang == language]


def humans_commands() -> list[list[str]]:
    """Every ``humans`` invocation of the bash blocks, in order (``a && b`` gives two, ``\\`` joins lines)."""
    commands = []
    for body in blocks("bash"):
        for line in body.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0] == "humans":
                    commands.append(words[1:])
    return commands


def test_readme_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first = FENCE.findall(text)[:2]
    assert first == [("bash", "pip install -e . && humans demo\n"), ("bash", 'pip install -e ".[test]" && pytest\n')]
    assert text.index("```") < text.index("## ")


def test_readme_names_only_real_commands_and_lists_every_command():
    used = {words[0] for words in humans_commands()}
    assert used <= set(COMMAND_MODULES), used - set(COMMAND_MODULES)
    text = README.read_text(encoding="utf-8")
    for name in COMMAND_MODULES:
        assert f"`humans {name}" in text, f"the README's command table lacks humans {name}"


@pytest.mark.slow
def test_readme_tour_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = []
    for words in humans_commands():
        command = cli.get_command(None, words[0])
        if words[0] in SERVERS:
            # options and paths must parse; the server is not started
            command.make_context(words[0], list(words[1:]), **cli.context_settings)
            continue
        result = runner.invoke(cli, words, catch_exceptions=False)
        assert result.exit_code == 0, f"humans {shlex.join(words)} failed:\n{result.output}"
        ran.append(words[0])
    assert {"init", "simulate", "export", "scores", "select", "apply-subset", "report"} <= set(ran)
    assert (tmp_path / "study-report.html").is_file() and (tmp_path / "benchmark-report.html").is_file()
    namespace: dict = {}
    for body in blocks("python"):
        exec(compile(body, str(README), "exec"), namespace)
    assert (tmp_path / "api-report.html").read_text(encoding="utf-8").count("<section id=") >= 6


def test_readme_prolific_url_carries_the_ids_the_rater_app_reads():
    from annotation_app.ui.rater_form import ids_from_query

    (url,) = [line for body in blocks("text") for line in body.splitlines() if "PROLIFIC_PID" in line]
    filled = url.replace("{{%PROLIFIC_PID%}}", "p1").replace("{{%STUDY_ID%}}", "s1").replace("{{%SESSION_ID%}}", "x1")
    assert ids_from_query(filled[filled.index("?") :]) == {"prolific_pid": "p1", "study_id": "s1", "session_id": "x1"}


def test_readme_yaml_snippets_are_valid_study_settings(tmp_path):
    import yaml

    from annotation_app.study import validate_study
    from annotation_app.study.demo import init_study

    for body in blocks("yaml"):
        root = init_study(tmp_path / f"study{len(list(tmp_path.iterdir()))}")
        config = yaml.safe_load((root / "study.yaml").read_text(encoding="utf-8"))
        for section, values in yaml.safe_load(body).items():
            config[section] = {**config.get(section, {}), **values} if isinstance(values, dict) else values
        (root / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        assert validate_study(root) == []
