"""Every slug, URL and output-path rule of the site, in one place.

URLs are site-root-relative paths such as ``topics/grokking.html``. Pages link to each other by
prefixing the page's ``root`` ("" at the top, "../" one folder down), so every link is relative and
the site works from a sub-path or straight from disk. Pages are files named ``.html`` (never bare
folders), because a browser opening ``file://.../topics/`` would show a listing, not the page.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from phenomena_catalog.folding import fold

_NON_SLUG = re.compile(r"[^a-z0-9]+")

HOME = "index.html"
ALL_PAPERS = "papers/index.html"
CATALOG_JSON = "papers.json"
SEARCH = "search.html"
SEARCH_MANIFEST = "search/manifest.js"
SITEMAP = "sitemap.xml"
FEED = "feed.atom"
"""The Atom feed of newly added papers, for the whole catalog."""
CSL_JSON = "papers.csl.json"
"""The whole catalog as CSL-JSON (pandoc, Zotero, citeproc)."""
NOT_FOUND = "404.html"
"""The page a static host (GitHub Pages) serves for any missing address."""

TAXONOMY_FOLDERS = {
    "topics": "topics",
    "authors": "authors",
    "years": "years",
    "venues": "venues",
    "keywords": "keywords",
}


RESERVED_NAMES = frozenset({"index"})
"""Names that each folder's own index page uses: no term or record may take them."""


MAX_SLUG = 80
"""Longest slug: a term's page name stays far below file systems' 255-byte limit, whatever its name."""


@cache
def slugify(text: str) -> str:
    """A URL-safe, lowercase ASCII slug, at most ``MAX_SLUG`` long; never empty.

        >>> slugify("Lénaïc Chizat"), slugify("Юрий Бурда"), slugify("王伟")
        ('lenaic-chizat', 'yuriy-burda', 'wangwei')

    Names are transliterated (``folding.fold``), not stripped of what is not ASCII. A longer name
    is cut at ``MAX_SLUG`` with a hash of the whole name, so two long names never share a page.
    """
    slug = _NON_SLUG.sub("-", fold(text).lower()).strip("-")
    if not slug:
        # Characters no script table transliterates (private use, unassigned) keep a stable slug.
        slug = "u" + "-".join(f"{ord(c):x}" for c in text.strip()[:12])
    if len(slug) > MAX_SLUG:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[: MAX_SLUG - 9].rstrip('-')}-{digest}"
    if slug in RESERVED_NAMES:
        slug += "-1"  # a keyword "Index" must not replace keywords/index.html
    return slug


def paper_url(paper_id: str) -> str:
    """The page of one paper."""
    return f"papers/{paper_id}.html"


def term_url(kind: str, slug: str) -> str:
    """The page of one topic, author, year, venue or keyword."""
    return f"{TAXONOMY_FOLDERS[kind]}/{slug}.html"


def paged_url(url: str, number: int) -> str:
    """Page ``number`` of a long list whose first page is ``url`` ("papers/index.page-2.html").

    A dot cannot occur in a slug or id, so these names never collide with a term's page.
    """
    return url if number == 1 else f"{url.removesuffix('.html')}.page-{number}.html"


def topic_bibtex_url(topic_id: str) -> str:
    """A topic's papers (with its subtopics') as one BibTeX file."""
    return f"topics/{topic_id}.bib"


def topic_feed_url(topic_id: str) -> str:
    """The Atom feed of a topic's (and its subtopics') newly added papers."""
    return f"topics/{topic_id}.atom"


def absolute_url(base_url: str, url: str) -> str:
    """A site-relative URL as an absolute address below ``base_url`` (the site's public address)."""
    return base_url.rstrip("/") + "/" + url


def kind_index_url(kind: str) -> str:
    """The page listing every term of one kind."""
    return f"{TAXONOMY_FOLDERS[kind]}/index.html"


def root_of(url: str) -> str:
    """The relative prefix that leads from the page at ``url`` back to the site root."""
    return "../" * url.count("/")


def section_of(url: str) -> str:
    """The top folder of the page at ``url`` ("topics", "papers", "authors"...), "" at the site root."""
    return url.partition("/")[0] if "/" in url else ""


def search_file(part: str, key: str | int) -> str:
    """One file of the search index: a term shard ("t", key), facet ("f", n) or result ("d", n) chunk.

    A shard's key is written in hex, which keeps any script's letters out of file names.
    """
    name = str(key).encode().hex() if part == "t" else str(key)
    return f"search/{part}-{name}.js"
