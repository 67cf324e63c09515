"""The study-quality keys of study.yaml: headphone screening, questionnaires, aspects, re-shows, screen-out codes.

A full valid file reads into the config objects (and through the store's JSON round trip unchanged); each mistake
is one problem naming the line, the dotted field (with the item's position in a list) and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation_app.store.config_json import config_from_json, config_to_json
from annotation_app.study import load_study, validate_study
from annotation_app.study.model import Aspect, Question

FULL = """\
title: Test study
rating:
  scheme: pairwise
  aspects:
    - name: content
      question: Which assistant said more useful things?
    - name: naturalness
      question: Which voice sounds more natural?
quality:
  attention_checks: 0
  headphone_check: antiphase
  headphone_trials: 4
  headphone_pass: 3
  consistency_repeats: 2
  min_consistency: 0.5
completion:
  code: TEST
  screen_out_code: SCREENED
  screen_out_redirect_url: https://app.prolific.com/submissions/complete?cc=SCREENED
  no_consent_code: NOCONSENT
questionnaire:
  before:
    - name: native_language
      type: choice
      text: What is your native language?
      options: [English, German, Other]
    - name: age
      type: number
      text: How old are you?
      min: 18
      max: 99
      required: false
    - name: devices
      type: multi
      text: Which voice assistants have you used?
      options: [Alexa, Siri, Google, none]
  after:
    - name: effort
      type: likert
      text: How hard was the task?
      points: 7
      low_label: very easy
      high_label: very hard
    - name: comments
      type: text
      text: Anything else?
      required: false
      max_chars: 300
