"""``humans report`` end to end: the demo study filled by simulated raters, the nlu-test-sets selection results,
every section, one self-contained file that Chromium renders; and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.bradley_terry import bt_scores
from analysis.simulate import simulate_votes
from annotation_app.cli import cli
from annotation_app.simulate import simulate
from annotation_app.study.demo import init_study
from tests.conftest import shared_path

ALL_SECTIONS = ["leaderboard", "win-rates", "likert", "quality", "agreement", "human-vs-benchmark", "selection"]


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The demo study as pairwise+likert, filled by 16 simulated raters (two of them careless)."""
    root = init_study(tmp_path_factory.mktemp("report") / "demo")
    yaml = root / "study.yaml"
    yaml.write_text(yaml.read_text().replace("scheme: pairwise\n", "scheme: pairwise+likert\n"))
    simulate(root, raters=16, careless=0.125, seed=1)
    return root / "humans.sqlite"


@pytest.fixture(scope="module")
def nlu_selection(nlu_best, tmp_path_factory) -> tuple[Path, Path, Path]:
    """Human scores for the 18 `_best` nlu models (a simulated study whose utility follows the full score) and a
    small `humans select` run on them."""
    folder = tmp_path_factory.mktemp("nlu")
    rng = np.random.default_rng(20261128)
    full = nlu_best.full_score("macro")
    theta = 1.5 * (full - full.mean()) / full.std() + rng.normal(0, 0.4, len(full))
    votes = simulate_votes(theta, models=list(nlu_best.models), raters=30, votes_per_rater=30, seed=rng)
    bt_scores(votes).to_csv(folder / "human.csv")
    items = shared_path("nlu-test-sets")
    result = run("select", items, "--models", "_best$", "--human", folder / "human.csv", "--methods",
                 "random,stratified", "--sizes", "10,20", "--seeds", "2", "--out", folder / "sel")  # fmt: skip
    assert result.exit_code == 0, result.output
    return items, folder / "human.csv", folder / "sel"


@pytest.fixture(scope="module")
def full_report(demo_db, nlu_selection, tmp_path_factory) -> Path:
    items, human, sel = nlu_selection
    out = tmp_path_factory.mktemp("out") / "report.html"
    result = run("report", "--votes", demo_db, "--benchmark", items, "--models", "_best$", "--human", human,
                 "--select-results", sel, "--bootstrap", "200", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (7 sections")
    return out


def test_full_report_has_every_section_and_no_external_resource(full_report):
    document = full_report.read_text(encoding="utf-8")
    assert re.findall(r'<section id="([\w-]+)">', document) == ALL_SECTIONS
    assert not re.search(r'(?:src|href)="(?!data:|#)', document), "the report must be one self-contained file"
    assert document.count('src="data:image/svg+xml;base64,') == 7
    assert "roberta-large_best" in document and "helpful" in document
    assert "Subset shown: <b>" in document and "200 rounds resampling raters" in document
    # the study's title, not its slug
    assert "<h1>Which voice assistant would you rather talk to?</h1>" in document


@pytest.mark.browser
def test_chromium_renders_every_figure(full_report, tmp_path, chromium):
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    page.goto(full_report.as_uri())
    widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    headings = page.eval_on_selector_all("section h2", "hs => hs.map(h => h.textContent)")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.close()
    assert len(widths) == 7 and min(widths) > 200
    assert headings[0] == "Leaderboard" and headings[-1] == "Correlation vs subset size"
    assert (tmp_path / "report.png").stat().st_size > 50_000


def test_votes_only_report_from_an_exported_csv(demo_db, tmp_path):
    csv = tmp_path / "votes.csv"
    assert run("export", demo_db, "--out", csv).exit_code == 0
    out = tmp_path / "r.html"
    result = run("report", "--votes", csv, "--bootstrap", "0", "--out", out)
    assert result.exit_code == 0, result.output
    assert re.findall(r'<section id="([\w-]+)">', out.read_text()) == ALL_SECTIONS[:5]
    assert "Wald" in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: nothing to report; give --votes, --benchmark (with --human) or --select-results."),
        (["--votes", "{tmp}/missing.csv"], "missing.csv: no such file; check the path."),
        (["--select-results", "{tmp}/nowhere"], "nowhere: no such folder; pass the --out folder of `humans select`."),
        (["--select-results", "{tmp}"], "results.csv: not found; pass the --out folder of `humans select`"),
        (["--votes", "{tmp}/v.csv", "--out", "{tmp}/no/such/dir/r.html"], "cannot write the report"),
    ],
)
def test_errors_are_one_line_and_write_nothing(tmp_path, args, message):
    pd.DataFrame({"model_a": ["a", "b"], "model_b": ["b", "c"], "winner": ["model_a", "tie"]}).to_csv(
        tmp_path / "v.csv", index=False
    )
    result = CliRunner().invoke(cli, ["report", *(a.format(tmp=tmp_path) for a in args), "--bootstrap", "0"])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.rglob("*.html")) and not list(tmp_path.rglob("*.tmp"))
