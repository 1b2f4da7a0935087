"""BibTeX: a researcher's own bibliography (``refs.bib``), one ``ImportedEntry`` per entry.

Parsed with bibtexparser v2 (it recovers after a broken entry and says on which line it started;
``@string`` macros are resolved); LaTeX becomes Unicode through pylatexenc, field by field and
name part by name part, so braces that protect a corporate author still keep it whole::

    @inproceedings{godel2020bert,
      title     = {On {BERT} and G{\\"o}del's {\\em Incompleteness}},
      author    = {G{\\"o}del, Kurt and Erd\\H{o}s, P{\\'a}l and {Google Brain Team}},
      booktitle = {ICLR},
      year      = 2020, month = mar,
      eprint    = {2001.01234}, archivePrefix = {arXiv},
    }

becomes ``ImportedEntry(title="On BERT and Gödel's Incompleteness", authors=("Kurt Gödel",
"Pál Erdős", "Google Brain Team"), venue="ICLR 2020", year=2020, month=1, arxiv="2001.01234",
links=(("paper", "https://arxiv.org/abs/2001.01234"),))``: the year and month are the arXiv id's
when there is one (first publication), and a venue without a year gets the entry's year.

A ``.bib`` has no sections: its entries are filed under the list's name (the file name), which
``--topics-map`` can map to topics; ``keywords = {...}`` that name a topic file the entry there too.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from phenomena_catalog import arxiv_ids
from phenomena_catalog.extras import IMPORT, require_extra
from phenomena_catalog.ids import venue_year
from phenomena_catalog.importers.base import (
    ImportedEntry,
    ParsedList,
    Skipped,
    clean_text,
    clean_title,
    combine_year,
    link_pairs,
    non_paper_reason,
    normalize_link,
)
from phenomena_catalog.models import DOI

if TYPE_CHECKING:
    from bibtexparser.model import Entry
    from pylatexenc.latex2text import LatexNodes2Text

# bibtexparser and pylatexenc come with the optional 'import' extra, so they are imported where a
# BibTeX file is read, never when the command line starts.
LIBRARIES = ("bibtexparser", "pylatexenc")

NAME = "bibtex"
DESCRIPTION = "BibTeX: '@article{key, title = {...}, author = {A and B}, ...}' entries (.bib)"

# bibtexparser logs each broken block as a warning; they are reported as skipped entries instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

_ENTRY_START = re.compile(r"^\s*@\s*(?!string\b|comment\b|preamble\b)[a-z]+\s*[{(]", re.IGNORECASE | re.MULTILINE)
_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_PREPRINT_VENUE = re.compile(r"^(?:arxiv|corr)\b|\bpreprint\b", re.IGNORECASE)
# Whole-proceedings volumes and other non-papers in a bibliography.
_NOT_PAPERS = {"proceedings": "a proceedings volume, not a paper", "book": "a book, not a paper"}


def detect(text: str) -> float:
    """BibTeX if entries start with ``@type{`` at the beginning of a line."""
    return 0.95 if _ENTRY_START.search(text) else 0.0


def parse(text: str, path: str) -> ParsedList:
    """Every entry with a title; broken entries and non-papers are reported as skipped."""
    require_extra(IMPORT, LIBRARIES, "reading BibTeX", path)
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

    library = parse_string(text)
    result = ParsedList(name=Path(path).stem)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        first = clean_text(block.raw.splitlines()[0] if block.raw else "")[:80]
        if isinstance(block, DuplicateBlockKeyBlock):
            reason = f"the key '{block.key}' is used by an earlier entry too"
        elif isinstance(block, ParsingFailedBlock):
            reason = "not valid BibTeX (check its braces and quotes)"
        else:
            reason = "could not be read"
        result.skipped.append(Skipped(path, line, first, reason))
    for entry in library.entries:
        imported = _entry(entry, path, result.name)
        if isinstance(imported, Skipped):
            result.skipped.append(imported)
        else:
            result.entries.append(imported)
    return result


def latex_to_text(value: str) -> str:
    """LaTeX markup to plain Unicode text: accents, braces, dashes, ``\\emph`` and math."""
    return clean_text(_latex().latex_to_text(value))


@functools.cache
def _latex() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def person_names(value: str) -> tuple[str, ...]:
    """BibTeX's ``Last, First and ...`` names as "First von Last Jr." in Unicode; "others" dropped."""
    from bibtexparser.middlewares.names import (
        InvalidNameError,
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    names = []
    for raw in split_multiple_persons_names(value):
        if raw.strip().lower() == "others":
            continue  # BibTeX's "et al."
        try:
            parts = parse_single_name_into_parts(raw, strict=False)
        except InvalidNameError:
            names.append(latex_to_text(raw))
            continue
        words = [*parts.first, *parts.von, *parts.last, *parts.jr]
        name = latex_to_text(" ".join(words))
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _field(entry: Entry, *keys: str) -> str:
    for key in keys:
        field = entry.fields_dict.get(key) or next(
            (f for k, f in entry.fields_dict.items() if k.lower() == key), None)
        if field is not None and str(field.value).strip():
            return str(field.value)
    return ""


def _entry(entry: Entry, path: str, list_name: str) -> ImportedEntry | Skipped:
    line = (entry.start_line or 0) + 1
    title = clean_title(latex_to_text(_field(entry, "title")))
    if not title:
        return Skipped(path, line, f"@{entry.entry_type}{{{entry.key}}}", "no title")
    if entry.entry_type.lower() in _NOT_PAPERS:
        return Skipped(path, line, title, _NOT_PAPERS[entry.entry_type.lower()])

    venue = latex_to_text(_field(entry, "booktitle", "journal", "journaltitle", "school", "institution"))
    url = _field(entry, "url")
    arxiv = _arxiv_id(entry, venue, url)
    if _PREPRINT_VENUE.search(venue):
        venue = ""  # "arXiv preprint arXiv:2201.02177" names no venue
    year_text = _field(entry, "year", "date")
    found_year = re.search(r"(?:19|20)\d\d", year_text)
    year = int(found_year.group()) if found_year else None
    month = _month(_field(entry, "month"), _field(entry, "date"))
    if venue and year and venue_year(venue) is None:
        venue = f"{venue} {year}"
    combined_year, combined_month = combine_year(arxiv, year)
    if combined_month is None and combined_year == year:
        combined_month = month

    links: list[tuple[str, str]] = []
    if arxiv:
        links.append(("paper", arxiv_ids.abs_url(arxiv)))
    doi = _doi(_field(entry, "doi"))
    for value in (url, _field(entry, "pdf")):
        if value and value.startswith(("http://", "https://")) and not non_paper_reason(value):
            link = normalize_link(value)
            links.append((link.kind, link.url))
            doi = doi or link.doi
    if doi and not any(kind == "paper" for kind, _ in links):
        links.append(("paper", f"https://doi.org/{doi}"))
    given = (clean_text(latex_to_text(k)) for k in re.split(r"[,;]", _field(entry, "keywords")))
    keywords = tuple(k for k in given if k)
    abstract = latex_to_text(_field(entry, "abstract"))
    return ImportedEntry(
        title=title, source=list_name, path=path, line=line,
        authors=person_names(_field(entry, "author")) or person_names(_field(entry, "editor")),
        year=combined_year, month=combined_month, venue=venue or None,
        links=link_pairs(links), arxiv=arxiv, doi=doi, keywords=keywords, digest=abstract or None,
    )


def _arxiv_id(entry: Entry, venue: str, url: str) -> str | None:
    """The arXiv id from ``eprint``, an arXiv ``url``, or a venue like "arXiv preprint arXiv:ID"."""
    prefix = _field(entry, "archiveprefix", "archivePrefix", "eprinttype").lower()
    eprint = _field(entry, "eprint").strip()
    if eprint and prefix in ("", "arxiv"):
        found = arxiv_ids.parse(eprint)
        if found:
            return found
    if url:
        found = arxiv_ids.id_from_url(url)
        if found:
            return found
    for text in (venue, _field(entry, "volume"), _field(entry, "note"), _field(entry, "howpublished")):
        found = arxiv_ids.find_in_text(text)
        if found:
            return found
    return None


def _doi(value: str) -> str | None:
    value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value.strip(), flags=re.IGNORECASE)
    value = value.replace("\\_", "_")
    return value if DOI.match(value) else None


def _month(month: str, date: str) -> int | None:
    text = latex_to_text(month).strip().lower().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    if text in _MONTHS:
        return _MONTHS[text]
    match = re.match(r"^\d{4}-(\d\d)", date.strip())
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 12 else None
