"""DokuWiki pages: ``[[url|Author et al YEAR - Title]]`` links under ``===== Heading =====``.

Wiki exports often lose their line breaks, so the page is read as a stream of headings, ``*``
bullets and links rather than line by line::

    ===== Key Papers ===== * **[[https://arxiv.org/pdf/1611.03530.pdf|Zhang et al 2017 - Understanding
    deep learning requires rethinking generalization]]** [[https://github.com/pluskid/fitting-random-labels|Code]]

becomes ``ImportedEntry(title="Understanding deep learning requires rethinking generalization",
author_hint="Zhang", year=2016, arxiv="1611.03530", links=(("paper", "https://arxiv.org/abs/1611.03530"),
("code", "https://github.com/pluskid/fitting-random-labels")), sections=("Key Papers",))``. The text
after a link up to the next bullet is its digest; ``**Bold**`` bullets without a link are sub-headings.
"""

from __future__ import annotations

import bisect
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
    non_paper_reason,
    normalize_link,
    resource_kind,
    url_date,
)

NAME = "dokuwiki"
DESCRIPTION = "DokuWiki pages: '[[url|Author et al YEAR - Title]]' links under '===== Heading =====' lines"

_TOKEN = re.compile(
    r"(?P<heading>(?P<open>={2,6})\s*(?P<htext>[^=\n]+?)\s*={2,6})"
    r"|(?P<link>\[\[(?P<target>[^|\]]+)(?:\|(?P<label>[^\]]*))?\]\])"
    r"|(?P<bullet>(?:^|(?<=\s))\*(?=\s))"
    r"|(?P<bold>\*\*(?P<btext>[^*\[\]]+)\*\*)"
)
_LABEL = re.compile(r"^(?:(?P<authors>.*?)\s+)?(?P<year>(?:19|20)\d\d)\s*[-–—:]\s+(?P<title>.+)$")
_COMPANIONS = {"code": "code", "github": "code", "pdf": "pdf", "slides": "slides", "video": "video",
               "talk": "video", "blog": "blog", "project": "project", "website": "project", "data": "data"}


def detect(text: str) -> float:
    """Scores by ``[[url|label]]`` links and ``=====`` headings."""
    links = len(re.findall(r"\[\[https?://[^|\]]+\|", text))
    headings = len(re.findall(r"={3,6}[^=\n]+={3,6}", text))
    if links == 0:
        return 0.0
    return min(1.0, 0.4 + 0.05 * links + 0.1 * min(headings, 3))


def parse(text: str, path: str) -> ParsedList:
    """Every titled link on the page; companion links join the entry before them."""
    result = ParsedList(name="")
    stack = SectionStack()
    label_heading: str | None = None
    pending: _Pending | None = None
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(line_starts, offset)

    def finish(until: int) -> None:
        nonlocal pending
        if pending is not None:
            note = _note(text[pending.end:until])
            _emit(pending, note, path, result)
        pending = None

    for match in _TOKEN.finditer(text):
        position = match.start()
        if match["heading"]:
            finish(position)
            level = 7 - len(match["open"])
            title = clean_text(match["htext"])
            if not result.name and level == 1:
                result.name = title
                continue
            result.headings.append(stack.enter(level, title))
            label_heading = None
        elif match["bullet"]:
            finish(position)
        elif match["bold"]:
            # A bold bullet with no link ("**Theory Papers**") names a group of the entries after it.
            if pending is None:
                label_heading = clean_text(match["btext"])
                sections = (*stack.path, label_heading)
                if sections not in result.headings:
                    result.headings.append(sections)
        elif match["link"]:
            target, label = match["target"].strip(), clean_text(match["label"] or "")
            companion = _COMPANIONS.get(label.lower())
            if companion and pending is not None:
                pending.links.append((companion, normalize_link(target).url))
                pending.end = match.end()
                continue
            if pending is not None and not _LABEL.match(label) and re.match(r"https?://", target):
                continue  # a citation inside the entry's note ("(from Raj 2020)"): kept in the note
            finish(position)
            sections = (*stack.path, label_heading) if label_heading else stack.path
            pending = _Pending(target, label, line_of(position), sections, end=match.end())
    finish(len(text))
    result.name = result.name or file_stem(path)
    return result


def _note(text: str) -> str:
    """The free text after an entry, without wiki markup."""
    text = re.sub(r"\[\[[^|\]]+\|([^\]]*)\]\]", r"\1", text)
    text = re.sub(r"\[\[([^\]]*)\]\]", r"\1", text)
    text = text.replace("**", "").replace("//", "")
    return clean_text(text).lstrip(":").strip()


@dataclass
class _Pending:
    """A titled link being read: its companion links and note may still follow."""

    target: str
    label: str
    line: int
    sections: tuple[str, ...]
    links: list[tuple[str, str]] = field(default_factory=list)
    end: int = 0
    """Offset where the entry's text read so far ends (its note runs from here)."""


def _emit(pending: _Pending, note: str, path: str, result: ParsedList) -> None:
    target, label, line = pending.target, pending.label, pending.line
    if not re.match(r"https?://", target):
        result.skipped.append(Skipped(path, line, f"[[{target}]]", "a link to another wiki page, not a paper"))
        return
    shown = label or target
    reason = non_paper_reason(target)
    parsed = _LABEL.match(label)
    resource = resource_kind(target, label)
    if resource:
        _emit_resource(pending, note, resource, path, result)
        return
    if reason:
        result.skipped.append(Skipped(path, line, shown, reason))
        return
    if "(video)" in label.lower():
        result.skipped.append(Skipped(path, line, shown, "a video, not a paper"))
        return
    if parsed is None:
        result.skipped.append(Skipped(
            path, line, shown, "the link text is not 'Author YEAR - Title', so it names no paper"))
        return
    link = normalize_link(target)
    authors_text = parsed["authors"] or ""
    surname = re.split(r"\s+(?:et\s+al\.?|and|&)(?:\s|$)|,", authors_text + " ")[0].strip()
    year, month = combine_year(link.arxiv, int(parsed["year"]))
    result.entries.append(ImportedEntry(
        title=clean_title(parsed["title"]), source="", path=path, line=line, sections=pending.sections,
        author_hint=surname.split()[-1] if surname else "", year=year, month=month,
        links=((link.kind, link.url), *pending.links), arxiv=link.arxiv, doi=link.doi,
        digest=note or None,
    ))


def _emit_resource(pending: _Pending, note: str, resource: tuple[str, str], path: str,
                   result: ParsedList) -> None:
    """A blog post or talk: "Blog - Title" or "YEAR - Title (video)"; the year from the label or URL."""
    label = pending.label
    parsed = _LABEL.match(label)
    year: int | None
    month: int | None
    if parsed:
        title, year, month = parsed["title"], int(parsed["year"]), None
    else:
        title = label.split(" - ", 1)[-1]
        year, month = url_date(pending.target)
    title = clean_title(re.sub(r"\s*\((?:video|talk|blog(?: post)?)\)\s*$", "", title, flags=re.IGNORECASE))
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=pending.line, sections=pending.sections, year=year,
        month=month, links=((resource[1], pending.target), *pending.links), digest=note or None,
        kind=resource[0],
    ))
