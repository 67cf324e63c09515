"""Exceptions shared by both packages.

Every error a user can cause is a :class:`HumansError` (a ``ValueError``). Its message is one sentence that
names the file, row or field, the value found and what to do. The command line prints the message on stderr
and exits 1, without a traceback.
"""

from __future__ import annotations

__all__ = ["HumansError"]


class HumansError(ValueError):
    """A mistake in the user's input or request, with a message fit to show as is."""
