"""What a paper list can be narrowed by: the choices its filter bar offers, computed at build time.

Every list page (a topic, an author, a year, a venue, a keyword, all papers) renders its papers in
full, each entry carrying ``data-*`` facts (year, venue, topics, kind, has code); ``assets/filters.js``
hides and reorders entries from the choices made here. Without JavaScript the full list shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

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
    (``paper_facets``), so a list's filters are one count over its papers' facet values.

    A facet value is a number, its rank: the values of each facet are numbered in the order the
    filter bar shows them (years, then venues, topics, kinds, and "has code" last), so a list's
    values come out of one count in display order, sorted as plain numbers. A paper's values are
    one string, a character a value (``chr(rank)``): a list's are counted by one ``Counter`` of
    their strings joined, in C."""

    values: dict[str, str]
    """Each paper's facet values, by id (made when first asked for)."""
    meaning: list[tuple[int, str, str]]
    """Each value's facet (0 years, 1 venues, 2 topics, 3 kinds, 4 has code), the value the list
    entries carry and its label, by rank."""
    single: dict[str, ListFilters] = field(default_factory=dict, compare=False, repr=False)
    """The filters of a list of one paper, by the paper's values (``list_filters``)."""

    def kept(self) -> KeptFacets:
        """The facet values worked out so far, for the next build (``paper_facets``)."""
        return KeptFacets(tuple((facet, value) for facet, value, _ in self.meaning), dict(self.values))


@dataclass(frozen=True)
class KeptFacets:
    """Papers' facet values a build worked out (``PaperFacets.kept``), for the next build of the
    same taxonomy to reuse for the papers whose records did not change: they are the same while
    every facet value keeps its rank. An edit lists its paper on pages that list thousands (its
    topic's, its year's): their values are not worked out again (making each paper whole to read
    whether it has a code link took most of an edit's plan stage)."""

    ranks: tuple[tuple[int, str], ...]
    """Each value's facet and value (``PaperFacets.meaning`` without the labels), by rank."""
    values: dict[str, str]
    """Each paper's values (``PaperFacets.values``), by id."""


_YEARS, _VENUES, _TOPICS, _KINDS, _CODE = range(5)


def paper_facets(catalog: Catalog, kept: KeptFacets | None = None, changed: Collection[str] = ()) -> PaperFacets:
    """The facets of every paper of ``catalog``, each worked out when first asked for (a rebuild
    lists a few papers again, not all of them). Where each paper is filed is read from the index
    stage's outline (``Catalog.state``), without making the paper's terms. ``kept``: those a
    build of the same taxonomy and vocabulary worked out, kept for the papers but the ``changed``
    ones (whose records changed since) while every value keeps its rank."""
    state = catalog.state
    if state is not None:
        years = [int(name) for (kind, _), (name, _, _) in state.terms.items() if kind == "years"]
        venues = [(sort_key, slug, name) for (kind, slug), (name, sort_key, _) in state.terms.items()
                  if kind == "venues"]
    else:
        years = [int(term.name) for term in catalog.terms["years"]]
        venues = [(term.sort_key, term.slug, term.name) for term in catalog.terms["venues"]]
    meaning = [(_YEARS, str(year), str(year)) for year in sorted(years)]
    meaning += [(_VENUES, slug, name) for _, slug, name in sorted(venues)]
    meaning += [(_TOPICS, entry.id, entry.name) for entry in catalog.topics]
    meaning += [(_KINDS, kind, KIND_NAMES[kind]) for kind in KINDS]
    meaning.append((_CODE, "", ""))
    ranks = [(facet, value) for facet, value, _ in meaning]
    values = _FacetValues(catalog, {key: rank for rank, key in enumerate(ranks)})
    if kept is not None and kept.ranks == tuple(ranks):
        values.update(kept.values)
        for paper_id in changed:
            values.pop(paper_id, None)
    return PaperFacets(values, meaning)


class _FacetValues(dict[str, str]):
    """Each paper's facet values (``PaperFacets.values``), by id, made on first use."""

    def __init__(self, catalog: Catalog, rank: dict[tuple[int, str], int]) -> None:
        super().__init__()
        self._catalog = catalog
        self._rank = rank
        self._papers: dict[str, Paper] | None = None

    def __missing__(self, paper_id: str) -> str:
        if self._papers is None:
            papers = self._catalog.papers
            ids = self._catalog.paper_ids if len(self._catalog.paper_ids) == len(papers) else map(_ID, papers)
            self._papers = dict(zip(ids, papers, strict=True))
        paper, rank, state = self._papers[paper_id], self._rank, self._catalog.state
        if state is not None:
            topics, _, _, venue, _ = state.filings(paper_id)
        else:
            terms = self._catalog.paper_terms[paper_id]
            topics = tuple(entry.id for entry in terms.topics)
            venue = terms.venue.slug if terms.venue is not None else None
        found = [rank[(_YEARS, str(paper.year))], rank[(_KINDS, paper.kind)]]
        if venue is not None:
            found.append(rank[(_VENUES, venue)])
        found += [rank[(_TOPICS, topic_id)] for topic_id in topics]
        if paper.links.code:
            found.append(rank[(_CODE, "")])
        values = self[paper_id] = "".join(map(chr, found))
        return values


_ID = attrgetter("id")


class PaperList(NamedTuple):
    """One page of a list of papers, as its template shows it."""

    groups: list[tuple[int, tuple[Paper, ...]]]
    """The papers as (year, papers) groups, newest first."""
    filters: ListFilters


def paper_list(papers: Sequence[Paper], ids: Sequence[str], facets: PaperFacets) -> PaperList:
    """``papers`` (of ``ids``, in catalog order: newest first) grouped by year, and the choices for
    filtering them: only values that occur in the list, with their counts.

    ``facets`` are the catalog's (``paper_facets``): one count over the papers' facet values (in C)
    gives both, then a look at each value found, in display order: the papers of each year are
    as many in a row as the year's count, so the groups are slices. A list of one paper has the
    filters of any other list of a paper with the same values (the same object).
    """
    values = facets.values
    if len(ids) == 1:
        single = values[ids[0]]
        found = facets.single.get(single)
        if found is not None:
            return PaperList([(int(facets.meaning[ord(single[0])][1]), tuple(papers))], found)
    counts = Counter("".join(map(values.__getitem__, ids)))
    meaning = facets.meaning
    choices: tuple[list[Choice], ...] = ([], [], [], [], [])
    for rank in sorted(counts):
        facet, value, label = meaning[ord(rank)]
        choices[facet].append(Choice(value, label, counts[rank]))
    years, venues, topics, kinds, code = choices
    filters = ListFilters(total=len(ids), years=tuple(years), venues=tuple(venues), topics=tuple(topics),
                          kinds=tuple(kinds) if len(kinds) > 1 else (), with_code=code[0].count if code else 0)
    if len(ids) == 1:
        facets.single[single] = filters
    groups = []
    start = 0
    for year in reversed(years):
        end = start + year.count
        groups.append((int(year.value), tuple(papers[start:end])))
        start = end
    return PaperList(groups, filters)
