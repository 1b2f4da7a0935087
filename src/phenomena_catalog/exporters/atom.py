"""Atom feeds (RFC 4287) of newly added papers: newest ``added`` first, capped, deterministic.

No build time goes in: the feed's ``updated`` is the latest ``added`` date among its entries, so the
same records always give the same file. Every entry has an id, a title, a link to the paper's
page, ``updated`` (its ``added`` day), its authors and a plain-text summary.

Addresses. With ``base_url`` set, links and entry ids are the pages' absolute addresses. Without
it the site's address is unknown, so links are relative to the feed file itself (RFC 4287 resolves
them against the feed's own address, which feedparser and the common readers do) and entry ids
are ``urn:uuid:`` names derived from the paper's id, stable across builds. Setting ``base_url``
later changes the ids once, so a reader may show the feed's entries again one time.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from phenomena_catalog import urls
from phenomena_catalog.markup import escaped_text
from phenomena_catalog.models import Paper

FEED_ENTRIES = 50
"""How many of the most recently added papers a feed holds."""

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_OID, "phenomena-catalog")
"""Names the ``urn:uuid:`` ids of feeds built without ``base_url``."""


@dataclass(frozen=True)
class FeedEntry:
    """One paper as a feed entry, with its text decided (summary, categories)."""

    paper: Paper
    summary: str
    categories: tuple[str, ...]


def newest_added(papers: Sequence[Paper], limit: int = FEED_ENTRIES) -> list[Paper]:
    """The ``limit`` most recently added papers, newest first (same day: by id)."""
    # Two stable sorts by attributes (keys read in C), not one by a tuple made in Python per paper:
    # a reverse sort keeps equal papers in the order they came in (here: by id).
    return sorted(sorted(papers, key=_ID), key=_ADDED, reverse=True)[:limit]


_ID, _ADDED = attrgetter("id"), attrgetter("added")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _element(name: str, text: str, indent: str = "    ") -> str:
    # (markupsafe's escaping as plain text: ``escape`` makes a Markup object of each value, a third
    # of a feed's time)
    return f"{indent}<{name}>{escaped_text(text)}</{name}>\n"


@functools.lru_cache(maxsize=4096)
def _urn(name: str) -> str:
    """The ``urn:uuid:`` id of ``name`` (a paper of several feeds gets its id once)."""
    return uuid.uuid5(_NAMESPACE, name).urn


def relative_to(folder: str) -> Callable[[str], str]:
    """``posixpath.relpath(url, folder)`` for site-relative ``url``s, the relative path of each url's
    folder worked out once: a feed links 50 paper pages of one folder, and ``relpath`` makes both
    paths absolute (two ``getcwd`` calls) for each. The same text: a url whose last part is empty,
    ``.`` or ``..``, or a part of ``folder`` (where ``relpath`` may cut it), goes to ``relpath``."""
    start = folder or "."
    parts = set(start.split("/"))
    known: dict[str, str] = {}

    def relative(url: str) -> str:
        head, _, name = url.rpartition("/")
        if not head or name in parts or name in ("", ".", ".."):
            return posixpath.relpath(url, start)
        found = known.get(head)
        if found is None:
            found = known[head] = posixpath.relpath(head, start)
        return name if found == "." else f"{found}/{name}"

    return relative


def atom_feed(entries: Sequence[FeedEntry], *, title: str, feed_url: str, page_url: str,
              site_title: str, base_url: str | None) -> str:
    """An Atom document. ``feed_url`` and ``page_url`` are site-relative (``topics/grokking.atom``)."""

    relative = relative_to(posixpath.dirname(feed_url))

    def address(url: str) -> str:
        """Absolute with ``base_url``; else relative to the feed's own folder."""
        if base_url:
            return urls.absolute_url(base_url, url)
        return relative(url)

    def entry_id(paper: Paper) -> str:
        if base_url:
            return urls.absolute_url(base_url, urls.paper_url(paper.id))
        return _urn(paper.id)

    feed_id = (urls.absolute_url(base_url, feed_url) if base_url
               else uuid.uuid5(_NAMESPACE, "feed:" + feed_url).urn)
    updated = max((e.paper.added for e in entries), default=dt.date(1970, 1, 1))
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', '<feed xmlns="http://www.w3.org/2005/Atom">\n',
           _element("id", feed_id, "  "), _element("title", title, "  "),
           _element("updated", _timestamp(updated), "  "),
           f'  <link rel="self" type="application/atom+xml" href="{escaped_text(address(feed_url))}"/>\n',
           f'  <link rel="alternate" type="text/html" href="{escaped_text(address(page_url))}"/>\n',
           f"  <author>\n{_element('name', site_title)}  </author>\n",
           "  <generator>phenomena-catalog</generator>\n"]
    for entry in entries:
        paper = entry.paper
        out.append("  <entry>\n")
        out.append(_element("id", entry_id(paper)))
        out.append(_element("title", paper.title))
        link = escaped_text(address(urls.paper_url(paper.id)))
        out.append(f'    <link rel="alternate" type="text/html" href="{link}"/>\n')
        out.append(_element("published", _timestamp(paper.added)))
        out.append(_element("updated", _timestamp(paper.added)))
        for author in paper.authors:
            out.append(f"    <author>\n{_element('name', author, '      ')}    </author>\n")
        for category in entry.categories:
            out.append(f'    <category term="{escaped_text(category)}"/>\n')
        out.append(_element("summary", entry.summary))
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out)