"""


def _write(study_dir: Path, text: str) -> None:
    (study_dir / "study.yaml").write_text(text, encoding="utf-8")


def test_full_file_reads_into_the_config_and_round_trips(study_dir):
    _write(study_dir, FULL)
    config = load_study(study_dir).config
    assert config.rating.aspects == (
        Aspect("content", "Which assistant said more useful things?"),
        Aspect("naturalness", "Which voice sounds more natural?"),
    )
    q = config.quality
    assert (q.headphone_check, q.headphone_trials, q.headphone_pass) == ("antiphase", 4, 3)
    assert (q.consistency_repeats, q.min_consistency) == (2, 0.5)
    assert config.completion.screen_out_code == "SCREENED" and config.completion.no_consent_code == "NOCONSENT"
    before = config.questionnaire.before
    assert before[0] == Question("native_language", "choice", "What is your native language?",
                                 options=("English", "German", "Other"))  # fmt: skip
    assert (before[1].min, before[1].max, before[1].required) == (18.0, 99.0, False)
    after = config.questionnaire.after
    assert (after[0].points, after[0].low_label, after[1].max_chars) == (7, "very easy", 300)
    assert config_from_json(config_to_json(config)) == config


def test_defaults_keep_the_content_hash_of_older_studies(study_dir):
    """A study that uses none of the new keys hashes as before they existed (its database still opens)."""
    before = load_study(study_dir).content_hash
    _write(study_dir, (study_dir / "study.yaml").read_text() + "questionnaire:\n  before: []\n")
    assert load_study(study_dir).content_hash == before
    _write(study_dir, FULL)
    assert load_study(study_dir).content_hash != before


def _replace(old: str, new: str) -> str:
    assert old in FULL, old
    return FULL.replace(old, new, 1)


_NOT_A_LIST = FULL.replace(FULL[FULL.index("  aspects:") : FULL.index("quality:")], "  aspects: content\n")

#: id, study.yaml text, (line, field), fragment of the message.
CASES = [
    ("check-unknown", _replace("headphone_check: antiphase", "headphone_check: hugins"),
     (11, "quality.headphone_check"),
     "must be one of off, antiphase, huggins (did you mean 'huggins'?)"),
    ("pass-above-trials", _replace("headphone_pass: 3", "headphone_pass: 5"), (13, "quality.headphone_pass"),
     "is 5 but there are only 4 headphone trials"),
    ("trials-zero", _replace("headphone_trials: 4", "headphone_trials: 0"), (12, "quality.headphone_trials"),
     "must be between 1 and 20 trials"),
    ("repeats-negative", _replace("consistency_repeats: 2", "consistency_repeats: -1"),
     (14, "quality.consistency_repeats"), "must be between 0 and 20 re-shown pairs"),
    ("consistency-share", _replace("min_consistency: 0.5", "min_consistency: 75"), (15, "quality.min_consistency"),
     "must be a share between 0 and 1"),
    ("screen-out-url", _replace("https://app.prolific.com/submissions/complete?cc=SCREENED", "app.prolific.com"),
     (19, "completion.screen_out_redirect_url"), "must be a web address starting with https://"),
    ("no-consent-blank", _replace("no_consent_code: NOCONSENT", 'no_consent_code: " "'),
     (20, "completion.no_consent_code"), "must not be blank"),
    ("aspect-bad-name", _replace("name: naturalness", "name: Natural ness"), (7, "rating.aspects[2].name"),
     "must be a short lower-case name"),
    ("aspect-overall", _replace("name: naturalness", "name: overall"), (7, "rating.aspects[2].name"),
     "the name 'overall' is already used by the overall preference"),
    ("aspect-no-question", _replace("      question: Which voice sounds more natural?\n", ""),
     (None, "rating.aspects[2].question"), "the key is missing"),
    ("aspect-unknown-key", _replace("more natural?\n", "more natural?\n      weight: 2\n"),
     (9, "rating.aspects[2].weight"), "unknown key 'weight'; the keys are: name, question"),
    ("aspects-not-list", _NOT_A_LIST, (4, "rating.aspects"),
     "must be a list of items"),
    ("question-type", _replace("type: multi", "type: multiple"), (34, "questionnaire.before[3].type"),
     "must be one of choice, multi, likert, number, text (did you mean 'multi'?)"),
    ("choice-one-option", _replace("options: [English, German, Other]", "options: [English]"),
     (26, "questionnaire.before[1].options"), "needs a list of at least two options"),
    ("choice-repeated-option", _replace("options: [English, German, Other]", "options: [English, English]"),
     (26, "questionnaire.before[1].options"), "the options must all differ"),
    ("number-min-max", _replace("max: 99", "max: 10"), (31, "questionnaire.before[2].max"),
     "must be more than min (18.0); found 10.0"),
    ("likert-points", _replace("points: 7", "points: 12"), (41, "questionnaire.after[1].points"),
     "must be between 2 and 11 points; found 12"),
    ("key-of-other-type", _replace("      max_chars: 300\n", "      max_chars: 300\n      options: [a, b]\n"),
     (49, "questionnaire.after[2].options"), "does not apply to a question of type text"),
    ("required-not-bool", _replace("required: false\n    - name: devices", "required: maybe\n    - name: devices"),
     (32, "questionnaire.before[2].required"), "must be true or false, found 'maybe'"),
    ("same-name-twice", _replace("name: comments", "name: age"), (37, "questionnaire.after[2].name"),
     "the name 'age' is already used in questionnaire.before"),
    ("duplicate-in-list", _replace("name: devices", "name: age"), (33, "questionnaire.before[3].name"),
     "the name 'age' is already used by questionnaire.before[2]"),
    ("questionnaire-key", _replace("  after:", "  afterwards:"), (37, "questionnaire.afterwards"),
     "unknown key 'afterwards' (did you mean 'after'?)"),
]  # fmt: skip


@pytest.mark.parametrize("case_id,text,where,fragment", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_one_located_problem(study_dir, case_id, text, where, fragment):
    _write(study_dir, text)
    problems = validate_study(study_dir)
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert (problem.file, problem.line, problem.field) == ("study.yaml", *where), str(problem)
    assert fragment in problem.message, problem.message


def test_a_bare_off_means_off_not_false(study_dir):
    """YAML 1.1 reads `off` as false; the key still gets the word the documentation uses."""
    _write(study_dir, _replace("headphone_check: antiphase", "headphone_check: off"))
    assert load_study(study_dir).config.quality.headphone_check == "off"


def test_init_example_full_validates_and_turns_everything_on(tmp_path):
    from click.testing import CliRunner

    from annotation_app.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["init", "--example", "full", str(tmp_path / "full")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["validate", str(tmp_path / "full")])
    assert result.exit_code == 0, result.output
    assert "headphones     antiphase test, 5 of 6 to pass" in result.output
    assert "questionnaire  5 questions before, 3 after" in result.output
    assert "aspects        content, naturalness, turn_taking" in result.output
    config = load_study(tmp_path / "full").config
    assert {q.type for q in config.questionnaire.before + config.questionnaire.after} == {
        "choice", "multi", "likert", "number", "text"
    }  # fmt: skip
    assert config.completion.screen_out_code and config.completion.no_consent_code
    assert config.quality.consistency_repeats == 2
    bad = runner.invoke(cli, ["init", "--example", "fancy", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "'fancy' is not one of 'demo', 'full'" in bad.output


def test_the_demo_keeps_the_hash_it_had_before_the_new_keys():
    """Databases of the demo made before questionnaire, aspects, headphone, re-show, screen-out and ui_text keys
    existed still open: the hash (taken on main at 0591997, before these keys) is unchanged."""
    from annotation_app.study import demo_study_path

    assert load_study(demo_study_path()).content_hash.startswith("002f46b001f592dd")
