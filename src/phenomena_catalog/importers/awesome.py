"""The awesome-deep-phenomena family of lists: one paper per bullet group, years grouped by heading.

Reads the nested form, the ``<details>`` year groups and the flattened form alike::

    ## Grokking
    ### Grokking: 2022                      (or <details><summary>Grokking: 2022</summary>)

    - Omnigrok: Grokking Beyond Algorithmic Data. [[paper]](https://arxiv.org/abs/2210.01117)
      - Ziming Liu, Eric J. Michaud, Max Tegmark. *ICLR 2023*
      - Key Word: Grokking; Representation Learning.
      - <details><summary>Digest</summary> We aim to understand grokking ... </details>

becomes ``ImportedEntry(title="Omnigrok: Grokking Beyond Algorithmic Data", authors=("Ziming Liu",
...), venue="ICLR 2023", year=2022, month=10, arxiv="2210.01117", keywords=("Grokking",
"Representation Learning"), sections=("Grokking",), ...)``. The flattened form writes the same
sub-lines as top-level bullets; an entry then ends at a blank line or at the next title line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    link_pairs,
    non_paper_reason,
    non_paper_section,
    normalize_link,
    split_authors,
    year_group,
)

NAME = "awesome"
DESCRIPTION = "awesome-deep-phenomena style: '- Title. [[paper]](url)' with authors, Key Word and Digest lines"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SUMMARY = re.compile(r"^\s*<summary>\s*(.*?)\s*</summary>\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*)[-*+]\s?(.*)$")
# [[paper]](url), [[paper](url)] and a link whose closing parenthesis was lost at the line's end.
_LINK = re.compile(r"\[\[\s*(\w[\w ]*?)\s*\]\]\(\s*([^)\s]+)\s*(?:\)|$)|\[\[\s*(\w[\w ]*?)\s*\]\(\s*([^)\s]+)\s*\)\]?")
# "Key Word:", and the list's own typos "Key Work:" and "Key Wrod:".
_KEYWORDS = re.compile(r"^key\s*w(?:or|ro)[dk]s?\s*:\s*(.*)$", re.IGNORECASE)
_AUTHOR_LIST = re.compile(r"</?details>|<summary>\s*author list\s*</summary>", re.IGNORECASE)
_THESIS = re.compile(r"^(?:ph\.?d\.?|master'?s?|doctoral)?\s*thesis$", re.IGNORECASE)
_DIGEST = re.compile(r"^(?:<details>\s*<summary>\s*digest\s*</summary>|digest\b:?)\s*(.*)$", re.IGNORECASE)
_VENUE = re.compile(r"\*([^*]+)\*\s*$")
_ANCHOR_ONLY = re.compile(r"^\[[^\]]*\]\(#[^)]*\)\s*$")
_LINK_KINDS = {"paper": "paper", "pdf": "pdf", "code": "code", "project": "project", "website": "project",
               "video": "video", "slides": "slides", "blog": "blog", "data": "data", "dataset": "data"}


def detect(text: str) -> float:
    """Scores by the ``[[paper]]`` links and ``Key Word:`` lines that only this family writes."""
    links = len(re.findall(r"\[\[(?:paper|code)\]", text, re.IGNORECASE))
    keywords = len(re.findall(r"^\s*-\s*key\s*word", text, re.IGNORECASE | re.MULTILINE))
    if links == 0:
        return 0.0
    return min(1.0, 0.5 + 0.05 * links + 0.05 * keywords)


@dataclass
class _Draft:
    """An entry being read, line by line."""

    line: int
    title_text: str
    sections: tuple[str, ...]
    section_year: int | None
    authors_text: str | None = None
    keywords: list[str] = field(default_factory=list)
    digest: list[str] = field(default_factory=list)
    in_digest: bool = False
    extra: list[str] = field(default_factory=list)


def parse(text: str, path: str) -> ParsedList:
    """Every entry of an awesome-style list, with its section headings and year."""
    result = ParsedList(name="")
    stack = SectionStack()
    section_year: int | None = None
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
        summary = _SUMMARY.match(line)
        # A <summary> (a collapsed group) nests below any heading.
        section = (len(heading.group(1)), heading.group(2)) if heading else (7, summary.group(1)) if summary else None
        if section:
            finish()
            level, title = section[0], _plain(section[1])
            grouped = year_group(title)
            if grouped is not None:
                # "### Topic: 2024" (or a <summary>, or "Topic: 2019 and Before") groups a topic's
                # papers by year: a year group is never a topic of its own.
                section_year = grouped[1]
                if grouped[0] is None:
                    stack.close(level)
                    continue
                title = grouped[0]
                if stack.innermost is not None and stack.innermost.casefold() == title.casefold():
                    continue
            else:
                section_year = None
            in_contents = False
            if not result.name and heading and level == 1:
                result.name = title
                continue
            in_contents = title.casefold() in ("table of contents", "contents")
            if in_contents:
                continue
            sections = stack.enter(level, title)
            if sections not in result.headings:
                result.headings.append(sections)
            continue
        if not line.strip():
            if draft is not None and draft.in_digest:
                draft.in_digest = False
            finish()
            continue
        bullet = _BULLET.match(line)
        stripped = line.strip()
        if stripped.lower() in ("</details>", "<details>", "</summary>"):
            if draft is not None and draft.in_digest:
                draft.in_digest = False
            continue
        if bullet is None:
            # A continuation line: part of a digest, a title or an authors line broken by an editor.
            if draft is not None and draft.in_digest:
                draft.digest.append(stripped)
            elif draft is not None:
                draft.extra.append(stripped)
            continue
        content = bullet.group(2).strip()
        if in_contents or _ANCHOR_ONLY.match(content):
            continue  # the table of contents links to sections, not papers
        keyword_match = _KEYWORDS.match(content)
        digest_match = _DIGEST.match(content)
        if draft is not None and keyword_match:
            draft.keywords += [k for k in re.split(r"[;；]", keyword_match.group(1).rstrip(" .")) if k.strip()]
            draft.in_digest = False
        elif draft is not None and digest_match:
            body = digest_match.group(1)
            draft.in_digest = "</details>" not in body
            draft.digest.append(body.replace("</details>", ""))
        elif draft is not None and draft.in_digest and bullet.group(1):
            draft.digest.append(content)
        elif draft is not None and draft.authors_text is None and not _LINK.search(content) and content:
            draft.authors_text = content
            draft.in_digest = False
        else:
            finish()
            draft = _Draft(number, content, stack.path, section_year)
    finish()
    result.name = result.name or file_stem(path)
    return result


def _plain(title: str) -> str:
    """Heading text without images, links and emphasis."""
    title = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", title)
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return clean_text(title.replace("*", "").replace("`", ""))


def _finish(draft: _Draft, path: str, result: ParsedList) -> None:
    """Turn a draft into an entry, or a skip note saying why it cannot be one."""
    text = draft.title_text
    section = non_paper_section(draft.sections)
    if section:
        result.skipped.append(Skipped(path, draft.line, clean_text(text)[:80],
                                      f"in '{section}', a section that lists no papers"))
        return
    links: list[tuple[str, str]] = []
    arxiv = doi = None
    first = _LINK.search(text)
    title = clean_title(text[: first.start()] if first else text)
    for match in _LINK.finditer(text):
        label = (match.group(1) or match.group(3)).lower()
        link = normalize_link(match.group(2) or match.group(4))
        kind = _LINK_KINDS.get(label, "project")
        if kind == "paper":
            arxiv = arxiv or link.arxiv
            doi = doi or link.doi
            kind = link.kind
        links.append((kind, link.url))
    if not title:
        if text.strip():
            result.skipped.append(Skipped(path, draft.line, clean_text(text)[:80], "no title before the links"))
        else:
            result.skipped.append(Skipped(path, draft.line, "-", "an empty list item"))
        return
    main = next((url for kind, url in links if kind in ("paper", "pdf")), None)
    reason = non_paper_reason(main) if main else None
    if reason:
        result.skipped.append(Skipped(path, draft.line, title, reason))
        return
    authors: tuple[str, ...] = ()
    venue = None
    kind = "paper"
    if draft.authors_text:
        # A long author list is folded: "<details><summary>Author List</summary> A, B, ...".
        authors_text = _AUTHOR_LIST.sub("", draft.authors_text)
        found = _VENUE.search(authors_text)
        if found:
            venue = clean_text(found.group(1)).rstrip(".") or None
            authors_text = authors_text[: found.start()]
        if venue and _THESIS.match(venue):
            kind, venue = "thesis", None  # "*PhD Thesis*" names what it is, not where it appeared
        authors = split_authors(authors_text)
    year, month = combine_year(arxiv, draft.section_year, venue_year(venue))
    digest = clean_text(" ".join(draft.digest + draft.extra)) or None
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=draft.line, sections=draft.sections, authors=authors,
        year=year, month=month, venue=venue, links=link_pairs(links), arxiv=arxiv, doi=doi,
        keywords=tuple(dict.fromkeys(clean_text(k).rstrip(".") for k in draft.keywords if k.strip())),
        digest=digest, kind=kind,
    ))
