"""Venue-line lists: ``- Title. In *VENUE YEAR*. [[pdf](url)]`` under ``# N. Section`` headings.

::

    # 1. Learning Dynamics of GD and SGD
    - Gradient descent only converges to minimizers. In *COLT 2016*. [[pdf](http://proceedings.mlr.press/v49/lee16.pdf)]

becomes ``ImportedEntry(title="Gradient descent only converges to minimizers", venue="COLT 2016",
year=2016, links=(("pdf", "http://proceedings.mlr.press/v49/lee16.pdf"),),
sections=("Learning Dynamics of GD and SGD",))``. The section number is dropped; ``[pdf](url)]``
with a lost bracket and ``*VENUE*/`` with a stray slash are read too.
"""

from __future__ import annotations

import re

from phenomena_catalog.ids import venue_year
from phenomena_catalog.importers.base import (
    ImportedEntry,
    ParsedList,
    SectionStack,
    Skipped,
    clean_text,
    clean_title,
    combine_year,
    file_stem,
    non_paper_reason,
    normalize_link,
)

NAME = "venue-lines"
DESCRIPTION = "venue lines: '- Title. In *VENUE YEAR*. [[pdf](url)]' under '# N. Section' headings"

_HEADING = re.compile(r"^(#{1,6})\s+(?:\d+(?:\.\d+)*\.?\s+)?(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_LINK = re.compile(r"\[?\[(\w+)\]\(([^)\s]+)\)\]?")
_VENUE = re.compile(r"\bIn\s+\*([^*]+)\*\s*[./]?")


def detect(text: str) -> float:
    """Scores by the bullets that carry ``In *VENUE*`` and a ``[pdf](url)`` link."""
    bullets = re.findall(r"^\s*[-*+]\s+(.*)$", text, re.MULTILINE)
    hits = [b for b in bullets if _LINK.search(b) and (_VENUE.search(b) or re.search(r"\[pdf\]", b))]
    if not hits or re.search(r"\[\[(?:paper|code)\]", text, re.IGNORECASE):
        return 0.0
    return 0.4 + 0.6 * len(hits) / len(bullets)


def parse(text: str, path: str) -> ParsedList:
    """Every bullet with a title, venue and link; bullets outside a section are read too."""
    result = ParsedList(name="")
    stack = SectionStack()
    in_code = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), clean_text(heading.group(2))
            if not result.name and level == 1:
                result.name = title
                continue
            result.headings.append(stack.enter(level, title))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            _read_entry(bullet.group(1), number, stack.path, path, result)
    result.name = result.name or file_stem(path)
    return result


def _read_entry(text: str, line: int, sections: tuple[str, ...], path: str, result: ParsedList) -> None:
    links = list(_LINK.finditer(text))
    venue_match = _VENUE.search(text)
    cut = min([m.start() for m in links] + ([venue_match.start()] if venue_match else []) + [len(text)])
    title = clean_title(text[:cut])
    if not title:
        result.skipped.append(Skipped(path, line, clean_text(text)[:80], "no title before the venue and links"))
        return
    found = []
    arxiv = doi = None
    for match in links:
        label, url = match.group(1).lower(), match.group(2)
        link = normalize_link(url)
        kind = {"code": "code", "slides": "slides", "video": "video", "project": "project"}.get(label, link.kind)
        found.append((kind, link.url))
        arxiv, doi = arxiv or link.arxiv, doi or link.doi
    main = next((url for kind, url in found if kind in ("paper", "pdf")), None)
    reason = non_paper_reason(main) if main else None
    if reason:
        result.skipped.append(Skipped(path, line, title, reason))
        return
    venue = clean_text(venue_match.group(1)) if venue_match else None
    year, month = combine_year(arxiv, venue_year(venue))
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=line, sections=sections, year=year, month=month,
        venue=venue, links=tuple(dict(reversed(found)).items())[::-1] if found else (), arxiv=arxiv, doi=doi,
    ))
