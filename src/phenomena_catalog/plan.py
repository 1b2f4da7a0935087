"""Plan stage: the indexed catalog and the settings -> every page of the site, each with a typed context.

Python decides, templates present: every list is sorted, grouped and paged here, and each page
kind has its own declared context (a frozen dataclass whose fields are the template's variables).
Data files (``papers.json``, a topic's ``.bib``, the search index, the sitemap) are pages without
a template; their context holds exactly what their text is made from. Nothing is rendered here.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Collection, Container, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import compress, groupby
from typing import Any, ClassVar, NamedTuple

from markupsafe import Markup

from phenomena_catalog import citation, executors, urls
from phenomena_catalog.catalog import (
    TERM_KINDS,
    Catalog,
    IndexChanges,
    PaperTerms,
    Term,
    TopicEntry,
    paper_order,
)
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.exporters import topic_papers
from phenomena_catalog.exporters.atom import newest_added
from phenomena_catalog.exporters.bibtex import bibtex_entry
from phenomena_catalog.exporters.csl import compact_csl_json_joined
from phenomena_catalog.exporters.json import (
    CatalogOutline,
    JoinedText,
    catalog_layout,
    catalog_outline,
    outline_of,
    outlined_catalog_json_joined,
)
from phenomena_catalog.list_filters import KeptFacets, ListFilters, PaperFacets, paper_facets, paper_list
from phenomena_catalog.markup import render_markdown
from phenomena_catalog.models import KIND_NAMES, KeywordEntry, Paper, Topic
from phenomena_catalog.paper_texts import PaperTexts
from phenomena_catalog.presentation import digest_html, paper_summary
from phenomena_catalog.related import PaperTermCounts, RelatedLists, RelatedPapers, related_in_catalog
from phenomena_catalog.repository import RECORDS_FOLDER, edit_url, suggest_url
from phenomena_catalog.search_index import SearchIndex, SearchIndexState, build_search_index
from phenomena_catalog.text_memo import TextMemo
from phenomena_catalog.timeline import Timeline, timeline_of

YearGroups = list[tuple[int, tuple[Paper, ...]]]


@dataclass(frozen=True)
class Pager:
    """Where one page of a long paper list sits among its pages."""

    number: int
    """1-based number of this page."""
    urls: tuple[str, ...]
    """Every page of the list, first to last."""

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < len(self.urls) else None


class TemplateContext:
    """A page rendered from a template: its dataclass fields (and ``derived`` names) are the
    template's variables, besides the ones every page gets (``root``, ``page_url``, ``item``...)."""

    template: ClassVar[str]
    derived: ClassVar[tuple[str, ...]] = ()
    """Variables computed from the fields when the page is rendered (in the worker that renders it)."""

    def variables(self) -> dict[str, Any]:
        """The template's variables."""
        names = _VARIABLE_NAMES.get(type(self))
        if names is None:
            names = _VARIABLE_NAMES[type(self)] = tuple(f.name for f in fields(self)) + self.derived  # type: ignore[arg-type]
        return {name: getattr(self, name) for name in names}


_VARIABLE_NAMES: dict[type[TemplateContext], tuple[str, ...]] = {}
"""Each page kind's variable names (its fields' are looked up once, not on every page)."""


@dataclass(frozen=True)
class HomePage(TemplateContext):
    template = "home.html"
    roots: tuple[TopicEntry, ...]
    recent: list[Paper]
    recent_by_added: bool
    """Whether ``recent`` are the most recently added papers (else the newest: all were added at once)."""
    paper_count: int
    counts: dict[str, int]
    """Terms of each kind in TERM_KINDS."""
    timeline: Timeline


@dataclass(frozen=True)
class PaperListPage(TemplateContext):
    """A page of a list of papers grouped by year."""

    groups: YearGroups
    pager: Pager | None
    filters: ListFilters
    """The choices of the list's filter bar."""


@dataclass(frozen=True)
class AllPapersPage(PaperListPage):
    template = "papers.html"
    paper_count: int


@dataclass(frozen=True)
class TopicPage(PaperListPage):
    template = "topic.html"
    entry: TopicEntry
    parent: TopicEntry | None
    bibtex_url: str
    suggest_topic_url: str | None
    timeline: Timeline
    """Papers per year under this topic and its subtopics."""
    feed_url: str


@dataclass(frozen=True)
class TermPage(PaperListPage):
    template = "term.html"
    term: Term


@dataclass(frozen=True, eq=False)
class PaperPage(TemplateContext):
    template = "paper.html"
    derived = ("digest", "note", "summary", "bibtex", "citation_tags", "json_ld")
    paper: Paper
    terms: PaperTerms
    edit_url: str | None
    related: RelatedPapers
    address: str | None
    """The page's absolute address, when the site's ``base_url`` is known."""

    def variables(self) -> dict[str, Any]:
        found = super().variables()
        # The digest's HTML and summary are made once for the variables made from them, and not kept
        # once this page is rendered (a process renders thousands of pages: 1.5 KB each).
        self.__dict__.pop("digest", None)
        self.__dict__.pop("summary", None)
        return found

    @cached_property
    def digest(self) -> Markup | None:
        """The digest as HTML."""
        return digest_html(self.paper)

    @property
    def note(self) -> Markup | None:
        """The curator's note as HTML."""
        return render_markdown(self.paper.note) if self.paper.note else None

    @cached_property
    def summary(self) -> str:
        """The page's meta description."""
        return paper_summary(self.paper, self.digest)

    @property
    def bibtex(self) -> str:
        return bibtex_of(self.paper)

    @property
    def citation_tags(self) -> citation.MetaTags:
        """Highwire ``citation_*`` meta tags, for Zotero and Google Scholar."""
        return citation.highwire_tags(self.paper, [k.name for k in self.terms.keywords])

    @property
    def json_ld(self) -> Markup:
        """The paper as schema.org ScholarlyArticle JSON-LD, safe inside a script element."""
        keywords = [k.name for k in self.terms.keywords]
        article = citation.scholarly_article_json(self.paper, self.summary, keywords, self.address)
        return citation.json_ld_script(article)


