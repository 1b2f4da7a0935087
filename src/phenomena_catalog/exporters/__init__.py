"""Exporters: the catalog written out in other formats (BibTeX, JSON, an awesome-list README).

Each exporter is a pure function from loaded records to text; commands and the site decide where the
text goes. ``topic_papers`` is the one rule for "the papers of a topic" that every export shares.
"""

from __future__ import annotations

from itertools import compress
from operator import attrgetter

from phenomena_catalog.catalog import Catalog, TopicEntry
from phenomena_catalog.errors import UserError
from phenomena_catalog.models import Paper
from phenomena_catalog.suggest import closest


def find_topic(catalog: Catalog, topic_id: str) -> TopicEntry:
    """The topic ``topic_id``; a UserError naming the known topics (or the closest one) otherwise."""
    for entry in catalog.topics:
        if entry.id == topic_id:
            return entry
    known = [t.id for t in catalog.topics]
    close = closest(topic_id, known)
    hint = f"did you mean '{close}'?" if close else "the topics are: " + ", ".join(known)
    raise UserError(f"unknown topic '{topic_id}'; {hint}")


def topic_subtree(catalog: Catalog, topic_id: str) -> list[TopicEntry]:
    """The topic ``topic_id`` and all of its subtopics, parent before children."""
    found: list[TopicEntry] = []
    stack = [find_topic(catalog, topic_id)]
    while stack:
        entry = stack.pop()
        found.append(entry)
        stack.extend(reversed(entry.children))
    return found


def topic_papers(catalog: Catalog, topic_id: str) -> tuple[Paper, ...]:
    """The papers filed under a topic or any of its subtopics, in catalog order (newest first).

    This matches the paper count the site shows for a topic (``TopicEntry.total``).
    """
    wanted = {paper_id for entry in topic_subtree(catalog, topic_id) for paper_id in map(_ID, entry.papers)}
    # (one pass in C over every paper: an edit plans its topics' pages again, and the ``.bib`` of each)
    return tuple(compress(catalog.papers, map(wanted.__contains__, map(_ID, catalog.papers))))


_ID = attrgetter("id")
