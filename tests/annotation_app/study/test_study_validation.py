"""Each malformed study gets its own specific problem, naming file, line and field, and saying what to do."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.study_files import BASE_CONVERSATIONS, STUDY_YAML, conversation, write_jsonl, write_wav

from annotation_app.study import Problem, StudyValidationError, demo_study_path, load_study, validate_study


def _yaml(old: str, new: str) -> Callable[[Path], None]:
    """Replace text in the base study.yaml."""

    def mutate(root: Path) -> None:
        assert old in STUDY_YAML
        (root / "study.yaml").write_text(STUDY_YAML.replace(old, new), encoding="utf-8")

    return mutate


def _yaml_text(text: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / "study.yaml").write_text(text, encoding="utf-8")

    return mutate


def _lines(*records) -> Callable[[Path], None]:
    """Write conversations.jsonl: the base records plus (or, for dicts with an index, replacing) these."""

    def mutate(root: Path) -> None:
        write_jsonl(root, list(records))

    return mutate


def _edit(index: int, change: Callable[[dict], None]) -> Callable[[Path], None]:
    """Change the base conversation at ``index`` (line index + 1)."""

    def mutate(root: Path) -> None:
        records = json.loads(json.dumps(BASE_CONVERSATIONS))
        change(records[index])
        write_jsonl(root, records)

    return mutate


def _audio(name: str, make: Callable[[Path], None]) -> Callable[[Path], None]:
    """Make conversation c2 (line 2) use audio/<name> for its assistant turn, created by ``make``."""

    def mutate(root: Path) -> None:
        make(root / "audio" / name)
        _edit(1, lambda r: r["turns"][1].update(audio=f"audio/{name}"))(root)

    return mutate


def _csv(text: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / "conversations.jsonl").unlink()
        (root / "conversations.csv").write_text(text, encoding="utf-8")

    return mutate


CSV_OK_HEAD = "conversation,scenario,model,turn,role,audio,text\n"
CSV_OK = (
    CSV_OK_HEAD
    + "c1,s1,ma,1,user,audio/u1.wav,hi\nc1,s1,ma,2,assistant,audio/a1.wav,hello\n"
    + "c2,s1,mb,1,user,audio/u1.wav,hi\nc2,s1,mb,2,assistant,audio/a2.wav,hey\n"
)

#: id, how to break the study, expected Problem (file, line, field) and a fragment of its message.
CASES = [
    # --- study.yaml ---
    ("yaml-missing", lambda r: (r / "study.yaml").unlink(), ("study.yaml", None, None), "the file is missing"),
    ("yaml-syntax", _yaml_text('title: "unclosed\nrating:\n'), ("study.yaml", 3, None), "is not valid YAML"),
    ("yaml-indent", _yaml_text("title: x\n  rating: y\n"), ("study.yaml", 2, None), "mapping values are not allowed"),
    ("yaml-empty", _yaml_text(""), ("study.yaml", None, None), "the file is empty"),
    ("yaml-list", _yaml_text("- a\n- b\n"), ("study.yaml", 1, None), "must be a set of `key: value` lines"),
    (
        "key-misspelt",
        _yaml("title:", "titel:"),
        ("study.yaml", 1, "titel"),
        "unknown key 'titel' (did you mean 'title'?)",
    ),
    ("title-missing", _yaml("title: Test study\n", ""), ("study.yaml", None, "title"), "the key is missing"),
    (
        "nested-key-misspelt",
        _yaml("  scheme:", "  schme:"),
        ("study.yaml", 3, "rating.schme"),
        "unknown key 'schme' (did you mean 'scheme'?); the keys of section `rating` are",
    ),
    (
        "scheme-unknown",
        _yaml("scheme: pairwise", "scheme: pairwize"),
        ("study.yaml", 3, "rating.scheme"),
        "must be one of pairwise, likert, pairwise+likert (did you mean 'pairwise'?), found 'pairwize' (text)",
    ),
    (
        "int-as-text",
        _yaml("raters_per_pair: 2", "raters_per_pair: three"),
        ("study.yaml", 6, "targets.raters_per_pair"),
        "must be a whole number, found 'three' (text)",
    ),
    (
        "bool-as-int",
        _yaml("raters_per_pair: 2", "raters_per_pair: yes"),
        ("study.yaml", 6, "targets.raters_per_pair"),
        "must be a whole number, found True (true/false)",
    ),
    (
        "rater-target-zero",
        _yaml("raters_per_pair: 2", "raters_per_pair: 0"),
        ("study.yaml", 6, "targets.raters_per_pair"),
        "must be at least 1 rater per pair; found 0",
    ),
    (
        "likert-one-point",
        _yaml("likert_points: 5", "likert_points: 1"),
        ("study.yaml", 4, "rating.likert_points"),
        "must be between 2 and 11 points; found 1",
    ),
    (
        "preference-points-4",
        _yaml("likert_points: 5", "preference_points: 4"),
        ("study.yaml", 4, "rating.preference_points"),
        "must be 3 (A / tie / B) or 5",
    ),
    (
        "section-not-mapping",
        _yaml("targets:\n  raters_per_pair: 2\n", "targets: 5\n"),
        ("study.yaml", 5, "targets"),
        "must be a section of indented `key: value` lines, found '5'",
    ),
    (
        "duplicate-key",
        _yaml_text(STUDY_YAML + "title: Again\n"),
        ("study.yaml", 11, "title"),
        "the key appears twice (first on line 1)",
    ),
    (
        "listen-fraction",
        _yaml("attention_checks: 0", "min_listen_fraction: 1.5"),
        ("study.yaml", 8, "quality.min_listen_fraction"),
        "must be a fraction between 0 and 1",
    ),
    (
        "reason-mode",
        _yaml("likert_points: 5", "reason: sometimes"),
        ("study.yaml", 4, "rating.reason"),
        "must be one of off, optional, required",
    ),
    (
        "redirect-not-url",
        _yaml("code: TEST", "redirect_url: prolific.com/done"),
        ("study.yaml", 10, "completion.redirect_url"),
        "must be a web address starting with https://",
    ),
    (
        "completion-code-empty",
        _yaml("code: TEST", 'code: ""'),
        ("study.yaml", 10, "completion.code"),
        "must not be empty",
    ),
    (
        "title-number",
        _yaml("title: Test study", "title: 2026"),
        ("study.yaml", 1, "title"),
        "must be text (put it in quotes if it looks like a number or a date), found 2026 (a number)",
    ),
    # --- conversations.jsonl ---
    (
        "conversations-missing",
        lambda r: (r / "conversations.jsonl").unlink(),
        ("conversations.jsonl", None, None),
        "the file is missing; list the conversations in conversations.jsonl",
    ),
    (
        "jsonl-and-csv",
        lambda r: (r / "conversations.csv").write_text(CSV_OK),
        ("conversations.csv", None, None),
        "both conversations.jsonl and conversations.csv exist",
    ),
    ("jsonl-empty", _lines(""), ("conversations.jsonl", None, None), "the file lists no conversations"),
    (
        "jsonl-bad-json",
        _lines(BASE_CONVERSATIONS[0], '{"id": "c2", "scenario": "s1",'),
        ("conversations.jsonl", 2, None),
        "not valid JSON (Expecting property name enclosed in double quotes at column 31)",
    ),
    ("jsonl-not-object", _lines("[1, 2]"), ("conversations.jsonl", 1, None), "must be one JSON object like"),
    (
        "conversation-key-misspelt",
        _edit(2, lambda r: r.update(scenaro=r.pop("scenario"))),
        ("conversations.jsonl", 3, "scenaro"),
        "unknown key 'scenaro' (did you mean 'scenario'?)",
    ),
    (
        "id-missing",
        _edit(0, lambda r: r.pop("id")),
        ("conversations.jsonl", 1, "id"),
        "the key 'id' is missing; add it",
    ),
    (
        "id-number",
        _edit(0, lambda r: r.update(id=7)),
        ("conversations.jsonl", 1, "id"),
        "must be non-empty text, found 7",
    ),
    (
        "turns-empty",
        _edit(3, lambda r: r.update(turns=[])),
        ("conversations.jsonl", 4, "turns"),
        "must be a non-empty list of turns",
    ),
    (
        "turn-key-misspelt",
        _edit(0, lambda r: r["turns"][1].update(adio=r["turns"][1].pop("audio"))),
        ("conversations.jsonl", 1, "turns[1].adio"),
        "unknown key 'adio' (did you mean 'audio'?)",
    ),
    (
        "role-misspelt",
        _edit(1, lambda r: r["turns"][1].update(role="assistent")),
        ("conversations.jsonl", 2, "turns[1].role"),
        "must be 'user' or 'assistant', found \"assistent\" (did you mean 'assistant'?)",
    ),
    (
        "text-not-string",
        _edit(1, lambda r: r["turns"][0].update(text=["hi"])),
        ("conversations.jsonl", 2, "turns[0].text"),
        "must be the transcript as text (or left out)",
    ),
    (
        "gold-bad-not-bool",
        _edit(1, lambda r: r.update(gold_bad="yes")),
        ("conversations.jsonl", 2, "gold_bad"),
        'must be true or false, found "yes"',
    ),
    (
        "duplicate-id",
        _edit(3, lambda r: r.update(id="c2")),
        ("conversations.jsonl", 4, "id"),
        "the id 'c2' is already used on line 2; give each conversation its own id",
    ),
    (
        "no-assistant-turn",
        _edit(2, lambda r: r["turns"][1].update(role="user")),
        ("conversations.jsonl", 3, "turns"),
        "conversation 'c3' has no assistant turn",
    ),
    (
        "scenario-single-model",
        _lines(*BASE_CONVERSATIONS, conversation("c5", "s3", "ma", "u1.wav", "a1.wav")),
        ("conversations.jsonl", 5, "scenario"),
        "scenario 's3' has conversations of one model only ('ma'); pairwise rating needs two or more models",
    ),
    (
        "model-twice-in-scenario",
        _lines(*BASE_CONVERSATIONS, conversation("c5", "s1", "ma", "u1.wav", "a3.wav")),
        ("conversations.jsonl", 5, "model"),
        "model 'ma' already has conversation 'c1' (line 1) for scenario 's1'",
    ),
    (
        "gold-bad-alone",
        _lines(*BASE_CONVERSATIONS, conversation("g1", "s9", "check", "u1.wav", "a1.wav", gold_bad=True)),
        ("conversations.jsonl", 5, "scenario"),
        "gold_bad conversation 'g1' has scenario 's9', which has no regular conversation to pair it with",
    ),
    # --- audio ---
    (
        "audio-missing",
        _edit(1, lambda r: r["turns"][1].update(audio="audio/nope.wav")),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/nope.wav does not exist; check the path (relative to the study folder) or add the file",
    ),
    (
        "audio-zero-bytes",
        _audio("empty.wav", lambda p: p.write_bytes(b"")),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/empty.wav is empty (0 bytes)",
    ),
    (
        "audio-no-frames",
        _audio("silent.wav", lambda p: write_wav(p, seconds=0)),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/silent.wav has no sound (duration 0 s)",
    ),
    (
        "audio-unreadable",
        _audio("noise.wav", lambda p: p.write_bytes(b"RIFF" + bytes(range(256)) * 4)),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/noise.wav cannot be read as WAV audio (the file is damaged or not audio)",
    ),
    (
        "audio-unsupported",
        _audio("clip.aac", lambda p: p.write_bytes(b"\xff\xf1" + bytes(200))),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/clip.aac: '.aac' is not a supported audio format; use .wav, .ogg, .opus, .mp3, .flac",
    ),
    (
        "audio-wrong-extension",
        _audio("opus.wav", lambda p: shutil.copy(next((demo_study_path() / "audio").glob("*.ogg")), p)),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/opus.wav holds Ogg audio, not WAV; rename or convert it",
    ),
    (
        "audio-folder",
        _audio("folder.wav", lambda p: p.mkdir()),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "audio/folder.wav is a folder, not an audio file",
    ),
    (
        "audio-outside",
        _edit(1, lambda r: r["turns"][1].update(audio="../elsewhere/a.wav")),
        ("conversations.jsonl", 2, "turns[1].audio"),
        "'../elsewhere/a.wav' points outside the study folder",
    ),
    # --- conversations.csv ---
    (
        "csv-column-missing",
        _csv(CSV_OK.replace(",audio,", ",")),
        ("conversations.csv", 1, "audio"),
        "the column 'audio' is missing; add it to the header row",
    ),
    (
        "csv-column-misspelt",
        _csv(CSV_OK.replace(",text\n", ",transcript\n", 1)),
        ("conversations.csv", 1, "transcript"),
        "unknown column 'transcript'",
    ),
    (
        "csv-turn-not-number",
        _csv(CSV_OK.replace("c2,s1,mb,2,", "c2,s1,mb,second,")),
        ("conversations.csv", 5, "turn"),
        "must be a whole number (1, 2, …), found 'second'",
    ),
    (
        "csv-scenario-disagrees",
        _csv(CSV_OK.replace("c2,s1,mb,2,", "c2,s2,mb,2,")),
        ("conversations.csv", 5, "scenario"),
        "conversation 'c2' has scenario 's1' on line 4 but 's2' here",
    ),
    (
        "csv-turn-twice",
        _csv(CSV_OK.replace("c2,s1,mb,2,", "c2,s1,mb,1,")),
        ("conversations.csv", 5, "turn"),
        "conversation 'c2' already has turn 1 on line 4",
    ),
    (
        "csv-extra-cells",
        _csv(CSV_OK.replace("hey\n", "hey, there,friend\n")),
        ("conversations.csv", 5, None),
        "the row has 9 cells but the header has 7",
    ),
    (
        "csv-role-misspelt",
        _csv(CSV_OK.replace(",2,assistant,audio/a2", ",2,Assistant,audio/a2")),
        ("conversations.csv", 5, "role"),
        "must be 'user' or 'assistant', found 'Assistant' (did you mean 'assistant'?)",
    ),
]


@pytest.mark.parametrize("case_id,mutate,where,fragment", CASES, ids=[c[0] for c in CASES])
def test_malformed_study_gets_its_own_problem(study_dir, case_id, mutate, where, fragment):
    mutate(study_dir)
    problems = validate_study(study_dir)
    matching = [p for p in problems if fragment in p.message]
    assert matching, f"no problem says {fragment!r}; found:\n" + "\n".join(map(str, problems))
    assert (matching[0].file, matching[0].line, matching[0].field) == where, str(matching[0])
    with pytest.raises(StudyValidationError) as info:
        load_study(study_dir)
    assert str(matching[0]) in str(info.value)


def test_there_are_at_least_25_distinct_cases():
    assert len(CASES) >= 25
    assert len({c[3] for c in CASES}) == len(CASES)


def test_the_base_study_is_valid(study_dir):
    assert validate_study(study_dir) == []
    study = load_study(study_dir)
    assert study.models == ("ma", "mb")
    assert len(study.pairs) == 2


def test_every_problem_is_reported_at_once(study_dir):
    _yaml("scheme: pairwise", "scheme: ranking")(study_dir)
    _edit(3, lambda r: r["turns"][1].update(audio="audio/gone.wav"))(study_dir)
    (study_dir / "audio" / "u1.wav").write_bytes(b"")
    problems = validate_study(study_dir)
    text = "\n".join(map(str, problems))
    assert "study.yaml line 3 (rating.scheme): must be one of" in text
    assert "conversations.jsonl line 4 (turns[1].audio): audio/gone.wav does not exist" in text
    # u1.wav is used by two conversations: each use is reported, each with its own line.
    assert "conversations.jsonl line 1 (turns[0].audio): audio/u1.wav is empty (0 bytes)" in text
    assert "conversations.jsonl line 2 (turns[0].audio): audio/u1.wav is empty (0 bytes)" in text
    assert len(problems) == 4
    with pytest.raises(StudyValidationError) as info:
        load_study(study_dir)
    message = str(info.value)
    assert message.startswith(f"the study in {study_dir} has 4 problems; fix them and run `humans validate")
    assert all(str(p) in message for p in problems)
    assert info.value.problems == tuple(problems)


def test_single_model_scenario_is_fine_for_likert_only(study_dir):
    _yaml("scheme: pairwise", "scheme: likert")(study_dir)
    _lines(*BASE_CONVERSATIONS, conversation("c5", "s3", "ma", "u1.wav", "a1.wav"))(study_dir)
    assert validate_study(study_dir) == []


def test_a_study_folder_that_does_not_exist(tmp_path):
    from analysis.errors import HumansError

    with pytest.raises(HumansError, match=r"nowhere does not exist; give the folder that holds study.yaml"):
        load_study(tmp_path / "nowhere")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file, so an unreadable file cannot be made")
def test_unreadable_audio(study_dir):
    path = study_dir / "audio" / "a2.wav"
    path.chmod(0)
    problems = validate_study(study_dir)
    assert any("audio/a2.wav cannot be read (Permission denied)" in p.message for p in problems)


def test_problem_str_names_file_line_and_field():
    assert str(Problem("study.yaml", 3, "rating.scheme", "bad")) == "study.yaml line 3 (rating.scheme): bad"
    assert str(Problem("conversations.jsonl", None, None, "missing")) == "conversations.jsonl: missing"


def test_attention_checks_without_gold_conversations_are_valid(study_dir):
    # The scheduler generates checks (assistant turns silenced) when the study marks no gold_bad conversation.
    _yaml("attention_checks: 0", "attention_checks: 2")(study_dir)
    study = load_study(study_dir)
    assert study.config.quality.attention_checks == 2
    assert not any(c.gold_bad for c in study.conversations)
