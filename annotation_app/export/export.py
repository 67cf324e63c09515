"""``export(db, format, out)``: a study database to a preference dataset on disk (the API of ``humans export``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import HumansError
from annotation_app.export.hf import write_hf
from annotation_app.export.tables import StudyExport, read_export
from annotation_app.export.writers import FILE_FORMATS, write_audio_files, write_table
from annotation_app.store import Store

__all__ = ["FORMATS", "ExportResult", "default_out", "export", "votes_frame"]

#: Export formats: three single-file formats and a Hugging Face dataset folder.
FORMATS = ("csv", "jsonl", "parquet", "hf")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote: the files, and the rows of each table (``{"votes": n, ...}``)."""

    paths: list[Path]
    rows: dict[str, int]
    export: StudyExport


def default_out(db: str | Path, fmt: str) -> Path:
    """Where an export goes without ``--out``: beside the database, ``<db stem>-export.<ext>`` (a folder for hf)."""
    db = Path(db)
    if fmt == "hf":
        return db.with_name(f"{db.stem}-hf")
    return db.with_name(f"{db.stem}-export{FILE_FORMATS[fmt][1]}")


def _pairs_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-preference-pairs{out.suffix}")


def export(
    db: str | Path,
    format: str = "csv",
    out: str | Path | None = None,
    include_flagged: bool = False,
    include_checks: bool = False,
    with_audio: bool = False,
) -> ExportResult:
    """Export a study database as a preference dataset.

    Parameters
    ----------
    db : path
        The study's SQLite database.
    format : {"csv", "jsonl", "parquet", "hf"}, default "csv"
        File format, or ``hf`` for a Hugging Face dataset folder (Parquet + dataset card).
    out : path, optional
        The file (or, for ``hf``, the folder) to write; default beside the database (:func:`default_out`).
        For pairwise studies the chosen/rejected table goes beside it as ``<out stem>-preference-pairs.<ext>``.
    include_flagged : bool, default False
        Keep the votes of flagged raters (marked in ``rater_flagged``).
    include_checks : bool, default False
        Also export attention-check and practice answers (marked in ``kind``).
    with_audio : bool, default False
        Add each conversation's audio (one Ogg/Opus file per conversation, as heard), its turn start times and its
        transcript (:mod:`annotation_app.export.audio`). In ``hf`` the audio is embedded (the Audio feature); in
        the other formats the files go to an ``audio/`` folder beside ``out`` and the columns hold relative paths.

    Returns
    -------
    ExportResult

    Raises
    ------
    HumansError
        Unknown format, missing or foreign database, unwritable output.
    """
    if format not in FORMATS:
        raise HumansError(f"format is {format!r}; use one of {', '.join(FORMATS)}.")
    with Store.open_existing(db) as store:
        data = read_export(store, include_flagged=include_flagged, include_checks=include_checks, with_audio=with_audio)
    target = Path(out) if out is not None else default_out(db, format)
    if format == "hf":
        paths = write_hf(data, target)
    else:
        if target.is_dir():
            raise HumansError(f"{target} is a folder; give --out a file name such as votes.{format}.")
        paths = [write_table(data.main, target, format)]
        if data.preferences is not None:
            paths.append(write_table(data.preferences, _pairs_path(target), format))
        if with_audio:
            for table in data.tables:
                paths += [p for p in write_audio_files(table, target.parent) if p not in paths]
    return ExportResult(paths, {t.name: len(t) for t in data.tables}, data)


def votes_frame(db: str | Path, *, include_flagged: bool = False) -> pd.DataFrame:
    """The exported votes of a study database as a DataFrame (what ``humans export --format csv`` writes).

    This is the comparisons table of :func:`analysis.bradley_terry.bt_scores` (``model_a``, ``model_b``,
    ``winner``, ``rater``, ``scenario``, ``left``, ...), so scores from the database and from the exported CSV agree.
    """
    with Store.open_existing(db) as store:
        data = read_export(store, include_flagged=include_flagged)
    return data.main.to_frame()
