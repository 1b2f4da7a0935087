"""Render stage: the indexed catalog -> pages, as (output path, HTML) pairs.

Python decides, templates present: every list is sorted and grouped here and each page kind gets a
declared context. The Jinja environment is created once, autoescapes everything and fails on any
undefined name (``StrictUndefined``). A paper's entry in a list is rendered once per link depth and
reused by every list that shows it, since a paper appears on ten or more pages.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from phenomena_catalog import urls
from phenomena_catalog.catalog import TERM_KINDS, Catalog, PaperTerms, Term, group_by_year
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.exporters import topic_papers
from phenomena_catalog.exporters.bibtex import bibtex_entry
from phenomena_catalog.exporters.json import catalog_json
from phenomena_catalog.markup import render_inline_markdown, render_markdown
from phenomena_catalog.models import KIND_NAMES, Paper
from phenomena_catalog.repository import RECORDS_FOLDER, edit_url, suggest_url
from phenomena_catalog.theme import template_folders, template_loader

KIND_LABELS = {
    "topics": ("Topic", "Topics"),
    "authors": ("Author", "Authors"),
    "years": ("Year", "Years"),
    "venues": ("Venue", "Venues"),
    "keywords": ("Keyword", "Keywords"),
}
LINK_LABELS = {
    "paper": "Paper", "pdf": "PDF", "code": "Code", "project": "Project page", "video": "Video",
    "slides": "Slides", "blog": "Blog post", "data": "Data",
}


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


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, and the template and context it is rendered from.

    Data files (``papers.json``, a topic's ``.bib``) have no template: ``produce`` makes their text.
    """

    url: str
    template: str | None
    context: dict[str, Any] = field(default_factory=dict)
    produce: Callable[[], str] | None = None
    cost: float = 1.0
    """Render time relative to a paper's page (measured on a 10,000-paper catalog), for sharing
    pages out among workers. Only the balance depends on it, never the output."""
    lists_papers: bool = False
    """Whether the page shows papers' list entries, which a renderer makes once and reuses."""


