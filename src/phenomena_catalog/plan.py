"""Plan stage: the indexed catalog and the settings -> every page of the site, each with a typed context.

Python decides, templates present: every list is sorted, grouped and paged here, and each page
kind has its own declared context (a frozen dataclass whose fields are the template's variables).
Data files (``papers.json``, a topic's ``.bib``, the search index, the sitemap) are pages without
a template; their context holds exactly what their text is made from. Nothing is rendered here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import groupby
from typing import Any, ClassVar

from markupsafe import Markup

from phenomena_catalog import citation, urls
from phenomena_catalog.catalog import TERM_KINDS, Catalog, PaperTerms, Term, TopicEntry, group_by_year
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.exporters import topic_papers
from phenomena_catalog.exporters.atom import newest_added
from phenomena_catalog.exporters.bibtex import bibtex_entry
from phenomena_catalog.list_filters import ListFilters, PaperFacets, list_filters, paper_facets
from phenomena_catalog.markup import render_markdown
from phenomena_catalog.models import KIND_NAMES, KeywordEntry, Paper, Topic
from phenomena_catalog.presentation import digest_html, paper_summary
from phenomena_catalog.related import PaperTermCounts, RelatedPapers, related_in_catalog
from phenomena_catalog.repository import RECORDS_FOLDER, edit_url, suggest_url
from phenomena_catalog.search_index import SearchIndexState, build_search_index
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
        return citation.json_ld_script(citation.scholarly_article(self.paper, self.summary, keywords, self.address))


_BIBTEX: dict[str, tuple[Paper, str]] = {}


def bibtex_of(paper: Paper) -> str:
    """A paper's BibTeX entry, made once per process: it is on the paper's page and in the
    ``.bib`` file of each of its topics and their parents."""
    found = _BIBTEX.get(paper.id)
    if found is None or found[0] is not paper:  # another build's paper of the same id
        found = _BIBTEX[paper.id] = (paper, bibtex_entry(paper))
    return found[1]


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


@dataclass(frozen=True)
class CatalogJsonFile:
    """The whole catalog as JSON, for download."""

    papers: tuple[Paper, ...]
    topics: tuple[Topic, ...]
    vocabulary: tuple[KeywordEntry, ...]


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
    """The catalog as CSL-JSON."""

    papers: tuple[Paper, ...]
    keywords: dict[str, tuple[str, ...]]
    """Each paper's canonical keywords, by id."""


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


def plan(catalog: Catalog, config: SiteConfig, related: dict[str, RelatedPapers] | None = None,
         memos: TextMemos | None = None) -> list[Page]:
    """The plan stage: every page and data file of the site, in a fixed order; the sitemap last, if any.

    ``related`` is each paper's related papers (default: computed here, ``related_in_catalog``).
    ``memos``: what the last build made of each paper's text, to reuse (and fill for the next).
    """
    if related is None:
        related = related_in_catalog(catalog, memos.related if memos is not None else None)
    pages = _content_pages(catalog, config, related, memos.search if memos is not None else None)
    if config.base_url:
        listed = tuple(page.url for page in pages
                       if isinstance(page.context, TemplateContext) and page.url not in (urls.SEARCH, urls.NOT_FOUND))
        pages.append(Page(urls.SITEMAP, SitemapFile(config.base_url, listed)))
    return pages


