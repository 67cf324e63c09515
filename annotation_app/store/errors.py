"""Errors of the store (each a :class:`~analysis.errors.HumansError` with a message fit for the user)."""

from __future__ import annotations

from analysis.errors import HumansError

__all__ = ["StoreError", "StudyChanged"]


class StoreError(HumansError):
    """The database cannot be used as asked (wrong file, newer schema, no study imported)."""


class StudyChanged(StoreError):
    """A study with different content was imported into a database that already holds votes."""
