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
import posixpath
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from markupsafe import escape

from phenomena_catalog import urls
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
    return f"{indent}<{name}>{escape(text)}</{name}>\n"


def atom_feed(entries: Sequence[FeedEntry], *, title: str, feed_url: str, page_url: str,
              site_title: str, base_url: str | None) -> str:
    """An Atom document. ``feed_url`` and ``page_url`` are site-relative (``topics/grokking.atom``)."""

    def address(url: str) -> str:
        """Absolute with ``base_url``; else relative to the feed's own folder."""
        if base_url:
            return urls.absolute_url(base_url, url)
        return posixpath.relpath(url, posixpath.dirname(feed_url) or ".")

    def entry_id(paper: Paper) -> str:
        if base_url:
            return urls.absolute_url(base_url, urls.paper_url(paper.id))
        return uuid.uuid5(_NAMESPACE, paper.id).urn

    feed_id = (urls.absolute_url(base_url, feed_url) if base_url
               else uuid.uuid5(_NAMESPACE, "feed:" + feed_url).urn)
    updated = max((e.paper.added for e in entries), default=dt.date(1970, 1, 1))
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', '<feed xmlns="http://www.w3.org/2005/Atom">\n',
           _element("id", feed_id, "  "), _element("title", title, "  "),
           _element("updated", _timestamp(updated), "  "),
           f'  <link rel="self" type="application/atom+xml" href="{escape(address(feed_url))}"/>\n',
           f'  <link rel="alternate" type="text/html" href="{escape(address(page_url))}"/>\n',
           f"  <author>\n{_element('name', site_title)}  </author>\n",
           "  <generator>phenomena-catalog</generator>\n"]
    for entry in entries:
        paper = entry.paper
        out.append("  <entry>\n")
        out.append(_element("id", entry_id(paper)))
        out.append(_element("title", paper.title))
        out.append(f'    <link rel="alternate" type="text/html" href="{escape(address(urls.paper_url(paper.id)))}"/>\n')
        out.append(_element("published", _timestamp(paper.added)))
        out.append(_element("updated", _timestamp(paper.added)))
        for author in paper.authors:
            out.append(f"    <author>\n{_element('name', author, '      ')}    </author>\n")
        for category in entry.categories:
            out.append(f'    <category term="{escape(category)}"/>\n')
        out.append(_element("summary", entry.summary))
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out)
