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
from phenomena_catalog.extras import MissingExtra
from phenomena_catalog.importers import (
    awesome,
    bibtex,
    dokuwiki,
    markdown_items,
    markdown_links,
    markdown_table,
    venue_lines,
)
from phenomena_catalog.importers.base import ImportedEntry, ParsedList, Skipped
from phenomena_catalog.importers.sanity import check_entries

FORMATS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (awesome, markdown_links, venue_lines, dokuwiki, bibtex, markdown_table, markdown_items)
}
"""Every known list format by name, in the order detection breaks ties."""

MIN_SCORE = 0.3
"""Below this detection score a file is not taken for a list of papers at all."""

CLEARLY_MORE = 1.25
"""Detection trusts a format's signature (its ``detect`` score) unless another format's parser
reads this many times as many importable papers from the same text: a list that merely quotes
``[[code]]`` or a BibTeX block is not an awesome list or a BibTeX file."""

__all__ = ["FORMATS", "ImportedEntry", "ParsedList", "Skipped", "detect_format", "read_list"]


def importable(parsed: ParsedList) -> int:
    """How many entries of a parsed list could become records (they have a title and a year)."""
    return sum(entry.year is not None for entry in parsed.entries)


def detect_format(text: str, shown: str) -> tuple[ModuleType, ParsedList]:
    """The format that reads ``text`` best, and what it read; a UserError when none does.

    Every format whose signature scores at least ``MIN_SCORE`` parses the text; the best signature
    wins unless another parser reads clearly more papers (``CLEARLY_MORE``).
    """
    scores = sorted(((module.detect(text), -index, name) for index, (name, module) in enumerate(FORMATS.items())),
                    reverse=True)
    candidates = [(score, name) for score, _, name in scores if score >= MIN_SCORE]
    if not candidates:
        raise UserError([Problem(shown, None, "", "this does not look like a list of papers in any known "
                                 f"format ({', '.join(FORMATS)}); pass --format to say which it is")])
    missing: list[MissingExtra] = []
    parsed = {name: _parse(FORMATS[name], text, shown, missing) for _, name in candidates}
    first = candidates[0][1]
    best = max(parsed, key=lambda name: (importable(parsed[name]), name == first))
    if missing and importable(parsed[best]) == 0:
        raise missing[0]  # the format that fits needs an optional library: say which to install
    if importable(parsed[best]) > CLEARLY_MORE * importable(parsed[first]):
        return FORMATS[best], parsed[best]
    return FORMATS[first], parsed[first]


def _parse(module: ModuleType, text: str, shown: str, missing: list[MissingExtra]) -> ParsedList:
    try:
        parsed: ParsedList = module.parse(text, shown)
        return parsed
    except MissingExtra as err:
        missing.append(err)
        return ParsedList(name="")
    except UserError:
        return ParsedList(name="")


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
    if format_name:
        module = FORMATS[format_name]
        parsed = module.parse(text, shown)
    else:
        module, parsed = detect_format(text, shown)
    if parsed.read == 0:
        raise UserError([Problem(shown, None, "", f"no entries found when reading it as a '{module.NAME}' list")])
    if importable(parsed) == 0 and not parsed.entries:
        # Nothing to import means the format does not fit (or the file lists no papers): say so
        # and write nothing, rather than report success.
        why = "; ".join(f"{count} {reason}" for reason, count in _reasons(parsed.skipped))
        raise UserError([Problem(shown, None, "", f"no paper could be read from it as a '{module.NAME}' list; "
                                 f"{parsed.read} entries skipped ({why})")])
    parsed.warnings = check_entries(parsed)
    name = source or parsed.name
    parsed.name = name
    parsed.entries = [dataclasses.replace(entry, source=name) for entry in parsed.entries]
    return module.NAME, parsed


def _reasons(skipped: list[Skipped]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in skipped:
        counts[item.reason] = counts.get(item.reason, 0) + 1
    return sorted(counts.items(), key=lambda pair: -pair[1])[:3]
