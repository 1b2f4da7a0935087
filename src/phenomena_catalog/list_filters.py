"""What a paper list can be narrowed by: the choices its filter bar offers, computed at build time.

Every list page (a topic, an author, a year, a venue, a keyword, all papers) renders its papers in
full, each entry carrying ``data-*`` facts (year, venue, topics, kind, has code); ``assets/filters.js``
hides and reorders entries from the choices made here. Without JavaScript the full list shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from phenomena_catalog.catalog import Catalog
from phenomena_catalog.models import KIND_NAMES, KINDS, Paper


@dataclass(frozen=True)
class Choice:
    """One option of a filter: the value the list entries carry, its label and how many papers have it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class ListFilters:
    """The filter choices of one list of papers, each in display order."""

    total: int
    years: tuple[Choice, ...]
    """Oldest first (the "from" menu; "to" shows them newest first)."""
    venues: tuple[Choice, ...]
    topics: tuple[Choice, ...]
    kinds: tuple[Choice, ...]
    """Offered only when the list holds more than papers (books, talks...)."""
    with_code: int

    @property
    def useful(self) -> bool:
        """Whether filtering could narrow the list at all."""
        return self.total > 1


def list_filters(papers: Sequence[Paper], catalog: Catalog) -> ListFilters:
    """The choices for filtering ``papers``: only values that occur in the list, with their counts."""
    years = Counter(paper.year for paper in papers)
    kinds: Counter[str] = Counter(paper.kind for paper in papers)
    venues: Counter[tuple[str, str, str]] = Counter()
    topics: Counter[tuple[int, str, str]] = Counter()
    order = {entry.id: i for i, entry in enumerate(catalog.topics)}
    for paper in papers:
        terms = catalog.paper_terms[paper.id]
        if terms.venue is not None:
            venues[(terms.venue.sort_key, terms.venue.slug, terms.venue.name)] += 1
        for entry in terms.topics:
            topics[(order[entry.id], entry.id, entry.name)] += 1
    return ListFilters(
        total=len(papers),
        years=tuple(Choice(str(year), str(year), years[year]) for year in sorted(years)),
        venues=tuple(Choice(slug, name, count) for (_, slug, name), count in sorted(venues.items())),
        topics=tuple(Choice(topic_id, name, count) for (_, topic_id, name), count in sorted(topics.items())),
        kinds=tuple(Choice(kind, KIND_NAMES[kind], kinds[kind]) for kind in KINDS if kinds[kind])
        if len(kinds) > 1 else (),
        with_code=sum(1 for paper in papers if paper.links.code),
    )