_BIBTEX: dict[str, tuple[Paper, str]] = {}


def bibtex_of(paper: Paper) -> str:
    """A paper's BibTeX entry, made once per process: it is on the paper's page and in the
    ``.bib`` file of each of its topics and their parents."""
    found = _BIBTEX.get(paper.id)
    if found is None or found[0] is not paper:  # another build's paper of the same id
        found = _BIBTEX[paper.id] = (paper, bibtex_entry(paper))
    return found[1]


def remember_bibtex(papers: Sequence[Paper], entries: Sequence[str]) -> None:
    """Keep ``entries`` (one a paper, made in another process; or none) as ``bibtex_of``'s."""
    if entries:
        for paper, entry in zip(papers, entries, strict=True):
            _BIBTEX[paper.id] = (paper, entry)


class BibtexShares:
    """Every paper's BibTeX entry (``bibtex_of``) in a build from scratch, made by two processes
    that meet: the worker beside related papers from the first paper on (``from_front``), the build
    from the last on (``from_back``) once its own share of that work is done. Each claims a paper
    in memory the two share before making its entry, so however long either was busy before, they
    end together, and no entry is made twice (but one the two reached at the same moment)."""

    _FRONT, _BACK = executors.FRONT, executors.BACK

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = papers
        self._claims = executors.claims(len(papers))

    def from_front(self) -> tuple[str, ...]:
        """The entries of the papers from the first on, up to one ``from_back`` claimed (for the
        worker; run again after it failed, it makes those it claimed again)."""
        return tuple(map(bibtex_of, executors.claimed_from_front(self.papers, self._claims)))

    def from_back(self) -> None:
        """Make the entries of the papers from the last on, up to one ``from_front`` claimed (kept by ``bibtex_of``)."""
        for paper in executors.claimed_from_back(self.papers, self._claims):
            bibtex_of(paper)


@dataclass(frozen=True)
class TopicsPage(TemplateContext):
    template = "topics.html"
    roots: tuple[TopicEntry, ...]


@dataclass(frozen=True)
class SearchPage(TemplateContext):
    template = "search.html"
    topics: tuple[TopicEntry, ...]
    years: tuple[Term, ...]
    venues: tuple[Term, ...]
    kinds: tuple[tuple[str, str], ...]
    """(kind, name) of each kind some record has, when there is more than one."""
    paper_count: int


@dataclass(frozen=True)
class NotFoundPage(TemplateContext):
    """The page a static host serves for a missing address, at any depth of the site."""

    template = "404.html"
    site_root: str
    """Where links start: the site's ``base_url``, or "/" (the host's root) when it is unknown,
    since the page is served in place of any missing address, so a relative link would break."""


@dataclass(frozen=True)
class TermsPage(TemplateContext):
    template = "terms.html"
    kind: str
    terms: tuple[Term, ...]
    letters: list[tuple[str, tuple[Term, ...]]]
    """The terms grouped by initial for an A-Z index; empty for years."""


@dataclass(frozen=True)
class TopicBibtexFile:
    """A topic's papers (with its subtopics') as BibTeX."""

    papers: tuple[Paper, ...]

    def joined(self, texts: PaperTexts) -> JoinedText:
        """The file's text as its papers' entries joined (``texts``: each paper's, kept from build to build)."""
        return JoinedText("", "\n", "", self.papers, functools.partial(texts.bibtex, make=bibtex_of))


@dataclass(frozen=True)
class CatalogJsonFile:
    """The whole catalog as JSON, for download (``exporters.json.catalog_json``, compact).

    Every field is made from the catalog's records, taxonomy and vocabulary (its fingerprint
    reads its papers only: ``build_cache.Fingerprints``)."""

    papers: tuple[Paper, ...]
    """In the document's order."""
    topics: tuple[Topic, ...]
    vocabulary: tuple[KeywordEntry, ...]
    head: str
    """The text before the papers' objects (``exporters.json.CatalogOutline``)."""
    tail: str
    """The text after them."""

    def joined(self, texts: PaperTexts) -> JoinedText:
        """The file's text as its papers' objects joined (``texts``: each paper's, kept from build to build)."""
        return outlined_catalog_json_joined(self.head, self.papers, self.tail, texts.json)


@dataclass(frozen=True)
class SearchIndexFile:
    """One file of the search index. ``search_index`` writes them all at once, while planning, so
    the index is computed once rather than in each rendering worker."""

    text: str


@dataclass(frozen=True)
class SitemapFile:
    """The sitemap: every page a search engine should know, below the site's address."""

    base_url: str
    page_urls: tuple[str, ...]


@dataclass(frozen=True)
class AtomFeedFile:
    """An Atom feed of newly added papers (the whole catalog's or a topic's)."""

    papers: tuple[Paper, ...]
    """The most recently added papers, newest first."""
    topic_names: dict[str, tuple[str, ...]]
    """The names of each paper's topics (the entries' categories), by id."""
    title: str
    page_url: str
    """The page the feed follows (the home page or the topic's page)."""
    site_title: str
    base_url: str | None


