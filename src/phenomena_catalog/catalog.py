"""Index stage: checked records -> a read-only catalog indexed by topic, author, year, venue, keyword.

Everything the pages need is sorted and grouped here, once, so templates only present. Taxonomy
terms are small values (``Term``) that know their slug and URL.

The catalog is made from an outline of plain values (``IndexState``: the papers' order, where each
is filed, each term's name and papers' ids), which the build cache keeps: a rebuild files again only
the records that changed (``IndexState.updated``), and makes a term or a paper's terms when a page
first asks for them, so an edit costs what it touches, not what the catalog holds.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Generic, TypeVar

from phenomena_catalog import urls
from phenomena_catalog.models import KeywordEntry, Paper, Topic
from phenomena_catalog.records import Records

TERM_KINDS = ("authors", "years", "venues", "keywords")
_YEAR_TOKEN = re.compile(r"(?<![\w-])(?:19|20)\d\d(?![\w-])|'\d\d\b")
_SPACES = re.compile(r"\s+")
_Item = TypeVar("_Item")


@dataclass(frozen=True, eq=False)
class Term:
    """One author, year, venue or keyword, with the papers filed under it (newest first)."""

    kind: str
    name: str
    slug: str
    sort_key: str
    """Order in index pages: the slug, or for authors the family name first ("frankle jonathan-frankle")."""
    ids: tuple[str, ...]
    """The ids of ``papers``, in the same order."""
    paper: Callable[[str], Paper] = field(repr=False)
    """Each paper of the catalog by id."""

    @cached_property
    def papers(self) -> tuple[Paper, ...]:
        """The papers filed under this term, newest first (looked up when first asked for: a rebuild
        shows few terms' papers, and a term's name and count need only ``ids``)."""
        return tuple(map(self.paper, self.ids))

    @property
    def initial(self) -> str:
        """The letter this term is filed under in an A-Z index ("#" for digits)."""
        first = (self.sort_key or self.slug)[:1].upper()
        return first if first.isalpha() else "#"

    @cached_property
    def url(self) -> str:
        """Its page's address (made once: a build reads a term's about ten times)."""
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

    @cached_property
    def url(self) -> str:
        """Its page's address (made once: a build reads a topic's on each of its papers' pages)."""
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
    terms: Mapping[str, tuple[Term, ...]]
    """For each kind in TERM_KINDS, its terms in display order (made when first asked for)."""
    paper_terms: Mapping[str, PaperTerms] = field(repr=False)
    """For each paper id, the terms it is filed under (made when first asked for)."""
    vocabulary: tuple[KeywordEntry, ...] = ()
    """The keyword vocabulary the keywords were canonicalized with."""
    paper_ids: tuple[str, ...] = field(default=(), repr=False)
    """The ids of ``papers``, in the same order."""
    digests: dict[str, str] = field(default_factory=dict, repr=False)
    """For each paper id, the digest of the record it was made from (``Records.digests``): an
    incremental stage reads again only the papers whose digest changed (empty: not known)."""
    state: IndexState | None = field(default=None, repr=False, compare=False)
    """The outline it was made from, for the next build's index stage to update (``index``)."""
    changes: IndexChanges | None = field(default=None, repr=False, compare=False)
    """What was filed again since the last build's catalog (None: every paper was filed afresh)."""

    def topic(self, topic_id: str) -> TopicEntry:
        return next(t for t in self.topics if t.id == topic_id)

    def find_term(self, kind: str, slug: str) -> Term | None:
        """The term of ``kind`` and ``slug``; None when no paper is filed under it."""
        made = self.terms
        if isinstance(made, _TermsByKind):
            return made.find(kind, slug)
        return next((term for term in made[kind] if term.slug == slug), None)

    def term_count(self, kind: str) -> int:
        """How many terms of ``kind`` there are (without making them)."""
        made = self.terms
        if isinstance(made, _TermsByKind):
            return made.count(kind)
        return len(made[kind])

    def keyword_names(self, paper_id: str) -> tuple[str, ...]:
        """A paper's keywords, each by its term's name (``paper_terms``' keywords' names, read from
        the outline without making the paper's terms: the CSL-JSON file needs every paper's)."""
        state = self.state
        if state is None:
            return tuple([term.name for term in self.paper_terms[paper_id].keywords])
        terms = state.terms
        return tuple([terms[("keywords", slug)][0] for slug in state.filings(paper_id)[4]])

    def keyword_names_of(self, paper_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """``keyword_names`` of each of ``paper_ids``, by id, read from the outline at once: a
        paper's keywords are the last part of where it is filed (the CSL-JSON file, planned in
        every build, needs every paper's: 23 -> 10 ms at 10,000 papers)."""
        state = self.state
        if state is None:
            return {paper_id: self.keyword_names(paper_id) for paper_id in paper_ids}
        name_of = {slug: name for (kind, slug), (name, _, _) in state.terms.items() if kind == "keywords"}.__getitem__
        slugs = [filed.rpartition("\x1e")[2] for filed in map(state.filed.__getitem__, paper_ids)]
        return dict(zip(paper_ids, [tuple(map(name_of, found.split("\x1f"))) if found else () for found in slugs],
                        strict=True))

    def filed_names(self, paper_id: str) -> tuple[str, ...]:
        """The names of the terms a paper is filed under, its authors', year's, venue's and keywords'
        (``paper_terms``' names, read from the outline without making the paper's terms; its topics'
        are the taxonomy's). What a list entry shows of where its paper is filed, besides what its
        record says (``render.ListEntries``)."""
        state = self.state
        if state is None:
            found = self.paper_terms[paper_id]
            return tuple([term.name for term in (*found.authors, found.year, *filter(None, [found.venue]),
                                                 *found.keywords)])
        _, authors, year, venue, keywords = state.filings(paper_id)
        terms = state.terms
        return (*[terms[("authors", slug)][0] for slug in authors], terms[("years", year)][0],
                *([terms[("venues", venue)][0]] if venue is not None else []),
                *[terms[("keywords", slug)][0] for slug in keywords])


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
    grouped: _TermGroups[Paper] = _TermGroups()
    for name, paper in named:
        grouped.file(name, paper)
    return {slug: (term_name(grouped.spellings[slug]), papers) for slug, papers in grouped.ids.items()}


class _TermGroups(Generic[_Item]):
    """Names of one kind filed by slug, each with its spellings' counts and its items (papers, or
    their ids) in order."""

    def __init__(self) -> None:
        self.spellings: dict[str, dict[str, int]] = {}
        self.ids: dict[str, list[_Item]] = {}
        self._slugs: dict[str, str] = {}
        """Each name's slug (made once per name: most names are filed many times)."""

    def file(self, name: str, item: _Item) -> str:
        """File ``item`` under ``name``; the name's slug."""
        slug = self._slugs.get(name)
        if slug is None:
            slug = self._slugs[name] = urls.slugify(name)
        counts = self.spellings.get(slug)
        if counts is None:
            self.spellings[slug] = {name: 1}
            self.ids[slug] = [item]
        else:
            counts[name] = counts.get(name, 0) + 1
            items = self.ids[slug]
            if items[-1] is not item:
                items.append(item)
        return slug


def _sort_key(kind: str, name: str, slug: str) -> str:
    if kind == "authors":
        family = name.rsplit(" ", 1)[-1]
        return f"{urls.slugify(family)} {slug}"
    return slug


def index_catalog(papers: Iterable[Paper], topics: list[Topic], keywords: list[KeywordEntry]) -> Catalog:
    """Index validated papers by every taxonomy. Pure; the input must already be valid."""
    papers = list(papers)
    state = IndexState.of(papers, topics, keywords)
    return _catalog(state, {paper.id: paper for paper in papers}.__getitem__, topics, keywords)


def index(records: Records, last: IndexState | None = None) -> Catalog:
    """The index stage: checked records -> the catalog every page is planned from. ``last``: the
    last build's catalog's ``state``: the papers whose records changed are filed again, the others
    where they were (``IndexState.updated``)."""
    by_id = {paper.id: paper for paper in records.papers}
    found = None if last is None else last.updated(records, by_id)
    state, changes = found if found is not None else \
        (IndexState.of(records.papers, records.topics, records.keywords, records.digests), None)
    return replace(_catalog(state, by_id.__getitem__, records.topics, records.keywords), digests=records.digests,
                   changes=changes)


def keyword_names(records: Records) -> Callable[[Paper], tuple[str, ...]]:
    """Each paper's keywords as the catalog ``index`` makes of ``records`` names them
    (``PaperTerms.keywords``: each distinct term once, by its ``term_name``), without indexing:
    for a stage that reads them before the index stage is done (``related.count_terms_ahead``)."""
    canonical = keyword_canonicalizer(records.keywords)
    spelled = Counter(itertools.chain.from_iterable(paper.keywords for paper in records.papers))
    name_of = {keyword: canonical(keyword) for keyword in spelled}
    slug_of = {keyword: urls.slugify(name) for keyword, name in name_of.items()}.__getitem__
    spellings: dict[str, dict[str, int]] = {}
    for keyword, count in spelled.items():
        found = spellings.setdefault(slug_of(keyword), {})
        found[name_of[keyword]] = found.get(name_of[keyword], 0) + count
    term_of = {slug: term_name(found) for slug, found in spellings.items()}.__getitem__

    def names(paper: Paper) -> tuple[str, ...]:
        return tuple(map(term_of, dict.fromkeys(map(slug_of, paper.keywords))))

    return names


@dataclass(frozen=True)
class IndexChanges:
    """What an incremental index stage filed again (``IndexState.updated``): while ``moved`` is
    empty, the catalog is indexed as the last build's was (every term, topic, order, count and
    name), only papers' records changed."""

    moved: frozenset[str] = frozenset()
    """The papers filed again: added, removed, or changed in what the index reads (``index_key``)."""
    terms: frozenset[tuple[str, str]] = frozenset()
    """The (kind, slug) of every term those papers left or joined (the others are as they were)."""
    topics: frozenset[str] = frozenset()
    """The topics those papers left or joined."""


Filed = tuple[tuple[str, ...], tuple[str, ...], str, "str | None", tuple[str, ...]]
"""Where one paper is filed: its topics, its authors' slugs, its year's, its venue's (or None) and
its distinct keywords' slugs."""


@dataclass(frozen=True)
class IndexState:
    """The catalog's outline, as plain values: the order of its papers, where each is filed and
    each term's name and papers. ``index`` makes the catalog from it (terms and each paper's terms
    when first asked for, so a rebuild makes those the pages it plans show); the next build's index
    stage updates it for the papers whose records changed (``updated``) rather than filing every
    paper again. Nothing in it is changed once made (the build cache compares its dicts' entries
    by identity)."""

    context: str
    """A digest of the taxonomy and keyword vocabulary the papers were filed with."""
    ids: tuple[str, ...]
    """Every paper's id, in catalog order (``paper_order``, then file order)."""
    digests: dict[str, str]
    """Each paper's record digest (empty: not known, so never updated)."""
    keys: dict[str, str]
    """Each paper's ``index_key``: a paper whose key is kept is filed as it was."""
    filed: dict[str, str]
    """Where each paper is filed, by id, as one string (``filings`` reads it; a string, not tuples
    of them, since the build cache reads it in every rebuild: 30 ms less at 10,000 papers)."""
    terms: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]]
    """Each term's name, sort key and papers' ids (in catalog order), by kind and slug."""
    direct: dict[str, tuple[str, ...]]
    """The ids of the papers filed directly under each topic, in catalog order."""

    def filings(self, paper_id: str) -> Filed:
        """Where one paper is filed."""
        return _split(self.filed[paper_id])

    @classmethod
    def of(cls, papers: Iterable[Paper], topics: list[Topic], keywords: list[KeywordEntry],
           digests: dict[str, str] | None = None) -> IndexState:
        """Every paper filed afresh (``digests``: each one's record digest, if known)."""
        ordered = sorted(papers, key=paper_order)
        filer = _Filer(topics, keywords)
        groups: dict[str, _TermGroups[str]] = {kind: _TermGroups() for kind in TERM_KINDS}
        authors, years, venues, keyword_groups = (groups[kind] for kind in TERM_KINDS)
        direct: dict[str, list[str]] = {topic.id: [] for topic in topics}
        filed: dict[str, str] = {}
        ids = tuple(paper.id for paper in ordered)
        for paper, paper_id in zip(ordered, ids, strict=True):
            topic_ids = filer.topics(paper)
            for topic_id in topic_ids:
                direct[topic_id].append(paper_id)
            venue = filer.venue(paper)
            filed[paper_id] = _joined((
                topic_ids,
                tuple([authors.file(author, paper_id) for author in paper.authors]),
                years.file(str(paper.year), paper_id),
                venues.file(venue, paper_id) if venue is not None else None,
                tuple(dict.fromkeys([keyword_groups.file(k, paper_id) for k in filer.keywords(paper)]))))
        terms = {}
        for kind, grouped in groups.items():
            for slug, found in grouped.ids.items():
                name = term_name(grouped.spellings[slug])
                terms[(kind, slug)] = (name, _sort_key(kind, name, slug), tuple(found))
        keys = {paper_id: index_key(paper) for paper, paper_id in zip(ordered, ids, strict=True)} \
            if digests is not None else {}
        return cls(filer.context, ids, dict(digests) if digests is not None else {}, keys, filed, terms,
                   {topic_id: tuple(found) for topic_id, found in direct.items()})

    def updated(self, records: Records, by_id: dict[str, Paper]) -> tuple[IndexState, IndexChanges] | None:
        """This outline with the papers whose records changed since filed again, and what changed;
        None when that would take longer than filing every paper (many changed) or the taxonomy or
        vocabulary changed."""
        digests, old = records.digests, self.digests
        if not old or len(digests) != len(by_id) or _context(records.topics, records.keywords) != self.context:
            return None
        changed = [paper_id for paper_id, digest in digests.items() if old.get(paper_id) != digest]
        removed = [paper_id for paper_id in old if paper_id not in digests] if len(old) + len(changed) != len(digests) \
            else []
        if 8 * (len(changed) + len(removed)) > len(digests):
            return None
        keys = dict(self.keys)
        moved = removed[:]
        for paper_id in changed:
            key = index_key(by_id[paper_id])
            if keys.get(paper_id) != key:
                keys[paper_id] = key
                moved.append(paper_id)
        for paper_id in removed:
            del keys[paper_id]
        if not moved:
            return replace(self, digests=dict(digests), keys=keys), IndexChanges()
        return self._refiled(records, by_id, moved, keys)

    def _refiled(self, records: Records, by_id: dict[str, Paper], moved: list[str],
                 keys: dict[str, str]) -> tuple[IndexState, IndexChanges]:
        """This outline with the ``moved`` papers (new, removed, or changed where they are filed)
        taken out and filed again: the others keep their order and filings."""
        gone = set(moved)
        present = [paper_id for paper_id in moved if paper_id in by_id]
        order = [paper_id for paper_id in self.ids if paper_id not in gone]
        # The catalog's order is a stable sort of the papers in file order: ties by file position.
        position = {paper.id: number for number, paper in enumerate(records.papers)}

        def place(paper_id: str) -> tuple[tuple[int, int, str], int]:
            return paper_order(by_id[paper_id]), position[paper_id]

        for paper_id in sorted(present, key=place):
            order.insert(bisect.bisect_left(order, place(paper_id), key=place), paper_id)
        rank = {paper_id: number for number, paper_id in enumerate(order)}.__getitem__
        filer = _Filer(records.topics, records.keywords)
        filed = dict(self.filed)
        touched: dict[tuple[str, str], list[str]] = {}
        topics_touched: dict[str, list[str]] = {}
        for paper_id in moved:
            was = _split(filed.pop(paper_id)) if paper_id in filed else None
            if was is not None:
                for key in _filings(was):
                    touched.setdefault(key, [])
                for topic_id in was[0]:
                    topics_touched.setdefault(topic_id, [])
        for paper_id in present:
            paper = by_id[paper_id]
            topic_ids = filer.topics(paper)
            venue = filer.venue(paper)
            now: Filed = (topic_ids, tuple([urls.slugify(author) for author in paper.authors]),
                          urls.slugify(str(paper.year)), urls.slugify(venue) if venue is not None else None,
                          tuple(dict.fromkeys([urls.slugify(k) for k in filer.keywords(paper)])))
            filed[paper_id] = _joined(now)
            for key in dict.fromkeys(_filings(now)):
                touched.setdefault(key, []).append(paper_id)
            for topic_id in topic_ids:
                topics_touched.setdefault(topic_id, []).append(paper_id)
        terms = dict(self.terms)
        for (kind, slug), added in touched.items():
            was_term = terms.pop((kind, slug), None)
            kept = [paper_id for paper_id in was_term[2] if paper_id not in gone] if was_term is not None else []
            found = sorted(kept + added, key=rank) if added else kept
            if found:
                spellings: dict[str, int] = {}
                for paper_id in found:
                    for name in filer.names(kind, by_id[paper_id]):
                        if urls.slugify(name) == slug:
                            spellings[name] = spellings.get(name, 0) + 1
                name = term_name(spellings)
                terms[(kind, slug)] = (name, _sort_key(kind, name, slug), tuple(found))
        direct = dict(self.direct)
        for topic_id, added in topics_touched.items():
            kept = [paper_id for paper_id in direct[topic_id] if paper_id not in gone]
            direct[topic_id] = tuple(sorted(kept + added, key=rank) if added else kept)
        return (IndexState(self.context, tuple(order), dict(records.digests), keys, filed, terms, direct),
                IndexChanges(frozenset(moved), frozenset(touched), frozenset(topics_touched)))


