"""The HTML report of a study and its benchmark (``humans report``): a pure library from DataFrames to HTML.

>>> from analysis.report import build_report, read_selection_results  # doctest: +SKIP
>>> html = build_report(votes, benchmark=data, selection=read_selection_results("sel"))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.report.build import build_report
    from analysis.selection_results import SelectionResults, read_selection_results

__all__ = ["SelectionResults", "build_report", "read_selection_results"]

#: Name -> module, imported on first use: the dashboard imports ``analysis.report.quality_sections`` alone, and
#: the report builder would bring scikit-learn and the selection methods into every server process (about 20 MB).
_LAZY = {
    "build_report": "analysis.report.build",
    "SelectionResults": "analysis.selection_results",
    "read_selection_results": "analysis.selection_results",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