@dataclass(frozen=True)
class CslJsonFile:
    """The catalog as CSL-JSON.

    Every field is made from the catalog's records and vocabulary (its fingerprint reads its
    papers only: ``build_cache.Fingerprints``)."""

    papers: tuple[Paper, ...]
    keywords: Mapping[str, tuple[str, ...]]
    """Each paper's canonical keywords, by id."""

    def joined(self, texts: PaperTexts) -> JoinedText:
        """The file's text as its papers' items joined (``texts``: each paper's, kept from build to build)."""
        keywords = self.keywords
        return compact_csl_json_joined(self.papers, lambda paper: texts.csl(paper, keywords[paper.id]))


DataFile = TopicBibtexFile | CatalogJsonFile | SearchIndexFile | SitemapFile | AtomFeedFile | CslJsonFile


@dataclass(frozen=True)
class Page:
    """One output file: where it goes and what it is made from."""

    url: str
    context: TemplateContext | DataFile
    cost: float = 1.0
    """Render time relative to a paper's page (measured on a 10,000-paper catalog, with list
    entries, header and footer rendered once and reused), for sharing pages out among workers.
    Only the balance depends on it, never the output."""

    @property
    def lists_papers(self) -> bool:
        """Whether the page shows papers' list entries, which a renderer makes once and reuses."""
        return isinstance(self.context, (HomePage, PaperListPage))

    @property
    def joins_paper_texts(self) -> bool:
        """Whether the file is joined from each paper's piece of text (``paper_texts``), which the
        build keeps: made in the process that keeps them, they are not handed back from a worker."""
        return isinstance(self.context, (CatalogJsonFile, CslJsonFile, TopicBibtexFile))

    @property
    def together(self) -> bool:
        """Whether the page is rendered in the process that renders the others that list papers or
        join their pieces of text (``lists_papers``, ``joins_paper_texts``)."""
        return self.lists_papers or self.joins_paper_texts


@dataclass
class TextMemos:
    """What the plan stage made of each paper's text, kept by an incremental build for the next
    one (see ``text_memo``): a rebuild redoes it for the papers whose text changed only."""

    related: TextMemo[PaperTermCounts] = field(default_factory=TextMemo)
    """Term counts for related papers (``related_in_catalog``)."""
    search: SearchIndexState = field(default_factory=SearchIndexState)
    """The last search index, to update (``build_search_index``)."""

    def prune(self) -> None:
        """Forget the papers this build did not have (call it once a build is done)."""
        self.related.prune()
        self.search.prune()


class Unit(NamedTuple):
    """Pages planned together, and the inputs they are made from.

    Every page is made from what every page is (the settings, taxonomy, keyword vocabulary,
    templates and code; when one of those changes, every page may), and from its unit's inputs:
    ``papers``, the records whose data the pages show, and ``shape``, everything else the pages
    show as plain values (which papers in which order, how many pages, the counts and names of the
    terms shown...). A unit whose inputs are those of the last build, none of whose papers'
    records changed, plans the pages it planned then: an incremental build need not plan it.
    """

    name: str
    """The URL of its page (a unit with a ``shape`` has one page), or a name for a unit of several."""
    make: Callable[[], list[Page]]
    """Plans its pages (its contexts are made only here)."""
    papers: tuple[str, ...] = ()
    """The ids of the papers whose records the pages show (as list entries, related papers...)."""
    shape: Hashable | None = None
    """The rest of its inputs; None for a unit made from the whole catalog, planned in every build."""
    listed: bool = False
    """Whether its page is in the sitemap."""
    cost: float = 1.0
    """Its pages' ``Page.cost``, known before they are planned: a build from scratch shares units out
    among the processes that render them, each planning its own share."""
    together: bool = False
    """Its pages' ``Page.together``, known before they are planned."""

    @property
    def inputs(self) -> tuple[Hashable, tuple[str, ...]] | None:
        """What decides whether the unit changed: its ``shape`` and ``papers`` (None: it always may)."""
        return None if self.shape is None else (self.shape, self.papers)


class Replanned(NamedTuple):
    """What ``PlanState.replan`` found."""

    units: list[Unit]
    """The units whose pages may differ from the last build's."""
    state: PlanState
    """What this build leaves for the next."""
    changed: set[str]
    """The papers whose data may show differently than in the last build (``PlanState.changed_papers``)."""


