"""Write an :class:`ExportTable` as CSV, JSON Lines or Parquet, atomically and byte-stably.

CSV: header row, ``\\n`` line ends, empty cell for null, ``true``/``false`` for booleans and floats with exactly
three decimals, so the same database always gives the same bytes. JSON Lines: one object per row, keys in column
order, null for missing values. Parquet: the declared types (zstd-compressed). A file appears only when it is
complete (written to a temporary name beside it, then renamed).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from analysis.errors import HumansError
from annotation_app.export.tables import ExportTable

__all__ = [
    "FILE_FORMATS",
    "atomic_path",
    "format_cell",
    "write_audio_files",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_table",
]


def format_cell(value: object, dtype: str) -> str:
    """A CSV cell: '' for None, ``true``/``false``, floats with three decimals, everything else ``str``.

    Examples
    --------
    >>> format_cell(1.5, "float64"), format_cell(None, "int64"), format_cell(True, "bool")
    ('1.500', '', 'true')
    """
    if value is None:
        return ""
    if dtype == "audio":
        return value.path
    if dtype == "list<float64>":
        return " ".join(f"{v:.3f}" for v in value)
    if dtype == "bool":
        return "true" if value else "false"
    if dtype == "float64":
        return f"{value:.3f}"
    return str(value)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds, delete it otherwise."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.touch(exist_ok=False)
    except OSError as exc:
        raise HumansError(f"{path}: cannot write here ({exc.strerror}); choose another --out.") from exc
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise HumansError(f"{path}: cannot write here ({exc.strerror}); choose another --out.") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_csv(table: ExportTable, path: Path) -> Path:
    """Write ``table`` as CSV (see the module docstring for the exact format)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([c.name for c in table.columns])
        for row in table.rows:
            writer.writerow([format_cell(row[c.name], c.dtype) for c in table.columns])
    return Path(path)


def write_jsonl(table: ExportTable, path: Path) -> Path:
    """Write ``table`` as JSON Lines (UTF-8, keys in column order)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for row in table.rows:
            record = {
                c.name: row[c.name].path if c.dtype == "audio" and row[c.name] else row[c.name] for c in table.columns
            }
            fh.write(json.dumps(record, ensure_ascii=False, allow_nan=False))
            fh.write("\n")
    return Path(path)


def write_parquet(
    table: ExportTable, path: Path, *, embed_audio: bool = False, metadata: dict[bytes, bytes] | None = None
) -> Path:
    """Write ``table`` as Parquet with the declared column types.

    ``embed_audio`` stores audio columns as ``{bytes, path}`` structs (the Hugging Face Audio layout) instead of
    relative paths; ``metadata`` is added to the Arrow schema (the ``huggingface`` features of the hf format).
    """
    arrow = table.to_arrow(embed_audio=embed_audio)
    if metadata:
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **metadata})
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp, compression="zstd")
    return Path(path)


def write_audio_files(table: ExportTable, folder: Path) -> list[Path]:
    """Write the audio files ``table`` names into ``folder`` (their paths are relative to it); returns them."""
    written = []
    for rel, data in sorted(table.audio_files().items()):
        target = Path(folder) / rel
        if not (target.is_file() and target.read_bytes() == data):
            with atomic_path(target) as tmp:
                tmp.write_bytes(data)
        written.append(target)
    return written


#: File format -> (writer, file extension).
FILE_FORMATS = {"csv": (write_csv, ".csv"), "jsonl": (write_jsonl, ".jsonl"), "parquet": (write_parquet, ".parquet")}


def write_table(table: ExportTable, path: Path, fmt: str) -> Path:
    """Write ``table`` to ``path`` in ``fmt`` (``csv``, ``jsonl`` or ``parquet``)."""
    writer, _ = FILE_FORMATS[fmt]
    return writer(table, path)
