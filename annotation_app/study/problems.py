"""What validation finds: :class:`Problem` (one mistake, located) and :class:`StudyValidationError` (all of them)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import HumansError

__all__ = ["Problem", "StudyValidationError", "did_you_mean"]


@dataclass(frozen=True)
class Problem:
    """One mistake in a study folder.

    Parameters
    ----------
    file : str
        The file, relative to the study folder (``study.yaml``, ``conversations.jsonl``, ``audio/x.ogg``).
    line : int or None
        1-based line in ``file`` (the header of a CSV is line 1), or None when the mistake has no line.
    field : str or None
        The key or column, dotted for nested keys (``rating.scheme``, ``turns[2].audio``), or None.
    message : str
        What is wrong, with the value found, and what to do.
    """

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f" ({self.field})"
        return f"{where}: {self.message}"


class StudyValidationError(HumansError):
    """A study folder with one or more problems; ``problems`` lists them all, ``str()`` prints them all."""

    def __init__(self, root: Path | str, problems: Sequence[Problem]):
        self.root = Path(root)
        self.problems = tuple(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        lines = [f"the study in {self.root} has {count}; fix them and run `humans validate {self.root}` again:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice (``" (did you mean 'scheme'?)"``), or ``""`` if none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