def _joined(filed: Filed) -> str:
    """``Filed`` as one string (ids and slugs hold no control characters; no slug is empty)."""
    topics, authors, year, venue, keywords = filed
    return "\x1e".join(("\x1f".join(topics), "\x1f".join(authors), year, venue or "", "\x1f".join(keywords)))


def _split(joined: str) -> Filed:
    """The ``Filed`` of one ``_joined``."""
    topics, authors, year, venue, keywords = joined.split("\x1e")
    return (tuple(topics.split("\x1f")) if topics else (), tuple(authors.split("\x1f")) if authors else (), year,
            venue or None, tuple(keywords.split("\x1f")) if keywords else ())


def _filings(filed: Filed) -> Iterator[tuple[str, str]]:
    """The (kind, slug) of every term a paper is filed under (an author twice if listed twice)."""
    _, authors, year, venue, keywords = filed
    yield from (("authors", slug) for slug in authors)
    yield "years", year
    if venue is not None:
        yield "venues", venue
    yield from (("keywords", slug) for slug in keywords)


def _context(topics: list[Topic], keywords: list[KeywordEntry]) -> str:
    return hashlib.blake2b(repr((topics, keywords)).encode(), digest_size=16).hexdigest()


class _Filer:
    """What a paper is filed under, by the rules of one taxonomy and keyword vocabulary."""

    def __init__(self, topics: list[Topic], keywords: list[KeywordEntry]) -> None:
        self.context = _context(topics, keywords)
        self.known = {topic.id for topic in topics}
        self.canonical = keyword_canonicalizer(keywords)
        self._series: dict[str, str] = {}

    def topics(self, paper: Paper) -> tuple[str, ...]:
        found = tuple(dict.fromkeys(paper.topics))
        for topic_id in found:
            if topic_id not in self.known:
                raise KeyError(topic_id)  # (the check stage reports it)
        return found

    def venue(self, paper: Paper) -> str | None:
        if not paper.venue:
            return None
        name = self._series.get(paper.venue)
        if name is None:
            name = self._series[paper.venue] = venue_series(paper.venue)
        return name

    def keywords(self, paper: Paper) -> list[str]:
        return [self.canonical(keyword) for keyword in paper.keywords]

    def names(self, kind: str, paper: Paper) -> list[str]:
        """The names ``paper`` is filed under, of one kind, each as often as it is filed."""
        if kind == "authors":
            return list(paper.authors)
        if kind == "years":
            return [str(paper.year)]
        if kind == "venues":
            venue = self.venue(paper)
            return [venue] if venue is not None else []
        return self.keywords(paper)


