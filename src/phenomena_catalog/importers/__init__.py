"""Importers: read paper lists written in other formats into ``ImportedEntry`` values.

Each format is one module exposing ``NAME``, ``DESCRIPTION``, ``detect(text) -> float`` and
``parse(text, path) -> ParsedList`` (see ``base.ListFormat``). To add a format (say BibTeX), write
``importers/bibtex.py`` with those four names and add the module to ``FORMATS`` below; the
``import`` command, its ``--format`` choices and automatic detection pick it up from there.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.importers import awesome, bibtex, dokuwiki, markdown_links, venue_lines
from phenomena_catalog.importers.base import ImportedEntry, ParsedList, Skipped

FORMATS: dict[str, ModuleType] = {
    module.NAME: module for module in (awesome, markdown_links, venue_lines, dokuwiki, bibtex)
}
"""Every known list format by name, in the order detection breaks ties."""

MIN_SCORE = 0.3
"""Below this detection score a file is not taken for a list of papers at all."""

__all__ = ["FORMATS", "ImportedEntry", "ParsedList", "Skipped", "detect_format", "read_list"]


def detect_format(text: str, shown: str) -> ModuleType:
    """The format that recognizes ``text`` best; a UserError when none does."""
    scores = sorted(((module.detect(text), -index, name) for index, (name, module) in enumerate(FORMATS.items())),
                    reverse=True)
    best, _, name = scores[0]
    if best < MIN_SCORE:
        raise UserError([Problem(shown, None, "", "this does not look like a list of papers in any known "
                                 f"format ({', '.join(FORMATS)}); pass --format to say which it is")])
    return FORMATS[name]


def read_list(path: Path, format_name: str | None = None, source: str | None = None) -> tuple[str, ParsedList]:
    """Read one list file: its format's name and everything parsed from it, each entry naming its source."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError([Problem(shown, None, "", "no such file")]) from None
    except IsADirectoryError:
        raise UserError([Problem(shown, None, "", "this is a folder; pass the list's file")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise UserError([Problem(shown, line, "", "the file is not UTF-8 text; save it as UTF-8")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UserError([Problem(shown, line, "", "the file contains binary data, not text")])
    module = FORMATS[format_name] if format_name else detect_format(text, shown)
    parsed = module.parse(text, shown)
    if not parsed.entries and not parsed.skipped:
        raise UserError([Problem(shown, None, "", f"no entries found when reading it as a '{module.NAME}' list")])
    name = source or parsed.name
    parsed.name = name
    parsed.entries = [dataclasses.replace(entry, source=name) for entry in parsed.entries]
    return module.NAME, parsed
