"""Markdown list items in the many shapes awesome lists use: one item (bullet or numbered) per paper.

Each of these becomes one ``ImportedEntry``::

    * **Explainability for Large Language Models: A Survey** [[TIST 2024]](https://dl.acm.org/doi/10.1145/3639372) [[arxiv 2309]](https://arxiv.org/abs/2309.01029)
    - **Distilling the knowledge in a neural network** (2015), G. Hinton et al. [[pdf]](http://arxiv.org/pdf/1503.02531)
    - [Semi-Supervised Classification with Graph Convolutional Networks](https://arxiv.org/abs/1609.02907) - Kipf, Welling. ICLR 2017.
    1. [Toy Models of Superposition](https://transformer-circuits.pub/2022/toy_model/index.html) - Investigates how models represent more features than dimensions.
    - 2022-ICLR-[Dual Lottery Ticket Hypothesis](https://openreview.net/forum?id=fOsN52jn25l) [[Code](https://github.com/...)]
    4. **Symbol tuning improves in-context learning in language models.** ![](https://img.shields.io/badge/Symbol_tuning-DCE7F1)
       *Jerry Wei, Le Hou, ...* [[pdf](https://arxiv.org/pdf/2305.08298)], 2023.5, ![](https://img.shields.io/badge/EMNLP2023-FAEFCA)
    - [Spectral Networks and Locally Connected Networks on Graphs](https://arxiv.org/abs/1312.6203)
      - Joan Bruna, Wojciech Zaremba, Arthur Szlam, Yann LeCun, ICLR 2014
      - **First formulation of CNNs on graphs in the spectral domain**

The title is the item's bold text or first link; authors are an italic run, the text after the
title (`` - Kipf, Welling.``) or a sub-item, when it reads as a list of names; the venue and year
come from a ``2022-ICLR-`` prefix, a ``(2015)``, a ``2023.5`` date, link labels (``[[ICLR 2024]]``),
badges (``NeurIPS2023``), the arXiv id of a link, or a year heading (``### 2023``, ``**2022**``,
``<summary>2019 and Before</summary>``: years, never topics). Other text becomes the digest.
A bold item without a link whose sub-items are papers is a sub-heading; papers may also be
headings themselves (``#### 9. [Title](url)``). Items in sections that hold no papers (contents,
contributing, related lists) and items that name no paper are skipped, each with its line and reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

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

NAME = "markdown-items"
DESCRIPTION = ("Markdown items: '* **Title** [[tag]](url)', '- [Title](url) - Authors. Venue Year.', "
               "'1. [Title](url) - note', with sub-items")

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SUMMARY = re.compile(r"^\s*(?:<details>\s*)?<summary>\s*(.*?)\s*</summary>\s*$", re.IGNORECASE)
_BOLD_LINE = re.compile(r"^\s*\*\*([^*]+)\*\*\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,4}[.)])(?:(\s+)(.*)|$)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
# [[label]](url), [[label](url)], [label](url); labels may hold one level of brackets.
_LINK = re.compile(r"\[\[([^\[\]]*)\]\]\(\s*([^)\s]*)\s*\)|\[\[([^\[\]]*)\]\(\s*([^)\s]*)\s*\)\]?"
                   r"|\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*([^)\s]*)\s*\)")
_PREFIX = re.compile(
    r"^(?P<junk>[^\w\[*_\"“'(]*)"
    r"(?:(?P<year>(?:19|20)\d\d)(?:\.(?P<month>\d{1,2}))?(?:\s*[-–]\s*(?P<venue>[A-Za-z][A-Za-z& ]{1,40}?))?"
    r"\s*(?:[-–:]|\])\s*)?"
)
_BOLD_TITLE = re.compile(r"^(?:\*\*|__)(?P<title>.+?)(?:\*\*|__)")
_LINK_TITLE = re.compile(r"^\[\s*(?:\*\*)?(?P<title>(?:[^\[\]]|\[[^\[\]]*\])+?)(?:\*\*)?\s*\]\(\s*(?P<url>[^)\s]+)\s*\)")
_ANCHOR_ONLY = re.compile(r"\[[^\]]*\]\(#[^)]*\)")
_HEADING_ENTRY = re.compile(r"^(?:\d{1,4}[.)]\s*)?\[[^\]]{8,}\]\(\s*https?://")
_PLAIN_TITLE = re.compile(r"^(?P<title>[^\[\]()*_`<>]{8,}?)\s*(?=\((?:[^)]{0,20}?(?:19|20)\d\d)|,?\s*\[\[|\[\w[^\]]{0,20}\]\(http)")
_NAMED_VENUE = re.compile(r"^([A-Z][A-Za-z&]{1,11})\s?((?:19|20)\d\d)\b")
_LEAD_AUTHOR = re.compile(r"^([A-Z][\w'’-]+)\s+et\s+al\.?$")
_SHORT_VENUE = re.compile(r"\s*[(\[]\s*([A-Za-z][A-Za-z-]{1,15})\s*'\s*(\d\d)\s*[)\]]\s*")
_PAREN_YEAR = re.compile(r"\(\s*((?:19|20)\d\d)\s*\)")
_DOT_DATE = re.compile(r"(?<![\w.])((?:19|20)\d\d)\.(1[0-2]|0?[1-9])(?![\w.]*\d)")
_ITALIC = re.compile(r"(?<![*\w])[*_]([^*_]{3,}?)[*_](?![*\w])")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÞĀ-ſ][\w'’.\-]*|[a-z]{1,3}|d'\w+|\w\.)$", re.UNICODE)
_CODE_LABEL = re.compile(r"code|github|pytorch|tensorflow|\btf\b|jax|implementation", re.IGNORECASE)
_NOT_PAPER_LABEL = re.compile(r"project|website|homepage|page|video|youtube|talk|slides?|blog|poster|"
                              r"data(?:set)?|demo|colab|notebook|twitter|tweet|bibtex|bib|cite|scholar|profile|workshop", re.IGNORECASE)


def detect(text: str) -> float:
    """Scores by the items that start with a bold title or a ``[title](http...)`` link."""
    items = re.findall(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+(.*)$", text, re.MULTILINE)
    titled = [i for i in items if re.match(r"(?:[^\w\[*]*(?:(?:19|20)\d\d[^\[*]{0,12})?)(?:\*\*\S|\[[^\]]{8,}\]\(http)",
                                           i)]
    headings = re.findall(r"^ {0,3}#{2,6}\s+(?:\d{1,4}[.)]\s*)?\[[^\]]{8,}\]\(https?://", text, re.MULTILINE)
    if len(headings) >= 2:
        return 0.4
    if len(titled) < 2:
        return 0.0
    return min(0.6, 0.3 + 0.3 * len(titled) / len(items))


@dataclass
class _Item:
    """One list item with its continuation lines and sub-items."""

    line: int
    indent: int
    text: str
    sections: tuple[str, ...]
    section_year: int | None
    heading: bool = False
    content: int = 0
    """The column where the item's text starts: a line indented that far belongs to the item."""
    children: list[_Item] = field(default_factory=list)
    blank_after: bool = False