@dataclass(frozen=True)
class PlanState:
    """What one build planned, for the next build to plan only what changed (``replan``, ``stale_units``)."""

    inputs: dict[str, tuple[Hashable, tuple[str, ...]]]
    """Each unit's ``Unit.inputs``, by name (units planned in every build are left out)."""
    digests: dict[str, str]
    """Each paper's record digest, by id."""
    names: dict[tuple[str, str], str]
    """Each term's name, by kind and slug: it is the most frequent spelling among its papers, so
    an edit of one record can rename it on the pages of the others."""
    templates: str
    """A digest of the templates (``Fingerprints.templates``): when they changed, any page may have."""
    groups: dict[str, Hashable] = field(default_factory=dict)
    """Every unit's group (``Planner.group``: what plans it), by name, in plan order (but for units
    a ``replan`` added: last)."""
    outline: CatalogOutline | None = None
    """``papers.json``'s outline (``Planner.catalog_outline``), the same while the catalog is indexed the same."""

    @classmethod
    def of(cls, units: list[Unit], planner: Planner, digests: dict[str, str], templates: str) -> PlanState:
        """What a build that planned ``units`` (``planner.units``) leaves for the next."""
        inputs = {unit.name: (unit.shape, unit.papers) for unit in units if unit.shape is not None}
        return cls(inputs, dict(digests), term_names(planner.catalog), templates, planner.groups_of,
                   planner.catalog_outline)

    def changed_papers(self, catalog: Catalog, digests: dict[str, str]) -> set[str]:
        """The papers whose data may show differently than in the last build: records added,
        removed or changed, and the papers of a term that was renamed."""
        old = self.digests
        changed = {paper_id for paper_id, digest in digests.items() if old.get(paper_id) != digest}
        changed.update(old.keys() - digests.keys())
        names = self.names
        for kind in TERM_KINDS:
            for term in catalog.terms[kind]:
                if names.get((kind, term.slug), term.name) != term.name:
                    changed.update(term.ids)
        return changed

    def stale_units(self, units: list[Unit], catalog: Catalog, digests: dict[str, str],
                    written: Container[str], changed: set[str] | None = None) -> list[Unit]:
        """The units whose pages may differ from the last build's: those planned in every build,
        new ones, those whose inputs changed, those that show a ``changed`` paper (default:
        ``changed_papers``), and any whose page is not among the ``written`` ones."""
        changed = self.changed_papers(catalog, digests) if changed is None else changed
        last = self.inputs
        return [unit for unit in units
                if unit.shape is None or last.get(unit.name) != (unit.shape, unit.papers)
                or not changed.isdisjoint(unit.papers) or unit.name not in written]

    def replan(self, planner: Planner, digests: dict[str, str], related_changed: Collection[str],
               written: Container[str]) -> Replanned | None:
        """``stale_units`` without listing every unit, when only records changed and the index
        stage updated the last build's catalog (``Catalog.changes``): the units planned in every
        build, those that show a changed paper (or one filed under a renamed term), the pages of
        papers whose related papers changed (``related_changed``), any whose page is not among the
        ``written`` ones, and, when papers were filed again (added, removed, retitled, their terms
        or topics changed...), the units of the groups that list them or count them made again and
        compared with the last build's; with the state this build leaves. None when the catalog was
        indexed afresh: then every unit is listed (``Planner.units``)."""
        catalog = planner.catalog
        changes = catalog.changes
        if changes is None:
            return None
        old = self.digests
        changed = {paper_id for paper_id, digest in digests.items() if old.get(paper_id) != digest}
        if len(old) + len(changed) != len(digests):
            changed.update(old.keys() - digests.keys())
        names = dict(self.names) if changes.terms else self.names
        for kind, slug in changes.terms:
            term = catalog.find_term(kind, slug)
            if term is None:
                names.pop((kind, slug), None)
            else:
                if names.get((kind, slug), term.name) != term.name:
                    changed.update(term.ids)  # (renamed: on the pages of all its papers)
                names[(kind, slug)] = term.name
        inputs = self.inputs
        # (each unit's papers looked at in C, not a step of Python code a unit: 10.3 -> 7.2 ms at 10k,
        # most of it the 300,000 ids the units list, which only a reverse index would not read)
        stale = set(compress(inputs.keys(), map(operator.not_, map(changed.isdisjoint, map(_SECOND, inputs.values())))))
        stale.update(inputs.keys() - written.keys() if isinstance(written, Mapping)
                     else (name for name in inputs if name not in written))
        groups_of = self.groups
        made: dict[Hashable, list[Unit]] = {}
        if changes.moved:
            groups_of = dict(groups_of)
            names_of: dict[Hashable, list[str]] = {}
            for name, group in self.groups.items():
                names_of.setdefault(group, []).append(name)
            for group in self._moved_groups(planner, changes):
                units = made[group] = planner.group(group) if _exists(catalog, group, digests) else []
                for unit in units:
                    groups_of[unit.name] = group
                    if unit.shape is None or inputs.get(unit.name) != (unit.shape, unit.papers):
                        stale.add(unit.name)
                for name in set(names_of.get(group, ())) - {unit.name for unit in units}:
                    del groups_of[name]
        # A page whose related papers changed: the related papers it shows are its unit's inputs.
        for paper_id in related_changed:
            url = urls.paper_url(paper_id)
            group = ("paper", paper_id)
            if url not in stale and group not in made and paper_id in digests:
                unit = made.setdefault(group, planner.group(group))[0]
                if inputs.get(url) != (unit.shape, unit.papers):
                    stale.add(url)
        planned = stale.union(groups_of.keys() - inputs.keys())  # (and those planned in every build)
        groups = dict.fromkeys(compress(groups_of.values(), map(planned.__contains__, groups_of.keys())))
        units = [unit for group in groups for unit in (made[group] if group in made else planner.group(group))
                 if unit.shape is None or unit.name in stale]
        kept = {name: found for name, found in inputs.items() if name in groups_of} if changes.moved else dict(inputs)
        kept.update((unit.name, (unit.shape, unit.papers)) for unit in units if unit.shape is not None)
        outline = self.outline if not changes.moved else None
        planner.reuse(outline)
        state = PlanState(kept, dict(digests), names, self.templates, groups_of,
                          outline if outline is not None else planner.catalog_outline)
        return Replanned(units, state, changed)

    @staticmethod
    def _moved_groups(planner: Planner, changes: IndexChanges) -> list[Hashable]:
        """The groups whose units list or count the papers filed again: their own pages, the lists and
        indexes of the terms they left or joined, every topic's (a topic's page counts its parent's
        and subtopics' papers), the whole catalog's, and the sitemap (it lists the papers' pages in
        catalog order, and every list's pages)."""
        groups: list[Hashable] = [("home",), ("feed",), ("all",), ("topics",)]
        groups += [("terms", kind) for kind in TERM_KINDS if any(found == kind for found, _ in changes.terms)]
        groups += [("term", kind, slug) for kind, slug in sorted(changes.terms)]
        if changes.topics:
            groups += [("topic", entry.id) for entry in planner.catalog.topics]
        groups += [("paper", paper_id) for paper_id in sorted(changes.moved)]
        if planner.config.base_url:
            groups.append(("sitemap",))
        return groups


