"""The one error type for a user's mistake, and the problems it carries.

A user's mistake (a broken record, a missing folder, an unreadable list) ends in one line per problem
and exit code 1. Anything else is a bug in this package and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    """The file, as the user would type it (relative to the working directory where possible)."""
    line: int | None
    """1-based line of the offending key or value; None when the whole file is at fault."""
    field: str
    """Dotted path of the field (``links.code``, ``authors.2``); empty for the whole file."""
    message: str

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order problems by file, then line, so a report reads top to bottom."""
        return (self.path, self.line or 0, self.field, self.message)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class UserError(Exception):
    """A mistake in the user's input or invocation: reported as text, never as a traceback."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(path="", line=None, field="", message=problems)]
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[UserError], tuple[list[Problem]]]:
        # Raised in a build's worker process, it must reach the parent with its problems intact.
        return (UserError, (self.problems,))

    def report(self) -> str:
        """Every problem on its own line, then a count."""
        lines = [str(p).removeprefix(": ") for p in self.problems]
        if len(self.problems) > 1 or any(p.path for p in self.problems):
            lines.append(f"{counted(len(self.problems), 'problem')} found.")
        return "\n".join(lines)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, as a user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def counted(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun``, in the plural (``nouns``, default noun + "s") unless it is 1: "1 paper", "2 papers"."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