def parse(text: str, path: str) -> ParsedList:
    """Every item that names a paper, with the headings above it."""
    result = ParsedList(name="")
    stack = SectionStack()
    section_year: int | None = None
    roots: list[_Item] = []
    open_items: list[_Item] = []
    in_code = in_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_comment or in_code:
            in_comment = in_comment and "-->" not in line
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        heading = _HEADING.match(line)
        summary = _SUMMARY.match(line)
        bold_line = _BOLD_LINE.match(line) if not open_items or not line.startswith(" ") else None
        if heading and _HEADING_ENTRY.match(heading.group(2)):
            entry_text = re.sub(r"^\d{1,4}[.)]\s*", "", heading.group(2))
            item = _Item(number, -1, entry_text, stack.path, section_year, heading=True)
            roots.append(item)
            open_items[:] = [item]
            continue
        if heading or summary or (bold_line and year_group(bold_line.group(1))):
            open_items.clear()
            level = len(heading.group(1)) if heading else 7
            found_title = heading or summary or bold_line
            assert found_title is not None
            title = _plain(found_title.group(2) if heading else found_title.group(1))
            if not result.name and heading and level == 1:
                result.name = title
                continue
            grouped = year_group(title)
            if grouped is not None:
                section_year = grouped[1]
                if grouped[0] is None:
                    stack.close(level)  # "### 2023" or "**2022**" groups papers by year: not a topic
                    continue
                title = grouped[0]
                if stack.innermost is not None and stack.innermost.casefold() == title.casefold():
                    continue
            else:
                section_year = None
            if title:
                sections = stack.enter(level, title)
                if sections not in result.headings:
                    result.headings.append(sections)
            continue
        if not stripped:
            if open_items:
                open_items[-1].blank_after = True
            continue
        if stripped.lower() in ("</details>", "<details>", "</summary>", "<br>", "<br/>", "---", "***", "* * *"):
            continue
        found = _ITEM.match(line)
        if found:
            indent = len(found.group(1).expandtabs(4))
            content = indent + len(found.group(2)) + min(len(found.group(3) or " "), 4)
            item = _Item(number, indent, found.group(4) or "", stack.path, section_year, content=content)
            # As in CommonMark, an item is a sub-item only when indented to its parent's text.
            while open_items and not (open_items[-1].heading or indent >= open_items[-1].content):
                open_items.pop()
            (open_items[-1].children if open_items else roots).append(item)
            open_items.append(item)
            continue
        indent = len(line) - len(line.lstrip())
        if open_items and (indent >= min(open_items[-1].content, open_items[-1].indent + 2)
                           or not open_items[-1].blank_after
                           or open_items[0].heading):
            open_items[-1].text += " " + stripped  # a continuation line (or the body under a heading entry)
            open_items[-1].blank_after = False
        else:
            open_items.clear()
    for item in roots:
        _read_item(item, (), path, result)
    result.name = result.name or file_stem(path)
    return result


