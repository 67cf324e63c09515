"""The SQLite store (through sqlite-utils): schema, migrations, and every read and write of study data."""

from annotation_app.store.errors import StoreError, StoreUnavailable, StudyChanged
from annotation_app.store.schema import SCHEMA_VERSION
from annotation_app.store.store import DB_FILE_NAME, GoldItem, SchedulingReader, Store, default_db_path

__all__ = [
    "DB_FILE_NAME",
    "SCHEMA_VERSION",
    "GoldItem",
    "SchedulingReader",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StudyChanged",
    "default_db_path",
]
