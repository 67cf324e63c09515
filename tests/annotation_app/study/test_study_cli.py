"""``humans init`` and ``humans validate`` through click's CliRunner: exit codes, output, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from annotation_app.cli import cli


def test_init_then_validate_exits_0(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["init", "s"])
    assert result.exit_code == 0, result.output
    assert "Wrote an example study to s: 4 models, 9 scenarios, 38 conversations, 54 pairs" in result.output
    assert sorted(p.name for p in Path("s").iterdir()) == ["audio", "conversations.jsonl", "study.yaml"]
    result = runner.invoke(cli, ["validate", "s"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "s is a valid study: Which voice assistant would you rather talk to?" in out
    assert "models         4: curt, helpful, unreliable, verbose" in out
    assert "scenarios      9" in out
    assert "conversations  38 (2 gold_bad for attention checks)" in out
    assert "pairs          54" in out
    assert "minutes" in out
    assert "rating scheme  pairwise, 3-point preference; reason optional" in out


def test_init_copies_a_commented_study_yaml(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "new" / "study")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new" / "study" / "study.yaml").read_text()
    assert text.count("\n#") + text.count("\n  #") >= 15
    assert '# redirect_url: "https://app.prolific.com/submissions/complete?cc=HUMANS-DEMO"' in text


def test_init_into_an_empty_existing_folder(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "study.yaml").is_file()


def test_init_refuses_a_non_empty_folder_and_writes_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Error: {tmp_path} is not empty; give a new or empty folder so nothing of yours is overwritten" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "f")])
    assert result.exit_code == 1
    assert "is a file; give the name of a new or empty folder" in result.output


def test_validate_bad_study_lists_every_problem_and_exits_1(study_dir):
    text = (study_dir / "study.yaml").read_text()
    (study_dir / "study.yaml").write_text(text.replace("scheme: pairwise", "schema: pairwise"))
    (study_dir / "audio" / "a4.wav").unlink()
    result = CliRunner().invoke(cli, ["validate", str(study_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Error: the study in {study_dir} has 2 problems; fix them and run `humans validate" in result.output
    assert "study.yaml line 3 (rating.schema): unknown key 'schema' (did you mean 'scheme'?)" in result.output
    assert "conversations.jsonl line 4 (turns[1].audio): audio/a4.wav does not exist" in result.output


def test_validate_missing_folder_exits_1_without_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "nope does not exist; give the folder that holds study.yaml" in result.output


def test_validate_likert_summary(study_dir):
    text = (study_dir / "study.yaml").read_text()
    (study_dir / "study.yaml").write_text(text.replace("scheme: pairwise", "scheme: pairwise+likert"))
    result = CliRunner().invoke(cli, ["validate", str(study_dir)])
    assert result.exit_code == 0, result.output
    assert "rating scheme  pairwise+likert, 3-point preference, 5-point Likert; reason optional" in result.output
