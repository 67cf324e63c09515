"""The SQLite store (through sqlite-utils): schema, migrations, and every read and write of study data."""

from annotation_app.store.errors import StoreError, StudyChanged
from annotation_app.store.schema import SCHEMA_VERSION
from annotation_app.store.store import GoldItem, SchedulingReader, Store

__all__ = ["SCHEMA_VERSION", "GoldItem", "SchedulingReader", "Store", "StoreError", "StudyChanged"]
