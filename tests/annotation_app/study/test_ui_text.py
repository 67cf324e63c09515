"""The rater page's text table: complete bundled translations, study overrides validated like every key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers.study_files import STUDY_YAML

from annotation_app.study import StudyValidationError, load_study
from annotation_app.study.ui_text import (
    LANGUAGES,
    UI_TEXT,
    allowed_placeholders,
    bundled_translation,
    check_ui_text,
    placeholders,
    ui_text,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "study-format.md"
BUNDLED = Path(__file__).resolve().parents[3] / "annotation_app" / "study"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_bundled_translation_is_complete_and_uses_only_its_placeholders(language):
    data = yaml.safe_load((BUNDLED / f"ui_text_{language}.yaml").read_text(encoding="utf-8"))
    assert set(data) == set(UI_TEXT), f"ui_text_{language}.yaml: add {sorted(set(UI_TEXT) - set(data))}"
    assert check_ui_text(data) == []
    for key, text in data.items():
        if "message" not in allowed_placeholders(key) or "{message}" not in UI_TEXT[key]:
            assert placeholders(text) == placeholders(UI_TEXT[key]), key  # a translation keeps every detail
        assert text != UI_TEXT[key] or key in {"speaker_user", "clip_seconds", "likert_side"}, key


def test_every_entry_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = [key for key in UI_TEXT if f"| `{key}` |" not in doc]
    assert not missing, f"add a row for {missing} to the ui_text table of {DOC.name}"


def test_overrides_apply_on_top_of_the_language():
    texts = ui_text({"language": "de", "submit": "Abschicken"})
    assert texts("submit") == "Abschicken"
    assert texts("progress_trial", position=3, total=10) == "Durchgang 3 von 10"
    assert ui_text()("progress_trial", position=3, total=10) == "Trial 3 of 10"
    assert texts.error("error_too_soon", "Please listen ...", {"wait_s": 4}).endswith("in 4 s noch einmal.")
    assert ui_text().error("error_too_soon", "Please listen ...", {"wait_s": 4}) == "Please listen ..."
    assert bundled_translation("de")["consent_decline"] == "Ich stimme nicht zu"


@pytest.mark.parametrize(
    "entries,field,message",
    [
        ({"submitt": "Send"}, "ui_text.submitt", "unknown text 'submitt' (did you mean 'submit'?)"),
        ({"language": "fr"}, "ui_text.language", "no bundled translation 'fr'; use one of en, de"),
        ({"submit": 3}, "ui_text.submit", "must be non-empty text, found 3"),
        (
            {"progress_trial": "{pos} / {total}"},
            "ui_text.progress_trial",
            "uses {pos}, which this text does not have; it may use {position}, {total}",
        ),
        ({"submit": "a {"}, "ui_text.submit", "has a stray brace"),
    ],
)
def test_a_bad_entry_names_line_field_and_fix(study_dir, entries, field, message):
    text = STUDY_YAML + "\n" + yaml.safe_dump({"ui_text": entries}, allow_unicode=True)
    (study_dir / "study.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StudyValidationError) as info:
        load_study(study_dir)
    problems = [p for p in info.value.problems if p.field == field]
    assert len(problems) == 1 and message in problems[0].message, info.value.problems
    assert problems[0].line == STUDY_YAML.count("\n") + 3  # the line of the entry


def test_a_valid_table_reaches_the_config(study_dir):
    text = STUDY_YAML + "\nui_text:\n  language: de\n  submit: Abschicken\n"
    (study_dir / "study.yaml").write_text(text, encoding="utf-8")
    assert load_study(study_dir).config.ui_text == {"language": "de", "submit": "Abschicken"}