def _exists(catalog: Catalog, group: Hashable, digests: dict[str, str]) -> bool:
    """Whether a group of units has any in this catalog (a term's papers may all have left it)."""
    assert isinstance(group, tuple)
    if group[0] == "term":
        return catalog.find_term(group[1], group[2]) is not None
    if group[0] == "paper":
        return group[1] in digests
    return True


def term_names(catalog: Catalog) -> dict[tuple[str, str], str]:
    """Each term's name, by kind and slug."""
    return {(kind, term.slug): term.name for kind in TERM_KINDS for term in catalog.terms[kind]}


def plan(catalog: Catalog, config: SiteConfig, related: Mapping[str, RelatedPapers] | None = None,
         memos: TextMemos | None = None) -> list[Page]:
    """The plan stage: every page and data file of the site, in a fixed order; the sitemap last, if any.

    ``related`` is each paper's related papers (default: computed here, ``related_in_catalog``).
    ``memos``: what the last build made of each paper's text, to reuse (and fill for the next).
    """
    return [page for unit in plan_units(catalog, config, related, memos) for page in unit.make()]


def plan_units(catalog: Catalog, config: SiteConfig, related: Mapping[str, RelatedPapers] | None = None,
               memos: TextMemos | None = None, search: SearchIndex | None = None) -> list[Unit]:
    """Every page of the site as units that declare their inputs, not yet planned (``Unit.make``
    plans a unit's pages): a rebuild plans only those whose inputs changed (``PlanState``).
    Making every unit's pages, in order, gives ``plan``'s pages. ``search``: the catalog's search
    index, when it was made already (default: made from ``memos.search`` when its page is planned)."""
    if related is None:
        related = related_in_catalog(catalog, memos.related if memos is not None else None)
    return Planner(catalog, config, related, memos.search if memos is not None else None, search).units()


