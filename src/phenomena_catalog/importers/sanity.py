"""Sanity checks on what a list parser read, before it can become a record.

A parser that misreads a list does not fail: it puts text in the wrong field. These checks catch
the misreadings seen in real lists and say so at the entry's line, instead of writing them:

- a "keyword" of many words is a sentence (a whole digest pasted after ``Key Word:``): it moves to
  the digest when the entry has none, and is dropped otherwise; a keyword page named after a
  paragraph would also need a file name longer than file systems allow;
- an "author" that holds a URL, a venue or a year is a parse error (a link or a venue line read as
  names): it is left out; one of many words is kept but reported (names run together).

Each correction is a ``Skipped`` note with the field name in its reason, listed by the import report.
"""

from __future__ import annotations

import dataclasses
import re

from phenomena_catalog.importers.base import ImportedEntry, ParsedList, Skipped, venue_in_text

MAX_KEYWORD_WORDS = 10
"""A keyword longer than this many words is a sentence ("Key Word: We study ...")."""
MAX_KEYWORD_CHARS = 80

_VENUE_WORD = re.compile(r"\b(?:ICLR|ICML|NeurIPS|NIPS|COLT|AISTATS|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|AAAI|IJCAI|"
                         r"TMLR|JMLR|arXiv|Proceedings|Conference|Journal|Workshop|Transactions)\b", re.IGNORECASE)
_URL = re.compile(r"https?:|www\.|\]\(|\.(?:com|org|io|net|pdf)\b", re.IGNORECASE)


def check_entries(parsed: ParsedList) -> list[Skipped]:
    """Correct every entry of a parsed list in place; returns one note per correction."""
    notes: list[Skipped] = []
    cleaned = []
    for entry in parsed.entries:
        entry, found = check_entry(entry)
        cleaned.append(entry)
        notes += found
    parsed.entries = cleaned
    return notes


def check_entry(entry: ImportedEntry) -> tuple[ImportedEntry, list[Skipped]]:
    """One entry with its implausible keywords and authors taken out, and a note for each."""
    notes: list[Skipped] = []
    keywords: list[str] = []
    digest = entry.digest
    for keyword in entry.keywords:
        words = len(keyword.split())
        if words <= MAX_KEYWORD_WORDS and len(keyword) <= MAX_KEYWORD_CHARS:
            keywords.append(keyword)
            continue
        if not digest:
            digest = keyword
            what = "moved to the digest"
        else:
            what = "left out (the entry has a digest)"
        notes.append(Skipped(entry.path, entry.line, _short(keyword),
                             f"keywords: a {words}-word keyword is a sentence, not a keyword; {what}"))
    authors: list[str] = []
    for author in entry.authors:
        problem = author_parse_error(author)
        if problem is None:
            authors.append(author)
        elif len(author.split()) > 6 and problem.endswith("words long"):
            # Names run together ("Jeffrey S BowersGaurav Malhotra...") are names still: kept, reported.
            authors.append(author)
            notes.append(Skipped(entry.path, entry.line, _short(author),
                                 f"authors: {problem}; several names may be run together, check it"))
        else:
            notes.append(Skipped(entry.path, entry.line, _short(author),
                                 f"authors: {problem}, so the list was misread here; left out"))
    if notes:
        entry = dataclasses.replace(entry, keywords=tuple(keywords), authors=tuple(authors), digest=digest)
    return entry, notes


def author_parse_error(author: str) -> str | None:
    """Why an imported author cannot be a person's name (it holds a URL, a venue, a year), or None."""
    if _URL.search(author):
        return "this 'author' holds a URL"
    venue, _ = venue_in_text(author)
    if venue or _VENUE_WORD.search(author):
        return "this 'author' names a venue"
    if re.search(r"\d", author):
        return "this 'author' holds a number"
    if len(author.split()) > 6:
        return f"this 'author' is {len(author.split())} words long"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57].rstrip() + "..."
