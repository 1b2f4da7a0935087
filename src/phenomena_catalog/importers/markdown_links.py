"""Markdown link lists: ``- [Title](url), Date. tags`` under nested ``#`` sections.

::

    ### Implicit regularization
    - [Implicit Bias in Leaky ReLU Networks](https://arxiv.org/pdf/2210.07082.pdf), Oct. 2022. `nips2022`
      - *"A quoted note about the paper."*

becomes ``ImportedEntry(title="Implicit Bias in Leaky ReLU Networks", arxiv="2210.07082",
links=(("paper", "https://arxiv.org/abs/2210.07082"),), year=2022, month=10, venue="NeurIPS 2022",
digest='A quoted note about the paper.', sections=("Implicit regularization",))``. Backtick tags
that name a venue (``iclr2021``, ``nips2021``) become the venue; the others become keywords.
Other text after the date ("Yann LeCun et al.", "Google Research") is a curator's note, not a digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phenomena_catalog.importers.base import (
    ImportedEntry,
    ParsedList,
    SectionStack,
    Skipped,
    clean_text,
    clean_title,
    combine_year,
    file_stem,
    find_date,
    non_paper_reason,
    normalize_link,
    resource_kind,
    venue_from_tag,
    venue_in_text,
)

NAME = "markdown-links"
DESCRIPTION = "Markdown link lists: '- [Title](url), Date. `tags`' in nested '#' sections"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ENTRY = re.compile(r"^(\s*)[-*+]\s+\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_TAG = re.compile(r"`([^`]+)`")
_OTHER_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def detect(text: str) -> float:
    """Scores by the share of bullets that start with a link to a web page."""
    bullets = re.findall(r"^\s*[-*+]\s+(.*)$", text, re.MULTILINE)
    links = [b for b in bullets if re.match(r"\[[^\]]+\]\(https?://", b)]
    if len(links) < 1 or re.search(r"\[\[(?:paper|code)\]", text, re.IGNORECASE):
        return 0.0
    return 0.3 + 0.6 * len(links) / len(bullets)


@dataclass
class _Draft:
    line: int
    indent: int
    title: str
    url: str
    rest: str
    sections: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


def parse(text: str, path: str) -> ParsedList:
    """Every linked entry, with the headings above it; sub-bullets and quotes become its digest."""
    result = ParsedList(name="")
    stack = SectionStack()
    draft: _Draft | None = None
    in_contents = False

    def finish() -> None:
        nonlocal draft
        if draft is not None:
            _finish(draft, path, result)
        draft = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            finish()
            level, title = len(heading.group(1)), clean_text(_OTHER_LINK.sub(r"\1", heading.group(2)))
            if not result.name and level == 1:
                result.name = title
                continue
            in_contents = title.casefold() in ("table of contents", "contents")
            if in_contents:
                continue
            result.headings.append(stack.enter(level, title))
            continue
        if not line.strip():
            continue
        entry = _ENTRY.match(line)
        if entry and entry["url"].startswith("#"):
            continue  # a table of contents line
        if entry and (draft is None or len(entry.group(1)) <= draft.indent):
            finish()
            if in_contents:
                continue
            draft = _Draft(number, len(entry.group(1)), entry["title"], entry["url"], entry["rest"],
                           stack.path)
            continue
        bullet = _BULLET.match(line)
        if draft is not None and bullet and len(bullet.group(1)) > draft.indent:
            draft.notes.append(bullet.group(2))
        elif draft is not None and not bullet and not line.lstrip().startswith(">"):
            if draft.notes:
                draft.notes[-1] += " " + line.strip()  # a note broken over two lines
            else:
                draft.rest += " " + line.strip()
        else:
            finish()
            if bullet and not in_contents:
                result.skipped.append(Skipped(path, number, clean_text(bullet.group(2))[:80],
                                              "a list item without a [title](link)"))
    finish()
    result.name = result.name or file_stem(path)
    return result


def _finish(draft: _Draft, path: str, result: ParsedList) -> None:
    title = clean_title(draft.title)
    reason = non_paper_reason(draft.url)
    resource = resource_kind(draft.url, title)
    if resource and title:
        year, month = find_date(draft.rest)
        result.entries.append(ImportedEntry(
            title=title, source="", path=path, line=draft.line, sections=draft.sections, year=year,
            month=month, links=((resource[1], draft.url),), kind=resource[0]))
        return
    if reason:
        result.skipped.append(Skipped(path, draft.line, title, reason))
        return
    if not title:
        result.skipped.append(Skipped(path, draft.line, draft.url, "the link has no title"))
        return
    link = normalize_link(draft.url)
    venue = None
    tag_year = None
    keywords = []
    for tag in _TAG.findall(draft.rest):
        tag_venue, year = venue_from_tag(tag)
        if tag_venue and venue is None:
            venue = tag_venue
        elif year is not None:
            tag_year = year
        else:
            keywords.append(clean_text(tag))
    rest = _OTHER_LINK.sub("", _TAG.sub("", draft.rest))
    if venue is None:
        venue, _ = venue_in_text(rest)
    date_year, month = find_date(rest)
    year, arxiv_month = combine_year(link.arxiv, date_year, tag_year,
                                     int(venue[-4:]) if venue and venue[-4:].isdigit() else None)
    month = arxiv_month if link.arxiv else (month if year == date_year else None)
    leftover = _leftover(rest, venue)
    notes = [clean_text(n).strip("*_ ").strip('"“”').strip() for n in draft.notes]
    digest = " ".join(n for n in notes if n) or None
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=draft.line, sections=draft.sections, year=year,
        month=month, venue=venue, links=((link.kind, link.url),), arxiv=link.arxiv, doi=link.doi,
        keywords=tuple(dict.fromkeys(keywords)), digest=digest, note=leftover or None,
    ))


def _leftover(rest: str, venue: str | None) -> str:
    """The free text after the link once dates, tags and venue are gone ("Tom Goldstein's group")."""
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    text = re.sub(rf"\b(?:arXiv\s+)?(?:{months})[a-z]*\.?\s+(?:\d{{1,2}}\.?,?\s+)?(?:19|20)\d\d\b", "", rest)
    if venue:
        text = re.sub(re.escape(venue.split()[0]) + r"\s?\d{4}", "", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<![\w/.-])(?:19|20)\d\d(?![\w/-])", "", text)
    text = clean_text(re.sub(r"[,.，;:\s]+", " ", text))
    return text if re.search(r"[A-Za-z]{3}", text) else ""