def template_environment(templates_dir: Path | None) -> jinja2.Environment:
    """The Jinja environment: autoescaped, strict about undefined names, templates compiled once.

    Templates come from the catalog's ``templates_dir`` where it has them, else from the default theme.
    """
    env = jinja2.Environment(
        loader=template_loader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["markdown"] = render_markdown
    return env


class SiteRenderer:
    """Turns a catalog into pages. Holds the compiled templates and per-build caches."""

    def __init__(self, catalog: Catalog, config: SiteConfig, templates_dir: Path) -> None:
        self.catalog = catalog
        self.config = config
        self.templates_dir = templates_dir
        self.env = template_environment(templates_dir)
        self.env.globals.update(
            site=config,
            kind_labels=KIND_LABELS,
            link_labels=LINK_LABELS,
            record_kinds=KIND_NAMES,
            term_kinds=TERM_KINDS,
            # Templates take every address from urls.py, the one owner of the site's URL rules.
            urls=urls,
            paper_url=urls.paper_url,
            kind_index_url=urls.kind_index_url,
            site_description=(description := render_markdown(config.description)),
            suggest_url=suggest_url(config.repository, config.branch),
            site_summary=_summary(description.striptags()),
            site_footer=render_markdown(config.footer) if config.footer else None,
            data_license=render_inline_markdown(config.data_license) if config.data_license else None,
        )
        # Compile every template now, once: forked workers inherit them, and a syntax error in any
        # template stops the build before anything is written.
        try:
            for name in self.env.list_templates(filter_func=lambda n: n.endswith(".html")):
                self.env.get_template(name)
        except jinja2.TemplateError as err:
            raise template_problem(err, "the site", templates_dir) from None
        self._item_template = self.env.get_template("_paper_item.html")
        self._items: dict[tuple[str, str], Markup] = {}
        self._bibtex_entries: dict[str, str] = {}

    # -- the pages ---------------------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        """Every page and data file of the site, in a fixed order; the sitemap last, if any."""
        listed: list[str] = []
        for page in self._content_pages():
            if page.template is not None and page.url != urls.SEARCH:
                listed.append(page.url)
            yield page
        if self.config.base_url:
            # Produced at render time, by when ``listed`` holds every page.
            yield Page(urls.SITEMAP, None, produce=functools.partial(sitemap_xml, self.config.base_url, listed))

    def _content_pages(self) -> Iterator[Page]:
        catalog = self.catalog
        # When every paper was added the same day (a freshly imported catalog), "recently added"
        # would be an arbitrary pick: show the newest papers instead.
        by_added = len({paper.added for paper in catalog.papers}) > 1
        recent = (sorted(catalog.papers, key=lambda p: (p.added, p.id), reverse=True) if by_added
                  else list(catalog.papers))
        yield Page(urls.HOME, "home.html", lists_papers=True, context={
            "roots": catalog.roots,
            "recent": recent[: self.config.recent],
            "recent_by_added": by_added,
            "paper_count": len(catalog.papers),
            "counts": {kind: len(catalog.terms[kind]) for kind in TERM_KINDS},
        })
        # The all-papers pages come first among the lists, so they render every paper's entry.
        yield from self._paged(urls.ALL_PAPERS, "papers.html", catalog.papers,
                               {"paper_count": len(catalog.papers)}, cost_per_paper=0.16)
        for paper in catalog.papers:
            yield Page(urls.paper_url(paper.id), "paper.html", {"paper": paper})
        yield Page(urls.kind_index_url("topics"), "topics.html", {"roots": catalog.roots})
        for entry in catalog.topics:
            yield from self._paged(entry.url, "topic.html", entry.papers, {
                "entry": entry,
                "parent": catalog.topic(entry.parent_id) if entry.parent_id else None,
                "bibtex_url": urls.topic_bibtex_url(entry.id),
                "suggest_topic_url": suggest_url(self.config.repository, self.config.branch, entry.id),
            })
            yield Page(urls.topic_bibtex_url(entry.id), None, cost=0.15 * entry.total,
                       produce=functools.partial(self._topic_bibtex, entry.id))
        yield Page(urls.CATALOG_JSON, None, produce=self._catalog_json, cost=0.25 * len(catalog.papers))
        yield Page(urls.SEARCH, "search.html", {
            "topics": catalog.topics,
            "years": catalog.terms["years"],
            "paper_count": len(catalog.papers),
        })
        yield Page(urls.SEARCH_INDEX, None, produce=self._search_index, cost=0.04 * len(catalog.papers))
        for kind in TERM_KINDS:
            terms = catalog.terms[kind]
            yield Page(urls.kind_index_url(kind), "terms.html", {
                "kind": kind, "terms": terms, "letters": _by_initial(terms) if kind != "years" else [],
            })
            for term in terms:
                yield from self._paged(term.url, "term.html", term.papers, {"term": term})

    def render(self, page: Page) -> str:
        """The text of one output file: a page's HTML, or a data file's content."""
        if page.template is None:
            assert page.produce is not None
            return page.produce()
        try:
            return self._render_template(page)
        except jinja2.TemplateError as err:
            raise template_problem(err, page.url, self.templates_dir) from None

    def _render_template(self, page: Page) -> str:
        assert page.template is not None  # render() hands data files to page.produce instead
        root = urls.root_of(page.url)
        canonical = self.config.base_url.rstrip("/") + "/" + page.url if self.config.base_url else None
        context = dict(page.context, root=root, page_url=page.url, item=self._item_at(root),
                       canonical_url=canonical)
        if page.template == "paper.html":
            paper: Paper = context["paper"]
            digest = render_markdown(paper.digest) if paper.digest else None
            context.update(
                terms=self.catalog.paper_terms[paper.id],
                digest=digest,
                note=render_markdown(paper.note) if paper.note else None,
                summary=_summary(digest.striptags()) if digest else f"{paper.title} ({paper.year})",
                bibtex=self._bibtex(paper),
                edit_url=edit_url(self.config.repository, self.config.branch,
                                  f"{RECORDS_FOLDER}/{paper.id}.yaml"),
            )
        return self.env.get_template(page.template).render(context)

    # -- helpers -----------------------------------------------------------------------------

    def _paged(self, url: str, template: str, papers: Sequence[Paper], context: dict[str, Any],
               cost_per_paper: float = 0.01) -> Iterator[Page]:
        """A list of papers as one page, or as several of ``papers_per_page`` with a pager."""
        size = self.config.papers_per_page
        count = max(1, -(-len(papers) // size))
        page_urls = [urls.paged_url(url, number) for number in range(1, count + 1)]
        for number, page_url in enumerate(page_urls, start=1):
            chunk = papers[(number - 1) * size : number * size]
            pager = Pager(number, tuple(page_urls)) if count > 1 else None
            yield Page(page_url, template, dict(context, groups=group_by_year(chunk), pager=pager),
                       cost=0.8 + cost_per_paper * len(chunk), lists_papers=True)

    def _bibtex(self, paper: Paper) -> str:
        # A paper's entry is on its page and in the .bib of each of its topics and their parents.
        entry = self._bibtex_entries.get(paper.id)
        if entry is None:
            entry = self._bibtex_entries[paper.id] = bibtex_entry(paper)
        return entry

    def _topic_bibtex(self, topic_id: str) -> str:
        return "\n".join(self._bibtex(paper) for paper in topic_papers(self.catalog, topic_id))

    def _search_index(self) -> str:
        return search_index_script(self.catalog)

    def _catalog_json(self) -> str:
        topics = [entry.topic for entry in self.catalog.topics]
        # Compact: a download, not a file to diff; json's C encoder only runs without indent.
        return catalog_json(self.catalog.papers, topics, self.catalog.vocabulary, indent=None)

    def _item_at(self, root: str) -> Callable[[Paper], Markup]:
        """A function templates call to get a paper's list entry, rendered once per depth."""

        def item(paper: Paper) -> Markup:
            key = (paper.id, root)
            html = self._items.get(key)
            if html is None:
                terms: PaperTerms = self.catalog.paper_terms[paper.id]
                html = Markup(self._item_template.render(paper=paper, terms=terms, root=root))
                self._items[key] = html
            return html

        return item


def template_problem(err: jinja2.TemplateError, page_url: str, templates_dir: Path) -> UserError:
    """A template mistake as FILE:LINE: message, located through Jinja's rewritten traceback."""
    if isinstance(err, jinja2.TemplateSyntaxError) and err.filename:
        return UserError([Problem(display_path(Path(err.filename)), err.lineno, "", err.message or str(err))])
    where: tuple[str, int] | None = None
    tb = err.__traceback__
    folders = [folder.resolve() for folder in template_folders(templates_dir)]
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(Path(filename).resolve().is_relative_to(folder) for folder in folders):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    message = f"{err.message or err} (while rendering {page_url})"
    if where is None:
        return UserError([Problem(display_path(templates_dir), None, "", message)])
    return UserError([Problem(display_path(Path(where[0])), where[1], "", message)])


def sitemap_xml(base_url: str, page_urls: Sequence[str]) -> str:
    """A sitemaps.org sitemap listing ``page_urls`` below ``base_url`` (the search page is left out:
    its content is made in the browser)."""
    base = base_url.rstrip("/") + "/"
    entries = "".join(f"  <url><loc>{escape(base + url)}</loc></url>\n" for url in page_urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n")


def search_index_script(catalog: Catalog) -> str:
    """The data the search page filters, as a script (a plain JSON file cannot load from disk).

    One row per paper, fields in ``SEARCH_FIELDS`` order; topics as indexes into ``topics``.
    """
    topic_index = {entry.id: i for i, entry in enumerate(catalog.topics)}
    data = {
        "fields": SEARCH_FIELDS,
        "topics": [[entry.id, entry.name] for entry in catalog.topics],
        "papers": [
            [paper.id, paper.title, paper.authors, paper.year, paper.venue or "",
             [topic_index[t] for t in paper.topics],
             [k.name for k in catalog.paper_terms[paper.id].keywords]]
            for paper in catalog.papers
        ],
    }
    # "</" never appears inside a <script> data block, whatever a title says.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.CATALOG_SEARCH_INDEX = {text};\n"


SEARCH_FIELDS = ["id", "title", "authors", "year", "venue", "topics", "keywords"]


def _summary(text: str, limit: int = 160) -> str:
    """Plain text cut at a word boundary, for the page's meta description."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _by_initial(terms: Sequence[Term]) -> list[tuple[str, tuple[Term, ...]]]:
    """Terms (already in index order) as (letter, terms) groups for an A-Z index."""
    return [(letter, tuple(group)) for letter, group in groupby(terms, key=lambda t: t.initial)]