def _catalog(state: IndexState, paper: Callable[[str], Paper], topics: list[Topic],
             keywords: list[KeywordEntry]) -> Catalog:
    """The catalog of an outline; ``paper``: each paper by id."""
    ordered = tuple(map(paper, state.ids))
    children_of: dict[str | None, list[Topic]] = defaultdict(list)
    for topic in topics:
        children_of[topic.parent].append(topic)
    entries: dict[str, TopicEntry] = {}

    def build_entry(topic: Topic) -> tuple[TopicEntry, set[str]]:
        direct = state.direct.get(topic.id, ())
        children, under = [], set(direct)
        for child in children_of[topic.id]:
            child_entry, child_under = build_entry(child)
            children.append(child_entry)
            under |= child_under
        entry = TopicEntry(topic, tuple(map(paper, direct)), tuple(children), topic.parent, len(under))
        entries[topic.id] = entry
        return entry, under

    roots = tuple(build_entry(topic)[0] for topic in children_of[None])
    topic_entries = tuple(entries[t.id] for t in topics)
    made = _MadeTerms(state, paper, entries)
    return Catalog(ordered, topic_entries, roots, made.by_kind, made.by_paper, tuple(keywords), state.ids, state=state)


class _MadeTerms:
    """One catalog's terms, each made from its outline when first asked for (and then kept, so
    every page and paper holds the same object of a term)."""

    def __init__(self, state: IndexState, paper: Callable[[str], Paper], entries: dict[str, TopicEntry]) -> None:
        self._state = state
        self._paper = paper
        self._entries = entries
        self._terms = {kind: _KindTerms(self, kind) for kind in TERM_KINDS}
        """Each kind's terms made so far, by slug."""
        self.by_kind = _TermsByKind(self)
        self.by_paper = _PaperTermsById(self)

    def term(self, kind: str, slug: str) -> Term:
        return self._terms[kind][slug]

    def of_kind(self, kind: str) -> tuple[Term, ...]:
        if kind not in TERM_KINDS:
            raise KeyError(kind)
        term = self.term
        made = [term(kind, slug) for found, slug in self._state.terms if found == kind]
        if kind == "years":
            return tuple(sorted(made, key=lambda t: -int(t.name)))
        return tuple(sorted(made, key=lambda t: t.sort_key))

    def of_paper(self, paper_id: str) -> PaperTerms:
        topic_ids, authors, year, venue, keywords = self._state.filings(paper_id)
        terms = self._terms
        # (each term looked up by map, in C: a build makes every paper's, 0.3 -> 0.1 s at 10,000 papers)
        return PaperTerms(
            topics=tuple(map(self._entries.__getitem__, topic_ids)),
            authors=tuple(map(terms["authors"].__getitem__, authors)),
            year=terms["years"][year],
            venue=terms["venues"][venue] if venue is not None else None,
            keywords=tuple(map(terms["keywords"].__getitem__, keywords)),
        )