def _content_pages(catalog: Catalog, config: SiteConfig, related: dict[str, RelatedPapers],
                   search_memo: SearchIndexState | None) -> list[Page]:
    pages: list[Page] = []
    facets = paper_facets(catalog)
    # When every paper was added the same day (a freshly imported catalog), "recently added"
    # would be an arbitrary pick: show the newest papers instead.
    by_added = len({paper.added for paper in catalog.papers}) > 1
    # Papers added the same day keep the site's order (newest year first, then title): a stable sort.
    recent = (sorted(catalog.papers, key=lambda p: p.added, reverse=True) if by_added
              else list(catalog.papers))
    pages.append(Page(urls.HOME, HomePage(
        roots=catalog.roots,
        recent=recent[: config.recent],
        recent_by_added=by_added,
        paper_count=len(catalog.papers),
        counts={kind: len(catalog.terms[kind]) for kind in TERM_KINDS},
        timeline=timeline_of((p.year for p in catalog.papers), "Papers in the catalog per year"),
    )))
    pages.append(Page(urls.FEED, _feed(catalog, catalog.papers, f"{config.title}: newly added papers",
                                       urls.HOME, config)))
    pages.append(Page(urls.CSL_JSON, CslJsonFile(catalog.papers, {
        p.id: tuple(k.name for k in catalog.paper_terms[p.id].keywords) for p in catalog.papers}),
        cost=0.05 * len(catalog.papers)))
    pages.append(Page(urls.NOT_FOUND, NotFoundPage(config.base_url or "/")))
    # The all-papers pages come first among the lists, so they render every paper's entry.
    pages += _paged(urls.ALL_PAPERS, facets, catalog.papers, config, 0.07,
                    functools.partial(AllPapersPage, paper_count=len(catalog.papers)))
    for paper in catalog.papers:
        edit = edit_url(config.repository, config.branch, f"{RECORDS_FOLDER}/{paper.id}.yaml")
        url = urls.paper_url(paper.id)
        address = urls.absolute_url(config.base_url, url) if config.base_url else None
        pages.append(Page(url, PaperPage(paper, catalog.paper_terms[paper.id], edit, related[paper.id], address)))
    pages.append(Page(urls.kind_index_url("topics"), TopicsPage(catalog.roots)))
    for entry in catalog.topics:
        parent = catalog.topic(entry.parent_id) if entry.parent_id else None
        suggest = suggest_url(config.repository, config.branch, entry.id)
        bibtex_url = urls.topic_bibtex_url(entry.id)
        # A topic without subtopics has its own papers only, already in catalog order.
        under = topic_papers(catalog, entry.id) if entry.children else entry.papers
        timeline = timeline_of((p.year for p in under), f"Papers on {entry.name} per year")
        feed_url = urls.topic_feed_url(entry.id)
        pages += _paged(entry.url, facets, entry.papers, config, 0.01,
                        functools.partial(TopicPage, entry=entry, parent=parent, bibtex_url=bibtex_url,
                                          suggest_topic_url=suggest, timeline=timeline, feed_url=feed_url))
        pages.append(Page(bibtex_url, TopicBibtexFile(under), cost=0.08 * entry.total))
        pages.append(Page(feed_url, _feed(catalog, under, f"{config.title}: {entry.name}", entry.url, config)))
    topics = tuple(entry.topic for entry in catalog.topics)
    pages.append(Page(urls.CATALOG_JSON, CatalogJsonFile(catalog.papers, topics, catalog.vocabulary),
                      cost=0.12 * len(catalog.papers)))
    index = build_search_index(catalog, search_memo)
    kinds = tuple((kind, KIND_NAMES[kind]) for kind in index.kinds)
    pages.append(Page(urls.SEARCH, SearchPage(catalog.topics, catalog.terms["years"], catalog.terms["venues"],
                                              kinds, len(catalog.papers))))
    pages += [Page(path, SearchIndexFile(text), cost=0.02) for path, text in index.files]
    for kind in TERM_KINDS:
        terms = catalog.terms[kind]
        pages.append(Page(urls.kind_index_url(kind),
                          TermsPage(kind, terms, _by_initial(terms) if kind != "years" else [])))
        for term in terms:
            pages += _paged(term.url, facets, term.papers, config, 0.01,
                            functools.partial(TermPage, term=term))
    return pages


def _feed(catalog: Catalog, papers: tuple[Paper, ...], title: str, page_url: str, config: SiteConfig) -> AtomFeedFile:
    """The feed of the most recently added of ``papers``."""
    newest = tuple(newest_added(papers))
    topic_names = {p.id: tuple(t.name for t in catalog.paper_terms[p.id].topics) for p in newest}
    return AtomFeedFile(newest, topic_names, title, page_url, config.title, config.base_url)


def _paged(url: str, facets: PaperFacets, papers: tuple[Paper, ...], config: SiteConfig, cost_per_paper: float,
           make: Callable[[YearGroups, Pager | None, ListFilters], PaperListPage]) -> list[Page]:
    """A list of papers as one page, or as several of ``papers_per_page`` with a pager."""
    size = config.papers_per_page
    count = max(1, -(-len(papers) // size))
    page_urls = tuple(urls.paged_url(url, number) for number in range(1, count + 1))
    pages = []
    for number, page_url in enumerate(page_urls, start=1):
        chunk = papers[(number - 1) * size : number * size]
        pager = Pager(number, page_urls) if count > 1 else None
        filters = list_filters(chunk, facets)
        pages.append(Page(page_url, make(group_by_year(chunk), pager, filters), cost=0.5 + cost_per_paper * len(chunk)))
    return pages


def _by_initial(terms: tuple[Term, ...]) -> list[tuple[str, tuple[Term, ...]]]:
    """Terms (already in index order) as (letter, terms) groups for an A-Z index."""
    return [(letter, tuple(group)) for letter, group in groupby(terms, key=lambda t: t.initial)]
