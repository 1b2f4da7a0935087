"""Render stage: one planned page -> its text (a page's HTML, or a data file's content).

The Jinja environment is created once, autoescapes everything and fails on any undefined name
(``StrictUndefined``); every template is compiled up front, so a syntax error in any of them stops
the build before anything is written. Templates only present: their variables are the page's
typed context (``plan.py``) plus the presentation rules (``presentation.py``) as globals.

What many pages share is rendered once and reused (``FRAGMENTS``): a paper's entry in a list or among
related papers, once per link depth, since a paper appears on ten or more pages; the site's header
once per depth and section; its footer once per depth.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
from markupsafe import Markup, escape

from phenomena_catalog import presentation, urls
from phenomena_catalog.catalog import TERM_KINDS, PaperTerms
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.exporters.atom import FeedEntry, atom_feed
from phenomena_catalog.markup import render_inline_markdown, render_markdown
from phenomena_catalog.models import KIND_NAMES, Paper
from phenomena_catalog.paper_texts import PaperTexts
from phenomena_catalog.plan import (
    AtomFeedFile,
    CatalogJsonFile,
    CslJsonFile,
    NotFoundPage,
    Page,
    SearchIndexFile,
    SitemapFile,
    TemplateContext,
    TopicBibtexFile,
)
from phenomena_catalog.repository import suggest_url
from phenomena_catalog.template_env import _COMPILED, page_templates, template_environment
from phenomena_catalog.theme import template_folders

_REFERENCE_TAG = re.compile(
    r"\{%-?\s*(?:extends|include|import|from)\s+(?P<target>.*?)"
    r"(?:\s+(?:import|as|ignore|with|without)\b.*?)?\s*-?%\}", re.S)
_LITERAL_NAME = re.compile(r"""(?P<q>["'])(?P<name>[^"']+)(?P=q)""")

ITEM_TEMPLATE = "_paper_item.html"
"""A paper's entry in every list of papers: ``items(papers)`` in templates (``item(paper)`` for one)."""
RELATED_TEMPLATE = "_related_item.html"
"""A paper's entry among a paper page's related papers: ``related_items(papers)``."""
HEADER_TEMPLATE = "_header.html"
"""The site's header on every page (``header``): skip link, title and sections; ``section`` is the
page's top folder (``urls.section_of``), the one its navigation marks as current."""
FOOTER_TEMPLATE = "_footer.html"
"""The site's footer on every page (``footer``)."""
FRAGMENTS = {"item": ITEM_TEMPLATE, "items": ITEM_TEMPLATE, "related_items": RELATED_TEMPLATE,
             "header": HEADER_TEMPLATE, "footer": FOOTER_TEMPLATE}
"""The variables of every page that are fragments rendered once and reused, and their templates:
a page whose templates use one of these names depends on that template."""
_FRAGMENT_USE = re.compile(r"(?<![\w.-])(?P<name>" + "|".join(FRAGMENTS) + r")(?![\w-])")
KEPT_ENTRIES = (ITEM_TEMPLATE,)
"""The entries ``ListEntries`` keeps from one build to the next: a list page shows hundreds of them,
and after an edit every list page showing the edited paper is rendered again, with all its entries.
(Related papers' entries are not kept: a paper's page shows a dozen.)"""


def templates_digest(env: jinja2.Environment, names: Iterable[str]) -> bytes:
    """A digest of the named templates' names and sources: what a page or entry rendered with them
    is made from, of the templates (``Renderer.templates_of`` names a page's)."""
    digest = hashlib.blake2b(digest_size=16)
    assert env.loader is not None
    for name in names:
        digest.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode())
    return digest.digest()


class ListEntries:
    """Papers' list entries (``KEPT_ENTRIES``) as rendered, kept from one build to the next.

    After a one-record edit at 10,000 papers, the list pages showing that paper are rendered again:
    thousands of entries (18 us each), of which one changed. Each kept entry is stored with a digest
    of what it was made from besides its template's inputs (``key``): its paper's record and the names
    of the terms the paper is filed under (a term's name is its most frequent spelling among its
    papers, so another paper's edit can change it; slugs come from the record, topic names from the
    taxonomy). Each table (a template at a link depth) is kept with what all its entries are made
    from: its templates and ``everywhere`` (the settings, taxonomy, vocabulary and code). An entry is
    reused only while both are unchanged; a template, settings or taxonomy edit empties the tables
    that use them. The build cache keeps one (``BuildCache.entries``); ``serve`` keeps it in memory.
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, tuple[bytes, str]]] = {}
        """By template and link depth ("_paper_item.html@1"): each paper's entry by id, as (the
        digest of what it was made from: ``key``, its HTML)."""
        self.inputs: dict[str, str] = {}
        """What every entry of each table is made from, besides its paper (see ``Renderer``)."""
        self.everywhere = ""
        self._digests: Mapping[str, str] | None = None
        self._filed_names: Callable[[str], Sequence[str]] | None = None

    def use(self, everywhere: str, digests: Mapping[str, str] | None,
            filed_names: Callable[[str], Sequence[str]] | None = None) -> None:
        """Start a build: ``everywhere`` is the digest of what every page is made from (settings,
        taxonomy, code), ``digests`` each paper's record digest by id (None: a build that keeps no
        entries), ``filed_names`` the names of the terms a paper is filed under, by its id
        (``Catalog.filed_names``). Entries of papers no longer there are dropped."""
        self.everywhere, self._digests, self._filed_names = everywhere, digests, filed_names
        if digests is not None:
            for table in self.tables.values():
                for gone in table.keys() - digests.keys():
                    del table[gone]

    def key(self, paper: Paper) -> bytes:
        """The digest of what ``paper``'s entry is made from besides its table's inputs."""
        assert self._digests is not None and self._filed_names is not None
        names = "\x1f".join(self._filed_names(paper.id))
        return hashlib.blake2b(f"{self._digests[paper.id]}\x1d{names}".encode(), digest_size=16).digest()

    def table(self, name: str, inputs: str) -> dict[str, tuple[bytes, str]] | None:
        """The kept entries of ``name`` (template and depth) made from ``inputs``, emptied if they were
        made from others; None when this build keeps no entries."""
        if self._digests is None or self._filed_names is None:
            return None
        inputs = self.everywhere + inputs
        if self.inputs.get(name) != inputs:
            self.inputs[name] = inputs
            self.tables[name] = {}
        return self.tables[name]

    def __len__(self) -> int:
        return sum(map(len, self.tables.values()))

    def __getstate__(self) -> dict[str, Any]:
        return {"tables": self.tables, "inputs": self.inputs}  # (``use`` is this build's only)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self.tables, self.inputs = state["tables"], state["inputs"]


class Renderer:
    """Renders pages. Holds the compiled templates and the fragments (``FRAGMENTS``) made so far.

    ``texts``: each paper's piece of the whole-catalog data files, made once (``paper_texts``);
    an incremental build passes the last build's, so only changed papers' pieces are made again.
    ``entries``: papers' list entries kept from the last build (``ListEntries``), likewise.
    """

    def __init__(self, config: SiteConfig, templates_dir: Path, paper_terms: Mapping[str, PaperTerms],
                 texts: PaperTexts | None = None, entries: ListEntries | None = None) -> None:
        self.config = config
        self.texts = texts if texts is not None else PaperTexts()
        self.entries = entries if entries is not None else ListEntries()
        self.templates_dir = templates_dir
        self.paper_terms = paper_terms
        self.env = template_environment(templates_dir)
        self.env.globals.update(
            site=config,
            kind_labels=presentation.KIND_LABELS,
            link_labels=presentation.LINK_LABELS,
            record_kinds=KIND_NAMES,
            # ``{% for index, item in enumerate(items) %}``: a loop that needs only its index is
            # a plain Python loop, where ``loop.index0``/``loop.first`` make Jinja's LoopContext
            # (7 us of a paper's page for its authors).
            enumerate=enumerate,
            term_kinds=TERM_KINDS,
            byline=presentation.byline,
            related_byline=presentation.related_byline,
            topic_ids=presentation.topic_ids,
            venue_year=presentation.venue_year,
            paper_links=presentation.paper_links,
            # Templates take every address from urls.py, the one owner of the site's URL rules.
            urls=urls,
            paper_url=urls.paper_url,
            kind_index_url=urls.kind_index_url,
            site_description=(description := render_markdown(config.description)),
            suggest_url=suggest_url(config.repository, config.branch),
            site_summary=presentation.summary(description.striptags()),
            site_footer=render_markdown(config.footer) if config.footer else None,
            data_license=render_inline_markdown(config.data_license) if config.data_license else None,
        )
        try:
            self._templates = {name: self.env.get_template(name)
                               for name in page_templates(self.env)}
        except jinja2.TemplateError as err:
            raise template_problem(err, "the site", templates_dir) from None
        for template in self._templates.values():
            # Jinja chains each template's globals onto the environment's (a ChainMap), and copies
            # and compares them on every render in pure Python; they are fixed from here on, so a
            # plain dict of the same names renders the same, faster.
            template.globals = dict(template.globals)
        self._fragments: dict[tuple[str, ...], Markup] = {}
        self._entries: dict[tuple[str, str], dict[str, str]] = {}
        """Papers' entries rendered so far, by template and link depth, then by paper id."""
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}
        self._closures: dict[str, frozenset[str]] = {}
        """Each template's ``_closure`` (templates do not change during a build)."""
        self._summaries: dict[str, tuple[Paper, str]] = {}
        """Feed entries' summaries made so far, by paper id (``_feed_summary``)."""

    def forget_entries(self) -> None:
        """Forget the papers' list entries rendered so far (they are made again when asked for):
        a build's process calls it once no page it has left to render lists papers."""
        self._fragments.clear()
        for made in self._entries.values():
            made.clear()  # (in place: the pages' ``items`` hold them)

    def compiled(self) -> dict[str, bytes]:
        """This renderer's templates as compiled (Jinja's bytecode by cache key), for ``reuse_compiled``."""
        return _COMPILED.of(self.env, list(self._templates.values()))

    def templates_of(self, page: Page) -> tuple[str, ...]:
        """Every template a page is rendered with: its own, those it extends, imports or includes,
        and those of the fragments they use (``FRAGMENTS``). Empty for data files."""
        if not isinstance(page.context, TemplateContext):
            return ()
        return tuple(sorted(self._closure(page.context.template)))

    def _closure(self, name: str) -> frozenset[str]:
        # (kept on the renderer, not in a functools.cache on the method: that cache held every
        # renderer, with its catalog, for the life of the process, and serve makes one a save)
        known = self._closures.get(name)
        if known is None:
            known = self._closures[name] = self._closure_of(name)
        return known

    def _closure_of(self, name: str) -> frozenset[str]:
        found, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            try:
                source = self.env.loader.get_source(self.env, current)[0] if self.env.loader else ""
            except jinja2.TemplateNotFound:
                continue  # rendering reports it, at the line that names it
            # A scan, not a parse (parsing every template costs more than the rest of a warm build);
            # a commented-out reference only adds a dependency.
            for tag in _REFERENCE_TAG.finditer(source):
                literal = _LITERAL_NAME.fullmatch(tag["target"].strip())
                # A name computed at render time could be any template: depend on all of them.
                todo.extend([literal["name"]] if literal else self.env.list_templates())
            todo.extend(FRAGMENTS[use["name"]] for use in _FRAGMENT_USE.finditer(source))
        return frozenset(found)

    def render(self, page: Page) -> str:
        """The text of one output file: a page's HTML, or a data file's content."""
        context = page.context
        if isinstance(context, TemplateContext):
            try:
                return self._render_template(page.url, context)
            except jinja2.TemplateError as err:
                raise template_problem(err, page.url, self.templates_dir) from None
        if isinstance(context, (TopicBibtexFile, CatalogJsonFile, CslJsonFile)):
            return "".join(self.pieces(page))
        if isinstance(context, SearchIndexFile):
            return context.text
        if isinstance(context, SitemapFile):
            return sitemap_xml(context.base_url, context.page_urls)
        if isinstance(context, AtomFeedFile):
            entries = [FeedEntry(paper, self._feed_summary(paper), context.topic_names[paper.id])
                       for paper in context.papers]
            return atom_feed(entries, title=context.title, feed_url=page.url, page_url=context.page_url,
                             site_title=context.site_title, base_url=context.base_url)
        raise TypeError(f"no renderer for {type(context).__name__}")  # a new page kind, unhandled

    def _feed_summary(self, paper: Paper) -> str:
        """A feed entry's summary (``presentation.paper_summary``), made once a process: a paper is
        in the site's feed and in its topics' (819 entries of 496 papers at 1,000 papers), and each
        time its digest's Markdown was rendered again."""
        found = self._summaries.get(paper.id)
        if found is None or found[0] is not paper:
            summary = presentation.paper_summary(paper, presentation.digest_html(paper))
            found = self._summaries[paper.id] = (paper, summary)
        return found[1]

    def pieces(self, page: Page) -> Iterable[str]:
        """``render(page)`` a piece at a time: a data file joined from each paper's piece of text
        (``papers.json``: 80 MB at 50,000 papers) is made as it is written, never held whole."""
        context = page.context
        if isinstance(context, (TopicBibtexFile, CatalogJsonFile, CslJsonFile)):
            # (papers.json compact: a download, not a file to diff: ``catalog_json(..., indent=None)``)
            return context.joined(self.texts).pieces()
        return (self.render(page),)

    def _render_template(self, url: str, context: TemplateContext) -> str:
        # The 404 page is served in place of any missing address, at any depth: its links start at the site.
        root = context.site_root if isinstance(context, NotFoundPage) else urls.root_of(url)
        canonical = (urls.absolute_url(self.config.base_url, url)
                     if self.config.base_url and not isinstance(context, NotFoundPage) else None)
        variables = context.variables()
        variables.update(self._shared_at(root, urls.section_of(url)), page_url=url, canonical_url=canonical)
        return self._template(context.template).render(variables)

    def _template(self, name: str) -> jinja2.Template:
        found = self._templates.get(name)
        return found if found is not None else self.env.get_template(name)  # raises TemplateNotFound

    def _shared_at(self, root: str, section: str) -> dict[str, Any]:
        """The variables the same on every page at one link depth and in one section: the fragments."""
        key = (root, section)
        shared = self._shared.get(key)
        if shared is None:
            items = self._entries_of(ITEM_TEMPLATE, root)
            shared = self._shared[key] = {
                "root": root,
                "item": lambda paper: items((paper,)),
                "items": items,
                "related_items": self._entries_of(RELATED_TEMPLATE, root),
                "header": self._fragment(HEADER_TEMPLATE, root, section),
                "footer": self._fragment(FOOTER_TEMPLATE, root),
            }
        return shared

    def _fragment(self, template: str, root: str, section: str = "") -> Markup:
        """A fragment the same on every page at one link depth (and in one section), rendered once."""
        key = (template, root, section)
        html = self._fragments.get(key)
        if html is None:
            html = self._fragments[key] = Markup(self._template(template).render(root=root, section=section))
        return html

    def _entries_of(self, template: str, root: str) -> Callable[[Iterable[Paper]], Markup]:
        """Papers' entries made with ``template`` at one link depth, joined; each paper's entry is
        rendered once and reused (a paper is listed on ten or more pages, and is among the related
        papers of a dozen more)."""
        made = self._entries.setdefault((template, root), {})
        paper_terms = self.paper_terms
        kept = self._kept_entries(template, root)
        key_of = self.entries.key

        def rendered(paper: Paper) -> str:
            if kept is not None:
                key = key_of(paper)
                found = kept.get(paper.id)
                if found is not None and found[0] == key:
                    html = made[paper.id] = found[1]
                    return html
            html = made[paper.id] = self._template(template).render(paper=paper, terms=paper_terms[paper.id], root=root)
            if kept is not None:
                kept[paper.id] = (key, html)
            return html

        def entries(papers: Iterable[Paper]) -> Markup:
            found = made.get
            return Markup("".join([found(paper.id) or rendered(paper) for paper in papers]))

        return entries

    def _kept_entries(self, template: str, root: str) -> dict[str, tuple[bytes, str]] | None:
        """The entries of ``template`` at link depth ``root`` kept from the last build (``ListEntries``),
        if it keeps them: made from the templates it is rendered with, besides the paper."""
        depth = root.count("../")
        if template not in KEPT_ENTRIES or root != "../" * depth:
            return None  # (the 404 page's links start at the site's address)
        inputs = templates_digest(self.env, sorted(self._closure(template)))
        return self.entries.table(f"{template}@{depth}", inputs.hex())


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


