"""The HTML report of a study and its benchmark (``humans report``): a pure library from DataFrames to HTML.

>>> from analysis.report import build_report, read_selection_results  # doctest: +SKIP
>>> html = build_report(votes, benchmark=data, selection=read_selection_results("sel"))  # doctest: +SKIP
"""

from analysis.report.build import build_report
from analysis.selection_results import SelectionResults, read_selection_results

__all__ = ["SelectionResults", "build_report", "read_selection_results"]
