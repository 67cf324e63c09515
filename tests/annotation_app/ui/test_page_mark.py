"""The page mark: every stage a rater can be in shows exactly one stage column, and the stylesheets hide every
column the mark does not name (the browser tests show it on screen; these check the tables agree)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from annotation_app.page_mark import PAGES, page_mark, page_of, read_page_mark
from annotation_app.protocol import FINAL_STAGES, RATING_PHASES, Quotas, stage_flow
from annotation_app.study.model import QualityConfig, Question, QuestionnaireConfig, StudyConfig
from annotation_app.ui.quality_pages import QUALITY_CSS
from annotation_app.ui.rater_app import RATER_CSS

FULL = StudyConfig(
    title="t",
    consent="ok?",
    quality=QualityConfig(headphone_check="huggins"),
    questionnaire=QuestionnaireConfig(
        before=(Question(name="age", text="Age?", type="number"),),
        after=(Question(name="fun", text="Fun?", type="text"),),
    ),
)
EVERY_STAGE = ("id", *stage_flow(FULL, Quotas(3, 1, 1, 2, reshows=1)), *sorted(FINAL_STAGES))


@pytest.mark.parametrize("stage", EVERY_STAGE)
def test_every_stage_has_a_page(stage):
    assert page_of(stage, has_trial=True) in PAGES


@pytest.mark.parametrize("stage", [*RATING_PHASES, "reshows"])
def test_a_rating_stage_without_a_trial_shows_no_column(stage):
    assert page_of(stage, has_trial=False) == ""
    assert page_of(stage, has_trial=True) == "trial"


def test_final_stages_show_the_done_page():
    assert {page_of(stage, has_trial=False) for stage in FINAL_STAGES} == {"done"}


@pytest.mark.parametrize(("page", "elem_id"), sorted(PAGES.items()))
def test_stylesheets_hide_each_column_unless_the_mark_names_it(page, elem_id):
    css = RATER_CSS.read_text(encoding="utf-8") + QUALITY_CSS.read_text(encoding="utf-8")
    rule = re.compile(
        rf'body:not\(\[data-humans-page="{re.escape(page)}"\]\)\s+#{re.escape(elem_id)}\b[^{{]*\{{[^}}]*display:\s*none'
    )
    assert rule.search(css), f"no rule hides #{elem_id} unless the page is {page!r}"


def test_page_mark_is_one_escaped_attribute():
    assert page_mark("consent") == '<div data-humans-page="consent"></div>'
    assert page_mark('x"><script>') == '<div data-humans-page="x&quot;&gt;&lt;script&gt;"></div>'


@pytest.mark.parametrize("page", [*PAGES, "", 'x"><script>'])
def test_clients_read_back_what_the_server_marked(page):
    assert read_page_mark(page_mark(page)) == page
    assert read_page_mark("") == read_page_mark(None) == read_page_mark("<p>no mark</p>") == ""


def test_the_load_generator_reads_the_mark_without_importing_gradio():
    """``humans loadtest`` is a client: it must start fast and not load the server's UI stack (3.5 s)."""
    code = "import sys, annotation_app.loadtest; print('gradio' in sys.modules, 'annotation_app.ui' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
