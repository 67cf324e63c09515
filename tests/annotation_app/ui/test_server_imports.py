"""What a server process imports: the rater app and the dashboard without the report builder's heavy parts.

Every `humans serve` worker pays the resident memory of what it imports (issue 15: one process under 500 MB with
1,000 raters). scikit-learn and the selection methods are only needed by `humans select` and `humans report`,
matplotlib only once the dashboard draws its figures.
"""

from __future__ import annotations

import subprocess
import sys

SERVER_MODULES = "annotation_app.app, annotation_app.ui.admin_server, annotation_app.cli.serve"


def _imported(code: str) -> set[str]:
    probe = f"import sys, {SERVER_MODULES}\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_a_server_process_starts_without_scikit_learn_or_matplotlib():
    imported = _imported("")
    assert {"gradio", "annotation_app", "pandas"} <= imported  # the probe did import the server
    assert not {"sklearn", "matplotlib"} & imported


def test_the_report_builder_still_imports_what_it_needs_on_first_use():
    imported = _imported("from analysis.report import build_report, read_selection_results")
    assert {"sklearn", "matplotlib"} <= imported
