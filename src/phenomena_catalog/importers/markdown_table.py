"""Markdown tables of papers: one row per paper, columns named in the header row.

::

    ### 2023
    | Title | Venue | Type | Code |
    |:----- |:-----:|:----:|:----:|
    | [Rare Gems: Finding Lottery Tickets at Initialization](https://openreview.net/forum?id=Jpxd93u2vK-) | NeurIPS | `W` | [PyTorch(Author)](https://github.com/ksreenivasan/pruning_is_enough) |

becomes ``ImportedEntry(title="Rare Gems: Finding Lottery Tickets at Initialization", venue="NeurIPS 2023",
year=2023, links=(("paper", ...), ("code", ...)), keywords=("W",))``. The year comes from a year
column, a year heading above the table (``### 2023``, ``<summary>2023</summary>``), the venue
column ("ICLR 2024") or a ``Venue'YY`` note in the title (``[Title (EMNLP'22)](url)``, which is
taken out of the title). A column of categories ("Techniques", "Type") gives keywords; a column of
prose ("TL;DR", "Description", "Summary") gives the digest. Rows without a title link, header rows
and tables that list no papers (badges, a legend of types) are skipped, each with a reason.
"""

from __future__ import annotations

import re

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
    venue_from_tag,
    venue_in_text,
    year_group,
)

NAME = "markdown-table"
DESCRIPTION = "Markdown tables: '| [Title](url) | Venue | ... | Code |' rows, years from a column or '### 2023' headings"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SUMMARY = re.compile(r"^\s*<summary>\s*(.*?)\s*</summary>\s*$", re.IGNORECASE)
_ROW = re.compile(r"^\s*\|(.*)\|?\s*$")
_RULE_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*([^)\s]+)\s*\)")
_SHORT_VENUE = re.compile(r"\s*[(\[]\s*([A-Za-z][A-Za-z-]{1,15})\s*'\s*(\d\d)\s*[)\]]\s*")
_TITLE_COLUMNS = ("title", "paper", "papers", "name", "paper title", "article")
_VENUE_COLUMNS = ("venue", "conference", "conf", "journal", "published", "publication", "where")
_YEAR_COLUMNS = ("year", "date", "time")
_CODE_COLUMNS = ("code", "github", "repo", "repository", "implementation")
_AUTHOR_COLUMNS = ("author", "authors")
_PROSE_COLUMNS = ("tl;dr", "tldr", "description", "summary", "abstract", "notes", "note", "comment", "comments",
                  "digest", "remarks", "contribution", "highlights")
_LINK_KINDS = {"pdf": "pdf", "paper": "paper", "arxiv": "paper", "code": "code", "github": "code",
               "project": "project", "website": "project", "page": "project", "video": "video",
               "slides": "slides", "blog": "blog", "data": "data", "dataset": "data"}


def detect(text: str) -> float:
    """Scores by the table rows whose first cells hold a ``[title](http...)`` link."""
    rows = re.findall(r"^\s*\|(.*)$", text, re.MULTILINE)
    linked = [r for r in rows if re.search(r"\[[^\]]{8,}\]\(https?://", r.split("|")[0] + "|".join(r.split("|")[1:2]))]
    if len(linked) < 2:
        return 0.0
    return min(0.9, 0.4 + 0.5 * len(linked) / len(rows))


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    # A "\|" inside a cell is a literal bar, not a column break.
    return [cell.replace("\x00", "|").strip() for cell in body.replace("\\|", "\x00").split("|")]


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, cell in enumerate(header):
        if clean_text(re.sub(r"[*_`]", "", cell)).casefold() in names:
            return index
    return None


def parse(text: str, path: str) -> ParsedList:
    """Every table row that names a paper, with the headings above its table."""
    result = ParsedList(name="")
    stack = SectionStack()
    section_year: int | None = None
    header: list[str] | None = None
    in_code = False
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        heading = _HEADING.match(line)
        summary = _SUMMARY.match(line)
        if heading or summary:
            header = None
            level = len(heading.group(1)) if heading else 7
            title = _plain(heading.group(2) if heading else summary.group(1) if summary else "")
            if not result.name and heading and level == 1:
                result.name = title
                continue
            grouped = year_group(title)
            if grouped is not None:
                section_year = grouped[1]
                if grouped[0] is None:
                    stack.close(level)  # "### 2023" groups the topic above it by year; it is not a topic
                    continue
                title = grouped[0]
            else:
                section_year = None
            if stack.innermost is None or stack.innermost.casefold() != title.casefold():
                sections = stack.enter(level, title)
                if sections not in result.headings:
                    result.headings.append(sections)
            continue
        row = _ROW.match(line)
        if row is None:
            header = None
            continue
        cells = _cells(line)
        if all(_RULE_CELL.match(c) for c in cells if c):
            continue
        following = lines[number] if number < len(lines) else ""
        if header is None:
            if _ROW.match(following) and all(_RULE_CELL.match(c) for c in _cells(following) if c):
                header = cells  # a header row is the one above the |---| rule
                continue
            header = []
        _read_row(cells, header, number, stack.path, section_year, path, result)
    result.name = result.name or file_stem(path)
    return result


