"""What a paper list can be narrowed by: the choices its filter bar offers, computed at build time.

Every list page (a topic, an author, a year, a venue, a keyword, all papers) renders its papers in
full, each entry carrying ``data-*`` facts (year, venue, topics, kind, has code); ``assets/filters.js``
hides and reorders entries from the choices made here. Without JavaScript the full list shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

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


@dataclass(frozen=True)
class PaperFacets:
    """What each paper of a catalog can be filtered by, worked out once for all its lists
    (``paper_facets``), so a list's filters cost a few counts over its papers."""

    venues: dict[str, tuple[str, str, str] | None]
    """Each paper's venue as (sort key, slug, name), by id."""
    topics: dict[str, tuple[tuple[int, str, str], ...]]
    """Each paper's topics as (taxonomy position, id, name), by id."""
    with_code: dict[str, bool]
    """Whether each paper links to code, by id."""


def paper_facets(catalog: Catalog) -> PaperFacets:
    """The facets of every paper of ``catalog``."""
    order = {entry.id: i for i, entry in enumerate(catalog.topics)}
    venues: dict[str, tuple[str, str, str] | None] = {}
    topics: dict[str, tuple[tuple[int, str, str], ...]] = {}
    for paper in catalog.papers:
        terms = catalog.paper_terms[paper.id]
        venue = terms.venue
        venues[paper.id] = (venue.sort_key, venue.slug, venue.name) if venue is not None else None
        topics[paper.id] = tuple((order[entry.id], entry.id, entry.name) for entry in terms.topics)
    return PaperFacets(venues, topics, {paper.id: bool(paper.links.code) for paper in catalog.papers})


_ID = attrgetter("id")
_YEAR = attrgetter("year")
_KIND = attrgetter("kind")


def list_filters(papers: Sequence[Paper], facets: PaperFacets) -> ListFilters:
    """The choices for filtering ``papers``: only values that occur in the list, with their counts.

    ``facets`` are the catalog's (``paper_facets``). The counting runs in C (map, Counter).
    """
    ids = list(map(_ID, papers))
    years = Counter(map(_YEAR, papers))
    kinds: Counter[str] = Counter(map(_KIND, papers))
    venues = Counter(filter(None, map(facets.venues.__getitem__, ids)))
    topics = Counter(chain.from_iterable(map(facets.topics.__getitem__, ids)))
    return ListFilters(
        total=len(papers),
        years=tuple(Choice(str(year), str(year), years[year]) for year in sorted(years)),
        venues=tuple(Choice(slug, name, count) for (_, slug, name), count in sorted(venues.items())),
        topics=tuple(Choice(topic_id, name, count) for (_, topic_id, name), count in sorted(topics.items())),
        kinds=tuple(Choice(kind, KIND_NAMES[kind], kinds[kind]) for kind in KINDS if kinds[kind])
        if len(kinds) > 1 else (),
        with_code=sum(map(facets.with_code.__getitem__, ids)),
    )