def _plain(title: str) -> str:
    """Heading text without images, links and emphasis."""
    title = _IMAGE.sub("", title)
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    title = re.sub(r"\(\s*\)", "", title)
    return clean_text(title.replace("*", "").replace("`", "").replace("<br>", " "))


def _read_item(item: _Item, groups: tuple[str, ...], path: str, result: ParsedList) -> None:
    """One item: a paper, a group of papers (a bold item without a link), or a skip note."""
    sections = item.sections + groups
    text = item.text.strip()
    shown = clean_text(_IMAGE.sub("", text))[:80] or "-"
    if _ANCHOR_ONLY.fullmatch(text):
        return  # a table of contents line: a link to a section of the page, not an entry
    skipped_section = non_paper_section(sections)
    if skipped_section:
        result.skipped.append(Skipped(path, item.line, shown,
                                      f"in '{skipped_section}', a section that lists no papers"))
        for child in item.children:
            _read_item(child, groups, path, result)
        return
    head = _head(text)
    own_links = [m for m in _LINK.finditer(text) if not _url(m).startswith("#")]
    if item.children and not own_links and _has_papers(item.children):
        # "- **Graph Convolutional Networks (GCNs)**" above papers: a sub-heading, not a paper.
        group = _plain(head.title if head and head.title else text)
        if group and group not in sections:
            result.headings.append((*sections, group))
        for child in item.children:
            _read_item(child, groups + ((group,) if group else ()), path, result)
        return
    if head is None:
        if (text and not text.startswith(("[", "#"))) or not own_links:
            result.skipped.append(Skipped(path, item.line, shown, "a list item without a **title** or [title](link)"))
        else:
            result.skipped.append(Skipped(path, item.line, shown, "a list item without a paper title"))
        for child in item.children:
            if _has_papers([child]):
                _read_item(child, groups, path, result)
        return
    _finish(item, head, sections, path, result)


