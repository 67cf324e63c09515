"""Preference datasets out of a study database: votes in long format, preference pairs, a dataset card."""

from annotation_app.export.columns import PAIR_COLUMNS, PREFERENCE_COLUMNS, RATING_COLUMNS, Column
from annotation_app.export.export import FORMATS, ExportResult, default_out, export, raters_frame, votes_frame
from annotation_app.export.hf import dataset_card, write_hf
from annotation_app.export.tables import ExportTable, StudyExport, pseudonym, read_export, study_slug

__all__ = [
    "FORMATS",
    "PAIR_COLUMNS",
    "PREFERENCE_COLUMNS",
    "RATING_COLUMNS",
    "Column",
    "ExportResult",
    "ExportTable",
    "StudyExport",
    "dataset_card",
    "default_out",
    "export",
    "pseudonym",
    "raters_frame",
    "read_export",
    "study_slug",
    "votes_frame",
    "write_hf",
]
