"""How a paper is presented: the wording rules every page, data file and script share.

Templates call these (they are Jinja globals) instead of computing the rules themselves, and
the search index's result chunks carry their results, so the browser's search shows papers the same way
without repeating the rules in JavaScript::

    >>> byline(["A", "B", "C", "D", "E", "F", "G"])
    'A, B, C, D, E, F, et al.'
    >>> venue_year("NeurIPS 2021", 2021), venue_year("ICLR Workshop", 2022), venue_year(None, 2020)
    ('NeurIPS 2021', 'ICLR Workshop · 2022', '2020')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape as html_unescape
from typing import TYPE_CHECKING

from markupsafe import Markup

from phenomena_catalog import arxiv_ids
from phenomena_catalog.markup import render_markdown
from phenomena_catalog.models import Paper

if TYPE_CHECKING:
    from phenomena_catalog.catalog import PaperTerms

BYLINE_AUTHORS = 6
"""How many authors a paper's list entry names before "et al."."""
RELATED_AUTHORS = 3
"""How many authors a related paper's entry (on a paper's page) names before "et al."."""

KIND_LABELS = {
    "topics": ("Topic", "Topics"),
    "authors": ("Author", "Authors"),
    "years": ("Year", "Years"),
    "venues": ("Venue", "Venues"),
    "keywords": ("Keyword", "Keywords"),
}
"""Each taxonomy's name, singular and plural."""

LINK_LABELS = {
    "paper": "Paper", "pdf": "PDF", "code": "Code", "project": "Project page", "video": "Video",
    "slides": "Slides", "blog": "Blog post", "data": "Data",
}
"""The button text of each kind of link a record may have."""


def byline(authors: Sequence[str], limit: int = BYLINE_AUTHORS) -> str:
    """The authors a list entry shows: the first six (``limit``), then "et al."."""
    shown = ", ".join(authors[:limit])
    return shown + ", et al." if len(authors) > limit else shown


def related_byline(authors: Sequence[str]) -> str:
    """The authors a related paper's entry shows: the first three, then "et al."."""
    return byline(authors, RELATED_AUTHORS)


def topic_ids(terms: PaperTerms) -> str:
    """The ids of a paper's topics, space-separated: its list entry's ``data-topics``, which
    ``filters.js`` filters by."""
    return " ".join([topic.id for topic in terms.topics])


def venue_year(venue: str | None, year: int) -> str:
    """Venue and year as a list entry shows them, the year only once ("NeurIPS 2021", "ICLR Workshop · 2022")."""
    if not venue:
        return str(year)
    return venue if str(year) in venue else f"{venue} · {year}"


def doi_url(doi: str) -> str:
    """The resolver link of a DOI."""
    return f"https://doi.org/{doi}"


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """A paper's link buttons as (label, url): its links in field order, then its arXiv abstract
    (unless a link already goes there) and its DOI."""
    links = [(LINK_LABELS[kind], url) for kind, url in paper.links.items()]
    if paper.arxiv:
        abstract = arxiv_ids.abs_url(paper.arxiv)
        if all(url != abstract for _, url in links):
            links.append(("arXiv", abstract))
    if paper.doi:
        links.append(("DOI", doi_url(paper.doi)))
    return links


def digest_html(paper: Paper) -> Markup | None:
    """A paper's digest as HTML (its Markdown rendered), or None when it has none."""
    return render_markdown(paper.digest) if paper.digest else None


def paper_summary(paper: Paper, digest: Markup | None) -> str:
    """A paper in plain text for its meta description and feed entries: its digest's text (``digest``
    is the digest as HTML) cut at a word boundary, or else its title and year."""
    return html_summary(digest) if digest else f"{paper.title} ({paper.year})"


_TAG = re.compile(r"<[^>]*>")


def plain_text(html: str) -> str:
    """The text of ``html``: ``Markup(html).striptags()`` (tags removed, spaces collapsed, entities
    unescaped), at a third of its cost: markupsafe cuts tags out one at a time, copying the text each
    time. A tag is cut from a ``<`` to the next ``>``, as markupsafe cuts it; comments, which it cuts
    first, are left to it (Markdown rendered with raw HTML escaped has none)."""
    if "<!--" in html:
        return Markup(html).striptags()
    return html_unescape(" ".join(_TAG.sub("", html).split()))


_REFERENCE_RUN = re.compile(r"&[^\t\n\f <&;]*")
"""A character reference (``&amp;``, ``&#39;``...) up to where it ends: still open if that is the text's end."""


def html_summary(html: str, limit: int = 160) -> str:
    """``summary(plain_text(html), limit)``, from as little of ``html`` as that takes: a digest's page
    shows its first 160 characters, of a kilobyte or more of HTML (plain text of all of it: 8 us).

    The text of ``html`` up to a place where no tag is open (every ``<`` before it closed by a ``>``
    before it) is the start of its whole text: no tag that ``plain_text`` cuts spans that place, and
    spaces collapse the same. A character reference still open where that text ends could read
    differently in the whole (none in HTML rendered from Markdown): then, or when the text is not
    longer than ``limit``, the whole is read."""
    html = str(html)  # (a Markup's slices are Markup, made in Python)
    if "<!--" not in html:
        cut = 2 * limit
        while cut < len(html):
            if html.rfind("<", 0, cut) > html.rfind(">", 0, cut):  # (inside a tag: cut after it)
                cut = html.find(">", cut) + 1
                if cut == 0:
                    break
            text = " ".join(_TAG.sub("", html[:cut]).split())
            last = text.rfind("&")
            if last >= 0 and _REFERENCE_RUN.fullmatch(text, last):
                break
            text = html_unescape(text)
            if len(text) > limit:
                return summary(text, limit)
            cut *= 4
    return summary(plain_text(html), limit)


def summary(text: str, limit: int = 160) -> str:
    """Plain text cut at a word boundary, for a page's meta description."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
