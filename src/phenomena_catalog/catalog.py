"""Index stage: checked records -> a read-only catalog indexed by topic, author, year, venue, keyword.

Everything the pages need is sorted and grouped here, once, so templates only present. Taxonomy
terms are small values (``Term``) that know their slug and URL.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby

from phenomena_catalog import urls
from phenomena_catalog.models import KeywordEntry, Paper, Topic
from phenomena_catalog.records import Records

TERM_KINDS = ("authors", "years", "venues", "keywords")
_YEAR_TOKEN = re.compile(r"(?<![\w-])(?:19|20)\d\d(?![\w-])|'\d\d\b")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, eq=False)
class Term:
    """One author, year, venue or keyword, with the papers filed under it (newest first)."""

    kind: str
    name: str
    slug: str
    papers: tuple[Paper, ...]
    sort_key: str = ""
    """Order in index pages: the slug, or for authors the family name first ("frankle jonathan-frankle")."""
    ids: tuple[str, ...] = ()
    """The ids of ``papers``, in the same order."""

    @property
    def initial(self) -> str:
        """The letter this term is filed under in an A-Z index ("#" for digits)."""
        first = (self.sort_key or self.slug)[:1].upper()
        return first if first.isalpha() else "#"

    @property
    def url(self) -> str:
        return urls.term_url(self.kind, self.slug)


@dataclass(frozen=True, eq=False)
class TopicEntry:
    """One topic of the taxonomy, its papers, and its place in the tree."""

    topic: Topic
    papers: tuple[Paper, ...]
    """Papers filed directly under this topic, newest first."""
    children: tuple[TopicEntry, ...] = ()
    parent_id: str | None = None
    total: int = 0
    """Distinct papers under this topic and all of its subtopics."""

    @property
    def id(self) -> str:
        return self.topic.id

    @property
    def slug(self) -> str:
        return self.topic.id

    @property
    def name(self) -> str:
        return self.topic.title

    @property
    def url(self) -> str:
        return urls.term_url("topics", self.topic.id)


@dataclass(frozen=True)
class PaperTerms:
    """The terms one paper is filed under, for linking from its page and listings."""

    topics: tuple[TopicEntry, ...]
    authors: tuple[Term, ...]
    year: Term
    venue: Term | None
    keywords: tuple[Term, ...]


@dataclass(frozen=True)
class Catalog:
    """The whole catalog, indexed. Built once by ``index_catalog``; never mutated."""

    papers: tuple[Paper, ...]
    """Every paper, newest first, then by title."""
    topics: tuple[TopicEntry, ...]
    """Every topic in taxonomy order."""
    roots: tuple[TopicEntry, ...]
    """Topics without a parent, in taxonomy order."""
    terms: dict[str, tuple[Term, ...]]
    """For each kind in TERM_KINDS, its terms in display order."""
    paper_terms: dict[str, PaperTerms] = field(repr=False)
    """For each paper id, the terms it is filed under."""
    vocabulary: tuple[KeywordEntry, ...] = ()
    """The keyword vocabulary the keywords were canonicalized with."""
    paper_ids: tuple[str, ...] = field(default=(), repr=False)
    """The ids of ``papers``, in the same order."""
    digests: dict[str, str] = field(default_factory=dict, repr=False)
    """For each paper id, the digest of the record it was made from (``Records.digests``): an
    incremental stage reads again only the papers whose digest changed (empty: not known)."""

    def topic(self, topic_id: str) -> TopicEntry:
        return next(t for t in self.topics if t.id == topic_id)


def paper_order(paper: Paper) -> tuple[int, int, str]:
    """Newest first, then by title: the order of every paper list on the site."""
    return (-paper.year, -(paper.month or 0), paper.title.casefold())


def index_key(paper: Paper) -> str:
    """A digest of everything the index reads of a paper (its order, topics, terms) and of its
    added date (which picks the home page's and the feeds' papers): an edit that keeps it (a digest,
    a link, a note) leaves every term, topic, list and count of the catalog as it was."""
    key = (paper.year, paper.month, paper.title, paper.added, tuple(paper.topics), tuple(paper.authors),
           paper.venue, tuple(paper.keywords))
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def venue_series(venue: str) -> str:
    """The venue without its year, so "NeurIPS 2021" and "NeurIPS 2022" share one page."""
    return _SPACES.sub(" ", _YEAR_TOKEN.sub(" ", venue)).strip(" ,.-") or venue


def keyword_canonicalizer(vocabulary: Iterable[KeywordEntry]) -> Callable[[str], str]:
    """A function mapping any spelling of a keyword to its canonical name (case-insensitively)."""
    canonical: dict[str, str] = {}
    for entry in vocabulary:
        for spelling in (entry.name, *entry.aliases):
            canonical.setdefault(spelling.casefold(), entry.name)

    def canonicalize(keyword: str) -> str:
        return canonical.get(keyword.casefold(), keyword)

    return canonicalize


def term_name(spellings: dict[str, int]) -> str:
    """The name of a term spelled these ways (each with its count): the most frequent spelling,
    the first in sorted order among equally frequent ones."""
    if len(spellings) == 1:
        return next(iter(spellings))
    return max(sorted(spellings.items()), key=lambda item: item[1])[0]


def group_terms(named: Iterable[tuple[str, Paper]]) -> dict[str, tuple[str, list[Paper]]]:
    """Group (name, paper) pairs by slug; the most frequent spelling names the term."""
    grouped = _TermGroups()
    for name, paper in named:
        grouped.file(name, paper, paper.id)
    return {slug: (term_name(grouped.spellings[slug]), papers) for slug, papers in grouped.papers.items()}


class _TermGroups:
    """Names of one kind filed by slug, each with its spellings' counts and its papers in order."""

    def __init__(self) -> None:
        self.spellings: dict[str, dict[str, int]] = {}
        self.papers: dict[str, list[Paper]] = {}
        self.ids: dict[str, list[str]] = {}

    def file(self, name: str, paper: Paper, paper_id: str) -> str:
        """File ``paper`` (of id ``paper_id``) under ``name``; the name's slug."""
        slug = urls.slugify(name)
        counts = self.spellings.get(slug)
        if counts is None:
            self.spellings[slug] = {name: 1}
            self.papers[slug] = [paper]
            self.ids[slug] = [paper_id]
        else:
            counts[name] = counts.get(name, 0) + 1
            papers = self.papers[slug]
            if papers[-1] is not paper:
                papers.append(paper)
                self.ids[slug].append(paper_id)
        return slug