class _KindTerms(dict[str, Term]):
    """One kind's terms, by slug, each made from the outline when first asked for."""

    def __init__(self, made: _MadeTerms, kind: str) -> None:
        super().__init__()
        self._made, self._kind = made, kind

    def __missing__(self, slug: str) -> Term:
        name, sort_key, ids = self._made._state.terms[(self._kind, slug)]
        found = self[slug] = Term(self._kind, name, slug, sort_key, ids, self._made._paper)
        return found


class _TermsByKind(Mapping[str, tuple[Term, ...]]):
    """For each kind in TERM_KINDS, its terms in display order (made when first asked for)."""

    def __init__(self, made: _MadeTerms) -> None:
        self._made = made
        self._kinds: dict[str, tuple[Term, ...]] = {}
        self._counts: dict[str, int] = {}

    def count(self, kind: str) -> int:
        """How many terms of ``kind`` there are."""
        found = self._counts.get(kind)
        if found is None:
            counts = dict.fromkeys(TERM_KINDS, 0)
            for found_kind, _ in self._made._state.terms:
                counts[found_kind] += 1
            self._counts.update(counts)
            found = counts[kind]
        return found

    def find(self, kind: str, slug: str) -> Term | None:
        """One term, made without the others; None when there is none."""
        return self._made.term(kind, slug) if (kind, slug) in self._made._state.terms else None

    def __getitem__(self, kind: str) -> tuple[Term, ...]:
        found = self._kinds.get(kind)
        if found is None:
            found = self._kinds[kind] = self._made.of_kind(kind)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(TERM_KINDS)

    def __len__(self) -> int:
        return len(TERM_KINDS)


class _PaperTermsById(Mapping[str, PaperTerms]):
    """For each paper id, the terms it is filed under (made when first asked for)."""

    def __init__(self, made: _MadeTerms) -> None:
        self._made = made
        self._papers: dict[str, PaperTerms] = {}

    def __getitem__(self, paper_id: str) -> PaperTerms:
        found = self._papers.get(paper_id)
        if found is None:
            found = self._papers[paper_id] = self._made.of_paper(paper_id)
        return found

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._made._state.filed

    def __iter__(self) -> Iterator[str]:
        return iter(self._made._state.ids)

    def __len__(self) -> int:
        return len(self._made._state.ids)