def _plain(title: str) -> str:
    title = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", title)
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    title = re.sub(r"\(\s*\)", "", title)
    return clean_text(title.replace("*", "").replace("`", ""))


def _read_row(cells: list[str], header: list[str], line: int, sections: tuple[str, ...],
              section_year: int | None, path: str, result: ParsedList) -> None:
    title_at = _column(header, _TITLE_COLUMNS)
    if title_at is None:
        # No header names the title column: it is the first cell holding a link.
        title_at = next((i for i, c in enumerate(cells) if _LINK.search(c)), 0)
    if title_at >= len(cells):
        return
    shown = clean_text(" | ".join(c for c in cells if c))[:80]
    skipped_section = non_paper_section(sections)
    if skipped_section:
        result.skipped.append(Skipped(path, line, shown, f"in '{skipped_section}', a section that lists no papers"))
        return
    title_cell = cells[title_at]
    link = _LINK.search(title_cell)
    title_text = link.group(1) if link else title_cell
    title_text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", title_text)
    short = _SHORT_VENUE.search(title_text)
    venue = year = None
    if short:
        venue, year = venue_from_tag(short.group(1) + ("19" if int(short.group(2)) > 80 else "20") + short.group(2))
        title_text = (title_text[: short.start()] + " " + title_text[short.end():]) if venue else title_text
    title = clean_title(re.sub(r"\s*\[[^\]]*\]\s*$", "", title_text.replace("**", "")))
    if not title or (link is None and not header):
        result.skipped.append(Skipped(path, line, shown, "a table row without a paper title"))
        return
    if link is None:
        result.skipped.append(Skipped(path, line, title, "no link to the paper in its title cell"))
        return
    reason = non_paper_reason(link.group(2))
    if reason:
        result.skipped.append(Skipped(path, line, title, reason))
        return
    main = normalize_link(link.group(2))
    links = [(main.kind, main.url)]
    keywords: list[str] = []
    digest_parts: list[str] = []
    authors: tuple[str, ...] = ()
    column_year = None
    for index, cell in enumerate(cells):
        if index == title_at or not cell or cell in ("-", "—", "N/A"):
            continue
        name = clean_text(re.sub(r"[*_`]", "", header[index])).casefold() if index < len(header) else ""
        plain = _plain(cell)
        if name in _VENUE_COLUMNS:
            found, found_year = venue_in_text(plain)
            if found is None:
                found, found_year = venue_from_tag(plain)
            venue = venue or found or (plain if plain and len(plain) <= 40 else None)
            year = year or found_year
        elif name in _YEAR_COLUMNS:
            years = re.findall(r"(?:19|20)\d\d", plain)
            column_year = int(years[0]) if years else None
        elif name in _CODE_COLUMNS or (name not in _PROSE_COLUMNS and _LINK.fullmatch(cell.strip())):
            for label, url in _LINK.findall(cell):
                kind = "code" if name in _CODE_COLUMNS else _LINK_KINDS.get(clean_text(label).lower(), "project")
                links.append((kind, normalize_link(url).url))
        elif name in _AUTHOR_COLUMNS:
            authors = split_authors(plain)
        elif name in _PROSE_COLUMNS or len(plain.split()) > 8:
            digest_parts.append(plain)
        else:
            keywords += [k.strip() for k in re.split(r"[,;/]", plain) if k.strip()]
    if venue and section_year and not re.search(r"\d{4}", venue):
        venue = f"{venue} {section_year}"  # "NeurIPS" under "### 2022" is NeurIPS 2022
    venue_year = int(venue[-4:]) if venue and venue[-4:].isdigit() else None
    found_year, month = combine_year(main.arxiv, column_year, year, venue_year, section_year)
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=line, sections=sections, authors=authors, year=found_year,
        month=month, venue=venue, links=link_pairs(links),
        arxiv=main.arxiv, doi=main.doi, keywords=tuple(dict.fromkeys(keywords)),
        digest=" ".join(digest_parts) or None,
    ))