class PlannedPages(Mapping[str, Page]):
    """A build's pages by URL: those it planned, and the others planned when first asked for."""

    def __init__(self, planned: list[Page], planner: Planner, groups: Mapping[str, Hashable]) -> None:
        self._pages = {page.url: page for page in planned}
        self._planner = planner
        self._groups = groups
        """Every unit's group, by name (``PlanState.groups``)."""

    def __getitem__(self, url: str) -> Page:
        page = self._pages.get(url)
        if page is None:
            group = self._groups.get(url)
            unit = next((unit for unit in self._planner.group(group) if unit.name == url), None) if group else None
            if unit is None:
                raise KeyError(url)
            page = self._pages[url] = unit.make()[0]
        return page

    def __contains__(self, url: object) -> bool:
        return url in self._pages or url in self._groups  # (without planning the page)

    def __iter__(self) -> Iterator[str]:
        yield from self._pages
        yield from (url for url in self._groups if url not in self._pages)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Planner:
    """Makes the units of one catalog's site, in groups (``group``): all of them (``units``), or
    those of a few groups (an incremental build's, ``PlanState.replan``)."""

    def __init__(self, catalog: Catalog, config: SiteConfig, related: Mapping[str, RelatedPapers],
                 search_memo: SearchIndexState | None, search: SearchIndex | None = None) -> None:
        self.catalog = catalog
        self.config = config
        self.related = related
        self.search_memo = search_memo
        self.search = search
        ids = catalog.paper_ids if len(catalog.paper_ids) == len(catalog.papers) else tuple(map(_ID, catalog.papers))
        self.ids = ids
        # Each paper's id by the paper's address: the ids of a list of papers without reading ten
        # thousand objects scattered in memory (which was most of the time taken to list the units).
        self._id_at = dict(zip(map(id, catalog.papers), ids, strict=True)).__getitem__
        self._outline: CatalogOutline | None = None
        self._kept_facets: tuple[KeptFacets | None, Collection[str]] = (None, ())
        self.groups_of: dict[str, Hashable] = {}
        """Every unit's group, by name, once ``units`` listed them."""

    def _ids(self, papers: Sequence[Paper]) -> tuple[str, ...]:
        return tuple(map(self._id_at, map(id, papers)))

    def reuse_facets(self, kept: KeptFacets | None, changed: Collection[str]) -> None:
        """Take the papers' facet values the last build worked out (``PlanState.facets``), but the
        ``changed`` papers' (call it before any list is planned)."""
        self._kept_facets = (kept, changed)

    @cached_property
    def facets(self) -> PaperFacets:
        kept, changed = self._kept_facets
        return paper_facets(self.catalog, kept, changed)

    def kept_facets(self) -> KeptFacets | None:
        """The papers' facet values to keep for the next build: those worked out for this one's
        lists, or those it took from the last build (``reuse_facets``) when it planned no list."""
        if "facets" in self.__dict__:
            return self.facets.kept()
        kept, changed = self._kept_facets
        if kept is None or not changed:
            return kept
        return KeptFacets(kept.ranks, {paper_id: values for paper_id, values in kept.values.items()
                                       if paper_id not in changed})

    @cached_property
    def _papers(self) -> dict[str, Paper]:
        return dict(zip(self.ids, self.catalog.papers, strict=True))

    @cached_property
    def _topic_entries(self) -> dict[str, TopicEntry]:
        return {entry.id: entry for entry in self.catalog.topics}

    def units(self) -> list[Unit]:
        """Every unit, in plan order (the sitemap last, if any); ``groups_of`` says each one's group."""
        units: list[Unit] = []
        groups_of = self.groups_of = {}
        for group, made in self._all_groups():
            for unit in made:
                units.append(unit)
                groups_of[unit.name] = group
        if self.config.base_url:
            units += self._sitemap_unit(tuple(unit.name for unit in units if unit.listed))
            groups_of[urls.SITEMAP] = ("sitemap",)
        return units

    def sitemap_urls(self) -> tuple[str, ...]:
        """The address of every unit's page the sitemap lists (``Unit.listed``), in plan order, without
        making the units (``units`` finds the very same listing them: tested)."""
        catalog, size = self.catalog, self.config.papers_per_page

        def paged(url: str, count: int) -> list[str]:
            return [urls.paged_url(url, number) for number in range(1, max(1, -(-count // size)) + 1)]

        found = [urls.HOME, *paged(urls.ALL_PAPERS, len(catalog.papers)), *map(urls.paper_url, self.ids),
                 urls.kind_index_url("topics")]
        for entry in catalog.topics:
            found += paged(entry.url, len(entry.papers))
        for kind in TERM_KINDS:
            found.append(urls.kind_index_url(kind))
            for term in catalog.terms[kind]:
                found += paged(term.url, len(term.ids))
        return tuple(found)

    def _sitemap_unit(self, page_urls: tuple[str, ...] | None = None) -> list[Unit]:
        """The sitemap's unit (``page_urls``: what it lists, when known: ``sitemap_urls``)."""
        assert self.config.base_url
        sitemap = SitemapFile(self.config.base_url, page_urls if page_urls is not None else self.sitemap_urls())
        return [Unit(urls.SITEMAP, lambda: [Page(urls.SITEMAP, sitemap)], shape=sitemap.page_urls)]

    def _all_groups(self) -> Iterator[tuple[Hashable, list[Unit]]]:
        """Every group of units but the sitemap's, in plan order, with its units (as ``group`` makes
        them; called directly here, as listing every unit is most of a cold plan's own time)."""
        catalog = self.catalog
        # The all-papers pages come first among the lists, so they render every paper's entry.
        yield ("home",), self._home_unit()
        yield ("feed",), self._feed_unit()
        yield ("csl",), self._csl_unit()
        yield ("404",), self._not_found_unit()
        yield ("all",), self._all_papers()
        paper_unit = self._paper_unit
        for paper_id in self.ids:
            yield ("paper", paper_id), paper_unit(paper_id)
        yield ("topics",), self._topics_unit()
        for entry in catalog.topics:
            yield ("topic", entry.id), self._topic(entry.id)
        yield ("json",), self._catalog_json_unit()
        yield ("search",), self._search_unit()
        for kind in TERM_KINDS:
            yield ("terms", kind), self._terms_unit(kind)
            for term in catalog.terms[kind]:
                yield ("term", kind, term.slug), self._term_pages(term)

    def group(self, group: Hashable) -> list[Unit]:
        """The units of one group (a kind and what it names: ``("paper", paper_id)``, ``("term", kind, slug)``...)."""
        assert isinstance(group, tuple)
        # (looked up by name: a planner holding its own bound methods would be a reference cycle)
        make: Callable[..., list[Unit]] = getattr(self, _GROUP_MAKERS[group[0]])
        return make(*group[1:])

    def _home_unit(self) -> list[Unit]:
        catalog = self.catalog
        by_added, recent = self._recent
        shape = (tuple(map(_topic_counts, catalog.roots)), by_added, len(catalog.papers),
                 tuple(self._term_counts.items()), self._timeline.counts)
        return [Unit(urls.HOME, self._home, self._ids(recent), shape, listed=True, together=True)]

    def _feed_unit(self) -> list[Unit]:
        return [Unit(urls.FEED, self._feed_of_catalog, tuple(map(_ID, self._newest)), ())]

    def _csl_unit(self) -> list[Unit]:
        return [Unit(urls.CSL_JSON, self._csl_json)]

    def _not_found_unit(self) -> list[Unit]:
        return [Unit(urls.NOT_FOUND, self._not_found, (), ())]

    def _all_papers(self) -> list[Unit]:
        catalog = self.catalog
        return self._paged(urls.ALL_PAPERS, catalog.papers, self.ids, 0.07, (len(catalog.papers),),
                           functools.partial(AllPapersPage, paper_count=len(catalog.papers)))

    def _paper_unit(self, paper_id: str) -> list[Unit]:
        related = self.related
        if isinstance(related, RelatedLists):  # (their ids, without making the papers' lists)
            similar, same = related.ids(paper_id)
        else:
            found, ids_of = related[paper_id], self._ids
            similar, same = ids_of(found.similar), ids_of(found.same_authors)
        url = urls.paper_url(paper_id)
        return [Unit(url, functools.partial(self._paper_page, self._papers[paper_id], url),
                     (paper_id, *similar, *same), len(similar), True)]

    def _topics_unit(self) -> list[Unit]:
        return [Unit(urls.kind_index_url("topics"), self._topics, (), tuple(map(_topic_counts, self.catalog.roots)),
                     listed=True)]

    def _catalog_json_unit(self) -> list[Unit]:
        return [Unit(urls.CATALOG_JSON, self._catalog_json)]

    def _search_unit(self) -> list[Unit]:
        return [Unit(urls.SEARCH, self._search)]

    def _terms_unit(self, kind: str) -> list[Unit]:
        # The index shows each term's name, slug (its address), initial and count.
        shape = tuple((term.name, term.slug, term.sort_key, len(term.ids)) for term in self.catalog.terms[kind])
        return [Unit(urls.kind_index_url(kind), functools.partial(self._terms, kind), (), shape, listed=True)]

    def _term_units(self, kind: str, slug: str) -> list[Unit]:
        term = self.catalog.find_term(kind, slug)
        if term is None:
            raise KeyError((kind, slug))
        return self._term_pages(term)

    def _term_pages(self, term: Term) -> list[Unit]:
        return self._paged(term.url, term.papers, term.ids, 0.01, (term.name, term.sort_key, len(term.ids)),
                           functools.partial(TermPage, term=term))

    @cached_property
    def _recent(self) -> tuple[bool, list[Paper]]:
        """Whether the home page shows the most recently added papers, and those it shows."""
        catalog = self.catalog
        # When every paper was added the same day (a freshly imported catalog), "recently added"
        # would be an arbitrary pick: show the newest papers instead.
        by_added = len(set(map(_ADDED, catalog.papers))) > 1
        # Papers added the same day keep the site's order (newest year first, then title): a stable sort.
        recent = sorted(catalog.papers, key=_ADDED, reverse=True) if by_added else list(catalog.papers)
        return by_added, recent[: self.config.recent]

    @cached_property
    def _newest(self) -> tuple[Paper, ...]:
        """The catalog's feed's papers."""
        return tuple(newest_added(self.catalog.papers))

    @cached_property
    def _term_counts(self) -> dict[str, int]:
        return {kind: self.catalog.term_count(kind) for kind in TERM_KINDS}

    @cached_property
    def _timeline(self) -> Timeline:
        return timeline_of((p.year for p in self.catalog.papers), "Papers in the catalog per year")

    def _home(self) -> list[Page]:
        catalog = self.catalog
        by_added, recent = self._recent
        return [Page(urls.HOME, HomePage(
            roots=catalog.roots,
            recent=recent,
            recent_by_added=by_added,
            paper_count=len(catalog.papers),
            counts=dict(self._term_counts),
            timeline=self._timeline,
        ))]

    def _feed_of_catalog(self) -> list[Page]:
        return [Page(urls.FEED, _feed(self.catalog, self._newest, f"{self.config.title}: newly added papers",
                                      urls.HOME, self.config))]

    def _csl_json(self) -> list[Page]:
        catalog = self.catalog
        return [Page(urls.CSL_JSON, CslJsonFile(catalog.papers, _KeywordNames(catalog, self.ids)),
                     cost=0.05 * len(catalog.papers))]

    def _not_found(self) -> list[Page]:
        return [Page(urls.NOT_FOUND, NotFoundPage(self.config.base_url or "/"))]

    def _paper_page(self, paper: Paper, url: str) -> list[Page]:
        config = self.config
        edit = edit_url(config.repository, config.branch, f"{RECORDS_FOLDER}/{paper.id}.yaml")
        address = urls.absolute_url(config.base_url, url) if config.base_url else None
        return [Page(url, PaperPage(paper, self.catalog.paper_terms[paper.id], edit, self.related[paper.id], address))]

    def _topics(self) -> list[Page]:
        return [Page(urls.kind_index_url("topics"), TopicsPage(self.catalog.roots))]

    def _topic(self, topic_id: str) -> list[Unit]:
        """A topic's list pages, its ``.bib`` file and its feed."""
        catalog, config = self.catalog, self.config
        entry = self._topic_entries[topic_id]
        parent = self._topic_entries[entry.parent_id] if entry.parent_id else None
        suggest = suggest_url(config.repository, config.branch, entry.id)
        bibtex_url = urls.topic_bibtex_url(entry.id)
        # A topic without subtopics has its own papers only, already in catalog order.
        under = topic_papers(catalog, entry.id) if entry.children else entry.papers
        under_ids = self._ids(under)
        # (a paper read from the build cache holds its year before it is made whole: ``models.KEPT_FIELDS``)
        timeline = timeline_of(map(_YEAR, under), f"Papers on {entry.name} per year")
        feed_url = urls.topic_feed_url(entry.id)
        # The page shows the topic and its parent, each with its subtopics' counts (``TopicEntry``).
        shape = (_topic_counts(entry), _topic_counts(parent) if parent else None, timeline.counts)
        units = self._paged(entry.url, entry.papers, self._ids(entry.papers), 0.01, shape,
                            functools.partial(TopicPage, entry=entry, parent=parent, bibtex_url=bibtex_url,
                                              suggest_topic_url=suggest, timeline=timeline, feed_url=feed_url))

        def bibtex() -> list[Page]:
            return [Page(bibtex_url, TopicBibtexFile(under), cost=_BIBTEX_COST * entry.total)]

        def feed() -> list[Page]:
            newest = tuple(newest_added(under))
            return [Page(feed_url, _feed(catalog, newest, f"{config.title}: {entry.name}", entry.url, config))]

        return [*units, Unit(bibtex_url, bibtex, under_ids, "bib", cost=_BIBTEX_COST * entry.total, together=True),
                Unit(feed_url, feed, under_ids, "feed")]

    def _catalog_json(self) -> list[Page]:
        catalog, outline = self.catalog, self.catalog_outline
        topics = tuple(entry.topic for entry in catalog.topics)
        papers = tuple(map(self._papers.__getitem__, outline.ids))
        return [Page(urls.CATALOG_JSON, CatalogJsonFile(papers, topics, catalog.vocabulary, outline.head, outline.tail),
                     cost=0.12 * len(catalog.papers))]

    @cached_property
    def catalog_outline(self) -> CatalogOutline:
        """``papers.json``'s outline: the last build's when the catalog is indexed as it was (``reuse``)."""
        if self._outline is not None:
            return self._outline
        catalog = self.catalog
        topics = [entry.topic for entry in catalog.topics]
        state = catalog.state
        if state is not None:
            # The index stage grouped the papers by topic and keyword already, in the catalog's
            # order: the document's too (by ``paper_order``, then id) unless two papers tie in it.
            order = list(map(paper_order, catalog.papers))
            keywords = {name: list(ids) for (kind, _), (name, _, ids) in state.terms.items() if kind == "keywords"}
            if all(map(operator.lt, order, order[1:])) and len({name.casefold() for name in keywords}) == len(keywords):
                direct = {topic_id: list(ids) for topic_id, ids in state.direct.items()}
                return outline_of(catalog_layout(list(self.ids), topics, list(catalog.vocabulary), direct, keywords))
        return catalog_outline(catalog.papers, topics, catalog.vocabulary)

    def reuse(self, outline: CatalogOutline | None) -> None:
        """Take the last build's ``catalog_outline``: the catalog is indexed as it was then."""
        self._outline = outline

    def _search(self) -> list[Page]:
        catalog = self.catalog
        index = self.search if self.search is not None else build_search_index(catalog, self.search_memo)
        kinds = tuple((kind, KIND_NAMES[kind]) for kind in index.kinds)
        page = Page(urls.SEARCH, SearchPage(catalog.topics, catalog.terms["years"], catalog.terms["venues"],
                                            kinds, len(catalog.papers)))
        return [page, *(Page(path, SearchIndexFile(text), cost=0.02) for path, text in index.files)]

    def _terms(self, kind: str) -> list[Page]:
        terms = self.catalog.terms[kind]
        return [Page(urls.kind_index_url(kind), TermsPage(kind, terms, _by_initial(terms) if kind != "years" else []))]

    def _paged(self, url: str, papers: tuple[Paper, ...], ids: tuple[str, ...], cost_per_paper: float,
               shape: Hashable, make: Callable[[YearGroups, Pager | None, ListFilters], PaperListPage]) -> list[Unit]:
        """A list of papers (of ``ids``) as one page, or as several of ``papers_per_page`` with a
        pager: one unit a page, whose inputs are the list's ``shape``, its pages' count and its papers."""
        size = self.config.papers_per_page
        count = max(1, -(-len(papers) // size))
        page_urls = tuple(urls.paged_url(url, number) for number in range(1, count + 1))
        return [Unit(page_url, functools.partial(self._list_page, page_url, number, page_urls, papers, ids, size,
                                                 cost_per_paper, make),
                     chunk, (shape, count), True, 0.5 + cost_per_paper * len(chunk), True)
                for number, page_url in enumerate(page_urls, start=1)
                for chunk in (ids[(number - 1) * size : number * size],)]

    def _list_page(self, url: str, number: int, page_urls: tuple[str, ...], papers: tuple[Paper, ...],
                   ids: tuple[str, ...], size: int,
                   cost_per_paper: float, make: Callable[[YearGroups, Pager | None, ListFilters], PaperListPage],
                   ) -> list[Page]:
        chunk = papers[(number - 1) * size : number * size]
        pager = Pager(number, page_urls) if len(page_urls) > 1 else None
        groups, filters = paper_list(chunk, ids[(number - 1) * size : number * size], self.facets)
        return [Page(url, make(groups, pager, filters), cost=0.5 + cost_per_paper * len(chunk))]


_BIBTEX_COST = 0.08
"""A topic's ``.bib`` file's ``Page.cost`` per paper under it."""

_GROUP_MAKERS = {
    "home": "_home_unit", "feed": "_feed_unit", "csl": "_csl_unit", "404": "_not_found_unit", "all": "_all_papers",
    "paper": "_paper_unit", "topics": "_topics_unit", "topic": "_topic", "json": "_catalog_json_unit",
    "search": "_search_unit", "terms": "_terms_unit", "term": "_term_units", "sitemap": "_sitemap_unit",
}
"""The ``Planner`` method that makes each kind of group's units."""


class _KeywordNames(Mapping[str, tuple[str, ...]]):
    """Each paper's canonical keywords (``Catalog.keyword_names``), by id, read when first asked
    for: a rebuild that splices the edited papers' items into the CSL-JSON file (``write.write_joined``)
    reads theirs only; one that writes the file whole, every paper's at once (``keyword_names_of``)."""

    def __init__(self, catalog: Catalog, ids: tuple[str, ...]) -> None:
        self._catalog = catalog
        self._ids = ids
        self._found: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, paper_id: str) -> tuple[str, ...]:
        found = self._found.get(paper_id)
        if found is None:
            if len(self._found) >= _ONE_AT_A_TIME:
                self._found = self._catalog.keyword_names_of(self._ids)
                return self._found[paper_id]
            found = self._found[paper_id] = self._catalog.keyword_names(paper_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


_ONE_AT_A_TIME = 64
"""``_KeywordNames`` reads so many papers' keywords one at a time, then every paper's at once."""


def _topic_counts(entry: TopicEntry) -> tuple[Any, ...]:
    """What a topic page shows of a topic entry and its subtopics: their counts of papers."""
    return (entry.id, entry.total, len(entry.papers), tuple(map(_topic_counts, entry.children)))


_ID = operator.attrgetter("id")
_ADDED = operator.attrgetter("added")
_SECOND = operator.itemgetter(1)
_YEAR = operator.attrgetter("year")


def _feed(catalog: Catalog, newest: tuple[Paper, ...], title: str, page_url: str, config: SiteConfig) -> AtomFeedFile:
    """The feed of ``newest``, the most recently added papers of a list (``newest_added``)."""
    topic_names = {p.id: tuple(t.name for t in catalog.paper_terms[p.id].topics) for p in newest}
    return AtomFeedFile(newest, topic_names, title, page_url, config.title, config.base_url)


def _by_initial(terms: tuple[Term, ...]) -> list[tuple[str, tuple[Term, ...]]]:
    """Terms (already in index order) as (letter, terms) groups for an A-Z index."""
    return [(letter, tuple(group)) for letter, group in groupby(terms, key=lambda t: t.initial)]