@dataclass
class _Head:
    """What the start of an item says: the title, its link, and a year/venue prefix."""

    title: str
    url: str | None
    rest: str
    year: int | None
    month: int | None
    venue: str | None


def _head(text: str) -> _Head | None:
    prefix = _PREFIX.match(text)
    start = prefix.end() if prefix else 0
    year = int(prefix["year"]) if prefix and prefix["year"] else None
    month = int(prefix["month"]) if prefix and prefix["month"] else None
    venue = None
    if prefix and prefix["venue"] and year:
        venue, _ = venue_from_tag(prefix["venue"] + str(year))
        if venue is None and not re.search(r"reject|submi|arxiv|preprint", prefix["venue"], re.IGNORECASE):
            venue = f"{clean_text(prefix['venue'])} {year}"  # "2018-Nature Communications-[Title]"
    body = text[start:].lstrip()
    bold = _BOLD_TITLE.match(body)
    link = _LINK_TITLE.match(body)
    if bold:
        title, url, rest = bold["title"], None, body[bold.end():]
        inner = _LINK_TITLE.match(title.strip())
        if inner:  # **[Title](url)**
            title, url = inner["title"], inner["url"]
    elif link and not _is_tag(link["title"]):
        title, url, rest = link["title"], link["url"], body[link.end():]
    elif plain := _PLAIN_TITLE.match(body):
        # "Wasserstein GAN (2017), M. Arjovsky et al. [[pdf]](url)": the text before the year or tags.
        title, url, rest = plain["title"], None, body[plain.end():]
    else:
        return None
    title = title.strip().strip('"“”').strip()
    title = re.sub(r"^\*\*|\*\*$", "", title)
    return _Head(title, url, rest, year, month, venue)


def _is_tag(label: str) -> bool:
    """A link label that names a kind of link (pdf, code, arxiv 2309), not a paper."""
    label = clean_text(label).lower()
    return bool(re.fullmatch(r"(?:pdf|paper|code|arxiv(?:\s*\d{4})?|link|website|project|video|slides|blog|"
                             r"github|html|openreview|abs|doi|bib(?:tex)?)", label))


def _url(match: re.Match[str]) -> str:
    return match.group(2) if match.group(2) is not None else match.group(4) if match.group(4) is not None \
        else match.group(6) or ""


