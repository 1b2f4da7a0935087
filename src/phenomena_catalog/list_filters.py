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
    (``paper_facets``), so a list's filters are one count over its papers' facet values."""

    values: dict[str, tuple[str, ...]]
    """Each paper's facet values, by id, each a letter and a value: "y" and its year, "k" and its
    kind, "v" and its venue's slug, "t" and a topic's id, and "c" alone if it links to code."""
    venues: dict[str, tuple[str, str]]
    """Each venue's (sort key, name), by slug."""
    topics: dict[str, tuple[int, str]]
    """Each topic's (taxonomy position, name), by id."""


def paper_facets(catalog: Catalog) -> PaperFacets:
    """The facets of every paper of ``catalog``, each worked out when first asked for (a rebuild
    lists a few papers again, not all of them)."""
    venues = {term.slug: (term.sort_key, term.name) for term in catalog.terms["venues"]}
    topics = {entry.id: (i, entry.name) for i, entry in enumerate(catalog.topics)}
    return PaperFacets(_FacetValues(catalog), venues, topics)


class _FacetValues(dict[str, tuple[str, ...]]):
    """Each paper's facet values (``PaperFacets.values``), by id, made on first use."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self._catalog = catalog
        self._papers: dict[str, Paper] | None = None

    def __missing__(self, paper_id: str) -> tuple[str, ...]:
        if self._papers is None:
            papers = self._catalog.papers
            ids = self._catalog.paper_ids if len(self._catalog.paper_ids) == len(papers) else map(_ID, papers)
            self._papers = dict(zip(ids, papers, strict=True))
        paper, terms = self._papers[paper_id], self._catalog.paper_terms[paper_id]
        found = [f"y{paper.year}", f"k{paper.kind}"]
        if terms.venue is not None:
            found.append("v" + terms.venue.slug)
        found += ["t" + entry.id for entry in terms.topics]
        if paper.links.code:
            found.append("c")
        values = self[paper_id] = tuple(found)
        return values


_ID = attrgetter("id")


def list_filters(papers: Sequence[Paper], facets: PaperFacets) -> ListFilters:
    """The choices for filtering ``papers``: only values that occur in the list, with their counts.

    ``facets`` are the catalog's (``paper_facets``): one count over the papers' facet values (in C)
    and a look at each value found.
    """
    counts = Counter(chain.from_iterable(map(facets.values.__getitem__, map(_ID, papers))))
    found: dict[str, dict[str, int]] = {"y": {}, "k": {}, "v": {}, "t": {}, "c": {}}
    for value, count in counts.items():
        found[value[0]][value[1:]] = count
    years, kinds, venues, topics = found["y"], found["k"], found["v"], found["t"]
    venue_of, topic_of = facets.venues, facets.topics
    return ListFilters(
        total=len(papers),
        years=tuple(Choice(year, year, years[year]) for year in sorted(years, key=int)),
        venues=tuple(Choice(slug, venue_of[slug][1], venues[slug])
                     for slug in sorted(venues, key=lambda slug: (venue_of[slug][0], slug))),
        topics=tuple(Choice(topic_id, topic_of[topic_id][1], topics[topic_id])
                     for topic_id in sorted(topics, key=topic_of.__getitem__)),
        kinds=tuple(Choice(kind, KIND_NAMES[kind], kinds[kind]) for kind in KINDS if kind in kinds)
        if len(kinds) > 1 else (),
        with_code=found["c"].get("", 0),
    )
