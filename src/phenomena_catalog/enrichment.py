"""Enrichment rules: what arXiv and OpenAlex say of a paper -> the fields to set in its record.

Pure: the ``enrich`` command does the asking and the writing. Only abstract-free metadata is ever
set, and only these fields (title, year, topics, keywords, links and digest stay the curators'):

- ``authors``: arXiv's list first (the authors' own), then OpenAlex's.
- ``month``: arXiv's first-version date, else OpenAlex's publication date; only when its year is the
  record's year (a record's month is that of its first publication).
- ``venue``: a preprint's published venue: OpenAlex's (a journal's name, a conference's name and
  year) first, else arXiv's journal reference.
- ``doi``: the published version's DOI, from arXiv then OpenAlex (never arXiv's own 10.48550 DOIs).
- ``arxiv``: the arXiv version OpenAlex lists with the work.

A field the record already has is never changed unless ``force`` is given: a value in a record was
set by a person or by an import they reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from phenomena_catalog.importers.arxiv import ArxivPaper
from phenomena_catalog.importers.openalex import OpenAlexWork
from phenomena_catalog.models import PaperRecord
from phenomena_catalog.same_paper import normalized_title

ENRICHED_FIELDS = ("authors", "month", "venue", "doi", "arxiv")
"""The fields ``enrich`` may fill, in the record format's order."""

ENRICHED_KINDS = ("paper", "book", "thesis")
"""Kinds of record the scholarly sources know; blog posts, talks and reading lists are not asked about."""

ARXIV = "arXiv"
OPENALEX = "OpenAlex"
_PREFERRED_SOURCES = {"venue": (OPENALEX, ARXIV)}
"""Per field, which source wins when both know it; the others take arXiv first."""


@dataclass(frozen=True)
class Found:
    """What one source says of a paper, in record terms."""

    source: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    month: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv: str | None = None


@dataclass(frozen=True)
class Change:
    """One field to set in one record, and who said so."""

    field: str
    old: Any
    new: Any
    source: str


def from_arxiv(paper: ArxivPaper) -> Found:
    """The arXiv API's answer in record terms (the date is version 1's)."""
    return Found(ARXIV, authors=paper.authors, year=paper.published.year, month=paper.published.month,
                 venue=paper.journal_ref, doi=paper.doi, arxiv=paper.arxiv_id)


def from_openalex(work: OpenAlexWork) -> Found:
    """OpenAlex's work in record terms."""
    return Found(OPENALEX, authors=work.authors, year=work.year,
                 month=work.published.month if work.published else None,
                 venue=work.venue, doi=work.doi, arxiv=work.arxiv)


def missing_fields(record: PaperRecord) -> list[str]:
    """The enrichable fields the record leaves empty (none for kinds the sources do not know)."""
    if record.kind not in ENRICHED_KINDS:
        return []
    return [name for name in ENRICHED_FIELDS if getattr(record, name) in (None, [])]


YEARS_TO_PUBLICATION = 3
"""A published version may appear up to this many years after the record's (preprint) year."""


def same_work(record: PaperRecord, work: OpenAlexWork) -> bool:
    """Whether a work found by title search is the record's paper: the same title, a plausible year,
    and no contradicting arXiv id or DOI."""
    if normalized_title(work.title) != normalized_title(record.title):
        return False
    if work.year is not None and not record.year - 1 <= work.year <= record.year + YEARS_TO_PUBLICATION:
        return False
    if record.arxiv and work.arxiv and record.arxiv != work.arxiv:
        return False
    return not (record.doi and work.doi and record.doi.lower() != work.doi.lower())


def pick_work(record: PaperRecord, works: Sequence[OpenAlexWork]) -> OpenAlexWork | None:
    """The one work of a title search that is the record's paper; None when none is, or when several
    are and the record's year does not tell them apart ("Deep learning", the 2015 article and the
    2016 book)."""
    matching = [work for work in works if same_work(record, work)]
    if len(matching) > 1:
        matching = [work for work in matching if work.year == record.year]
    return matching[0] if len(matching) == 1 else None


def plan_changes(record: PaperRecord, found: Sequence[Found], force: bool = False) -> list[Change]:
    """The fields to set in ``record`` from what the sources found, in field order."""
    changes = []
    for name in ENRICHED_FIELDS:
        current = getattr(record, name)
        if current not in (None, []) and not force:
            continue
        order = _PREFERRED_SOURCES.get(name, (ARXIV, OPENALEX))
        for source in sorted(found, key=lambda f: order.index(f.source) if f.source in order else len(order)):
            value = _value(name, source, record)
            if value is None:
                continue
            if not _same(name, value, current):
                changes.append(Change(name, current, value, source.source))
            break
    return changes


def _value(name: str, found: Found, record: PaperRecord) -> Any:
    if name == "authors":
        return list(found.authors) or None
    if name == "month":
        return found.month if found.year == record.year else None
    return getattr(found, name)


def _same(name: str, new: Any, old: Any) -> bool:
    if name == "doi" and isinstance(old, str):
        return bool(new.lower() == old.lower())
    return bool(new == old)