def _label(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(3) if match.group(3) is not None \
        else match.group(5) or ""


def _has_papers(items: list[_Item]) -> bool:
    return any((_head(i.text.strip()) is not None and (_LINK.search(i.text) or _has_papers(i.children)))
               or _has_papers(i.children) for i in items)


def _descendants(item: _Item) -> list[_Item]:
    return [d for child in item.children for d in (child, *_descendants(child))]


def looks_like_authors(text: str) -> bool:
    """Whether text reads as a list of people's names ("Kipf, Welling", "G. Hinton et al.")."""
    text = re.sub(r"[\s,]*(?:et al\.?|\.\.\.|…)\s*$", "", clean_text(text)).strip(" .,;:*_")
    if not text or re.search(r"https?:|\d|[()\[\]{}|<>=@#]", text):
        return False
    names = split_authors(text)
    if not names:
        return False
    for name in names:
        words = name.replace("-", " ").split()
        if not 1 <= len(words) <= 5 or not all(_NAME_WORD.match(w) for w in words):
            return False
        if not any(w[0].isupper() for w in words):
            return False
    return len(names) > 1 or 2 <= len(names[0].split()) <= 4


def _finish(item: _Item, head: _Head, sections: tuple[str, ...], path: str, result: ParsedList) -> None:
    """Turn an item into an entry: title, links, authors, venue, year and digest."""
    title_text = head.title
    venue, year, month = head.venue, head.year, head.month
    short = _SHORT_VENUE.search(title_text)
    if short:
        short_venue, short_year = venue_from_tag(
            short.group(1) + ("19" if int(short.group(2)) > 80 else "20") + short.group(2))
        if short_venue:
            venue, year = venue or short_venue, year or short_year
            title_text = title_text[: short.start()] + " " + title_text[short.end():]
    title = clean_title(_IMAGE.sub("", title_text).replace("**", ""))
    if not title:
        result.skipped.append(Skipped(path, item.line, clean_text(item.text)[:80], "the title is empty"))
        return
    detail_items = _descendants(item)
    lines = [head.rest] + [d.text for d in detail_items]
    links: list[tuple[str, str]] = []
    main: tuple[str, str] | None = None
    arxiv = doi = None
    if head.url and not head.url.startswith("#"):
        link = normalize_link(head.url)
        main = (link.kind, link.url)
        arxiv, doi = link.arxiv, link.doi
    venues_seen: list[str] = []
    notes: list[str] = []
    authors: tuple[str, ...] = ()
    hint = ""
    other_years: list[int] = []
    for index, line in enumerate(lines):
        badges = [unquote(m.group(2).split("/badge/", 1)[1].rsplit("-", 1)[0]).replace("_", " ").replace("--", "-")
                  for m in _IMAGE.finditer(line) if "/badge/" in m.group(2)]
        for badge in badges:
            found, _ = venue_from_tag(badge.replace(" ", ""))
            if found:
                venues_seen.append(found)
        line = _IMAGE.sub(" ", line)
        for match in _LINK.finditer(line):
            label, url = clean_text(_label(match)), _url(match)
            if not url or url.startswith("#"):
                continue
            link = normalize_link(url)
            tag_venue, _ = venue_in_text(label)
            named = _NAMED_VENUE.match(label)
            if tag_venue is None and named:
                tag_venue = f"{named.group(1)} {named.group(2)}"  # "[[TMLR 2024]]", a venue we do not know
            if tag_venue:
                venues_seen.append(tag_venue)
            if _CODE_LABEL.search(label):
                kind = "code"
            elif re.search(r"pdf", label, re.IGNORECASE):
                kind = "pdf"
            elif _NOT_PAPER_LABEL.search(label) and not tag_venue:
                kind = next(k for k, p in (("video", r"video|youtube|talk"), ("slides", r"slide"),
                                           ("blog", r"blog"), ("data", r"data"), ("project", r"."))
                            if re.search(p, label, re.IGNORECASE))
            else:
                kind = link.kind
            if kind in ("paper", "pdf"):
                arxiv, doi = arxiv or link.arxiv, doi or link.doi
                main = main or (kind, link.url)
            links.append((kind, link.url))
        text = clean_text(_LINK.sub(" ", line).replace("**", ""))
        text = re.sub(r"^\s*[-–—:,.]\s*", "", text)
        if not text.strip(" ,.;:"):
            continue
        # Years and venues only from the title line and short detail lines, never from prose notes.
        # Years and venues come from the title line and from author or venue lines, never from notes.
        italic_text = _ITALIC.search(text)
        short_line = index == 0 or _only_venue(text) or looks_like_authors(_without_venue(_PAREN_YEAR.sub(" ", text))) \
            or bool(italic_text and looks_like_authors(italic_text.group(1)))
        if short_line:
            for match in _PAREN_YEAR.finditer(text):
                other_years.append(int(match.group(1)))
            trailing = re.search(r"(?<![\w./-])((?:19|20)\d\d)\W*$", text)
            if trailing and index > 0:
                other_years.append(int(trailing.group(1)))
            dated = _DOT_DATE.search(text)
            if dated:
                other_years.append(int(dated.group(1)))
                month = month or int(dated.group(2))
            found_venue, found_year = venue_in_text(text)
            if found_venue:
                venues_seen.append(found_venue)
        text = _PAREN_YEAR.sub(" ", text)
        text = _DOT_DATE.sub(" ", text)
        italic = _ITALIC.search(text)
        if not authors and italic and looks_like_authors(italic.group(1)):
            authors = split_authors(italic.group(1))
            text = text[: italic.start()] + " " + text[italic.end():]
        candidate = _without_venue(text)
        if not authors and candidate and looks_like_authors(candidate):
            authors = split_authors(candidate)
            continue
        lead = _LEAD_AUTHOR.match(re.sub(r"[,.;]?\s*(?:19|20)\d\d\W*$", "", text.strip()))
        if not authors and lead:
            hint = lead.group(1)  # "Elhage et al.": no names to list, but the id's surname
            continue
        text = clean_text(text.replace("*", "")).strip(" ,.;:-–")
        if text and not (short_line and _only_venue(text)):
            notes.append(text)
    if main is None:
        main = next(((k, u) for k, u in links if k in ("paper", "pdf")), None)
    if main is not None:
        reason = non_paper_reason(main[1])
        if reason:
            result.skipped.append(Skipped(path, item.line, title, reason))
            return
    elif links:
        kinds = " or ".join(sorted({kind for kind, _ in links}))
        result.skipped.append(Skipped(path, item.line, title, f"links only to {kinds}, not to a paper"))
        return
    elif year is None and not other_years:
        result.skipped.append(Skipped(path, item.line, title, "no link and no year: nothing says which paper it is"))
        return
    venue = venue or next(iter(venues_seen), None)
    if venue is None and year is None and not other_years and not arxiv:
        # "### Papers at ICML 2018": the heading names the venue of every paper below it.
        venue = next((v for v in (venue_in_text(s)[0] for s in reversed(sections)) if v), None)
    venue_year = int(venue[-4:]) if venue and venue[-4:].isdigit() else None
    found_year, found_month = combine_year(arxiv, year, *other_years, venue_year, item.section_year)
    if not arxiv and found_year is not None and month and found_year in (year, *other_years):
        found_month = month if 1 <= month <= 12 else None
    all_links = ([main] if main else []) + [pair for pair in links if pair != main]
    result.entries.append(ImportedEntry(
        title=title, source="", path=path, line=item.line, sections=sections, authors=authors, author_hint=hint,
        year=found_year, month=found_month, venue=venue, links=link_pairs(all_links), arxiv=arxiv, doi=doi,
        digest=clean_text(" ".join(notes)) or None,
    ))


def _without_venue(text: str) -> str:
    """Text with a trailing venue and year taken off ("Kipf, Welling. ICLR 2017." -> "Kipf, Welling")."""
    for match in re.finditer(r"[,.;]?\s*\b([A-Za-z]{3,8})\s?((?:19|20)\d\d)\b", text):
        if venue_from_tag(match.group(1) + match.group(2))[0] and looks_like_authors(text[: match.start()]):
            return text[: match.start()].strip(" ,.;:")
    text = re.sub(r"[,.;]?\s*(?:In\s+)?(?:Proc(?:eedings)?\.?\s+(?:of\s+)?)?[A-Z][\w&.\- ]{1,40}?\s*'?(?:19|20)?\d\d\W*$",
                  "", text.strip())
    text = re.sub(r"[,.;]?\s*(?:19|20)\d\d\W*$", "", text)
    return text.strip(" ,.;:")


def _only_venue(text: str) -> bool:
    """Whether a detail line says nothing but a venue and year ("ICLR 2014", "arXiv, 2015")."""
    venue, _ = venue_in_text(text)
    rest = re.sub(r"(?:19|20)\d\d", "", text)
    if venue:
        rest = re.sub(re.escape(venue.split()[0]), "", rest, flags=re.IGNORECASE)
    return len(re.findall(r"[A-Za-z]{3,}", rest)) <= 1
