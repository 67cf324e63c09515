"""Errors of the store (each a :class:`~analysis.errors.HumansError` with a message fit for the user)."""

from __future__ import annotations

from analysis.errors import HumansError

__all__ = ["StoreError", "StoreUnavailable", "StudyChanged"]


class StoreError(HumansError):
    """The database cannot be used as asked (wrong file, newer schema, no study imported)."""


class StudyChanged(StoreError):
    """A study with different content was imported into a database that already holds votes."""


class StoreUnavailable(StoreError):
    """The database cannot be written right now: disk full, read-only file or folder, I/O error.

    ``str(exc)`` is for the researcher (names the file and what to do); :attr:`rater_message` is what a rater
    may be shown (nothing about the server).
    """

    rater_message = (
        "Sorry, your answer could not be saved just now because of a problem on our side. Please wait a minute "
        "and submit again; your earlier answers are safe."
    )