def _sort_key(kind: str, name: str, slug: str) -> str:
    if kind == "authors":
        family = name.rsplit(" ", 1)[-1]
        return f"{urls.slugify(family)} {slug}"
    return slug


def group_by_year(papers: Iterable[Paper]) -> list[tuple[int, tuple[Paper, ...]]]:
    """Papers (already newest first) as (year, papers) groups."""
    return [(year, tuple(group)) for year, group in groupby(papers, key=lambda p: p.year)]


def index_catalog(papers: Iterable[Paper], topics: list[Topic], keywords: list[KeywordEntry]) -> Catalog:
    """Index validated papers by every taxonomy. Pure; the input must already be valid."""
    ordered = tuple(sorted(papers, key=paper_order))
    canonical_keyword = keyword_canonicalizer(keywords)

    direct: dict[str, list[Paper]] = defaultdict(list)
    for paper in ordered:
        for topic_id in dict.fromkeys(paper.topics):
            direct[topic_id].append(paper)
    children_of: dict[str | None, list[Topic]] = defaultdict(list)
    for topic in topics:
        children_of[topic.parent].append(topic)

    entries: dict[str, TopicEntry] = {}

    def build_entry(topic: Topic) -> tuple[TopicEntry, set[str]]:
        children, under = [], {p.id for p in direct[topic.id]}
        for child in children_of[topic.id]:
            child_entry, child_under = build_entry(child)
            children.append(child_entry)
            under |= child_under
        entry = TopicEntry(topic, tuple(direct[topic.id]), tuple(children), topic.parent, len(under))
        entries[topic.id] = entry
        return entry, under

    roots = tuple(build_entry(topic)[0] for topic in children_of[None])
    topic_entries = tuple(entries[t.id] for t in topics)

    # One pass files every paper under its terms, keeping each paper's slugs for its PaperTerms.
    groups = {kind: _TermGroups() for kind in TERM_KINDS}
    authors, years, venues, keyword_groups = (groups[kind] for kind in TERM_KINDS)
    series: dict[str, str] = {}
    filed: list[tuple[list[str], str, str | None, list[str]]] = []
    ids = tuple(paper.id for paper in ordered)
    for paper, paper_id in zip(ordered, ids, strict=True):
        venue_slug = None
        if paper.venue:
            name = series.get(paper.venue)
            if name is None:
                name = series[paper.venue] = venue_series(paper.venue)
            venue_slug = venues.file(name, paper, paper_id)
        filed.append(([authors.file(author, paper, paper_id) for author in paper.authors],
                      years.file(str(paper.year), paper, paper_id), venue_slug,
                      [keyword_groups.file(canonical_keyword(k), paper, paper_id) for k in paper.keywords]))
    terms: dict[str, tuple[Term, ...]] = {}
    by_slug: dict[str, dict[str, Term]] = {}
    for kind, grouped in groups.items():
        made = {}
        for slug, found in grouped.papers.items():
            name = term_name(grouped.spellings[slug])
            made[slug] = Term(kind, name, slug, tuple(found), _sort_key(kind, name, slug), tuple(grouped.ids[slug]))
        by_slug[kind] = made
        if kind == "years":
            terms[kind] = tuple(sorted(made.values(), key=lambda t: -int(t.name)))
        else:
            terms[kind] = tuple(sorted(made.values(), key=lambda t: t.sort_key))

    author_terms, year_terms, venue_terms, keyword_terms = (by_slug[kind] for kind in TERM_KINDS)
    paper_terms = {
        paper.id: PaperTerms(
            topics=tuple(entries[t] for t in dict.fromkeys(paper.topics)),
            authors=tuple(author_terms[slug] for slug in author_slugs),
            year=year_terms[year_slug],
            venue=venue_terms[venue_slug] if venue_slug is not None else None,
            keywords=tuple(dict.fromkeys(keyword_terms[slug] for slug in keyword_slugs)),
        )
        for paper, (author_slugs, year_slug, venue_slug, keyword_slugs) in zip(ordered, filed, strict=True)
    }
    return Catalog(ordered, topic_entries, roots, terms, paper_terms, tuple(keywords), ids)


def index(records: Records) -> Catalog:
    """The index stage: checked records -> the catalog every page is planned from."""
    return replace(index_catalog(records.papers, records.topics, records.keywords), digests=records.digests)
