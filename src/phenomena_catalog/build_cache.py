"""The build cache: what the last build made, so the next one redoes only what changed.

It lives in ``.phenomena-cache/`` beside the output folder, one file per output folder, and holds:

- every record file's parse result by content digest, so the load stage parses only the files
  that changed (``records.load``; it does not even read a file whose size, times and inode are
  those of the last build), and what the check stage found in it (``validate.CheckMemo``);
- the site that build wrote: a fingerprint of each output file and the output folder's identity.

A page's fingerprint hashes everything its text is made from: its typed context (papers by the
digest of their file, terms and topics by value), the templates it is rendered with (and those
they extend, import or include), the settings, the taxonomy and keyword vocabulary, and this
package's code. A page whose fingerprint did not change is neither rendered nor written; so a
template edit re-renders the pages that use that template, a settings edit every page.

A page is fingerprinted only when it was planned: the cache also keeps what the last build planned
(``plan.PlanState``: each unit of pages' declared inputs), and a rebuild plans only the units whose
inputs changed or that show a changed record, keeping the others' fingerprints as they were.

A site built anew takes of each page only the part of its fingerprint known without reading its
context (``Fingerprints.known``: the settings, taxonomy, vocabulary, code and its templates), but
for the files planned in every build (the search index, ``papers.json``...), whose units declare
no inputs. Reading every page's context cost 0.8 s of CPU time at 10,000 papers, in every build
from scratch, for what the plan's units' inputs tell as well: such a page is the same in a later
build when its templates are and its unit's inputs are (``Fingerprints.same``).

The cache is only a shortcut: a missing, unreadable, corrupt or stale one (another format or
another version of the code) is discarded and the build starts from scratch, and an output
folder that is not the one the cache describes (deleted, replaced, never built) is built anew.
How it is kept on disk (an index read first, each field in segments written only when it changed)
is ``cache_store``'s business: a new field of ``BuildCache`` is kept without code there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from phenomena_catalog import cache_store
from phenomena_catalog.cache_store import CACHE_FOLDER as CACHE_FOLDER  # (where they were defined before)
from phenomena_catalog.cache_store import FORMAT, Quick, Stamp, code_version, output_identity
from phenomena_catalog.catalog import IndexState, PaperTerms, Term, TopicEntry
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.list_filters import KeptFacets
from phenomena_catalog.models import KEPT_AS, Paper
from phenomena_catalog.paper_texts import PaperTexts
from phenomena_catalog.plan import CatalogJsonFile, CslJsonFile, Page, PlanState, SearchIndexFile, TextMemos
from phenomena_catalog.records import ParseResult, Records
from phenomena_catalog.related import RelatedIndex
from phenomena_catalog.render import ListEntries, Renderer, templates_digest
from phenomena_catalog.search_index import SearchIndexState
from phenomena_catalog.template_env import reuse_compiled
from phenomena_catalog.validate import CheckMemo
from phenomena_catalog.write import JoinedLayout

for _kind, _reduce in KEPT_AS.items():  # (papers read back are made whole when first read)
    cache_store.keep_as(_kind, _reduce)
# An edit asks for its own papers' pieces of the data files and their check's facts only: those
# tables are read back keys first, each value when first asked for.
cache_store.keep_lazily("texts/", "checked/papers")


@dataclass(frozen=True)
class SiteState:
    """The site a build wrote."""

    identity: tuple[int, int, int]
    """The output folder's device and inode and its marker file's inode: they change when the
    folder is deleted, replaced or rebuilt by anything but an incremental build."""
    files: dict[str, str]
    """Each output file (site-relative path) and the fingerprint of what it was made from."""
    inputs: str = ""
    """The digest of everything the site was made from (``site_inputs``)."""
    everywhere: str = ""
    """The digest of what every page is made from (``Fingerprints.everywhere``)."""
    pages: int = 0
    """How many of ``files`` are pages and data files (the others are copied theme files)."""


@dataclass(frozen=True)
class LiveState:
    """What ``serve`` keeps of its last good build to show an edited record's page at once."""

    papers: dict[str, Paper]
    """Every paper, by id."""
    digests: dict[str, str]
    """Each paper's ``content_digest``, by id."""
    pages: Mapping[str, Page]
    """Every page, by URL (``plan.PlannedPages``: those the build did not plan are planned when asked for)."""
    renderer: Renderer


@dataclass(frozen=True)
class BuildCache:
    """What one build leaves for the next."""

    parsed: dict[str, ParseResult] = field(default_factory=dict)
    stamps: dict[str, tuple[Stamp, str]] = field(default_factory=dict)
    """What each record file looked like (``cache_store.Stamp``) and its content digest: an unchanged
    file is not read again."""
    site: SiteState | None = None
    related_index: RelatedIndex = field(default_factory=RelatedIndex)
    """What related papers are updated from after an edit (``related.RelatedIndex``)."""
    checked: CheckMemo = field(default_factory=CheckMemo)
    memos: TextMemos = field(default_factory=TextMemos)
    """What the plan stage made of each paper's text (related papers, search index), by that text."""
    texts: PaperTexts = field(default_factory=PaperTexts)
    """Each paper's piece of papers.json, papers.csl.json and the .bib files, by its record's digest."""
    planned: PlanState | None = None
    """What the last build planned: each unit of pages' inputs (``plan.PlanState``), so a rebuild
    plans only the units whose inputs changed, and keeps the others' fingerprints."""
    """What the check stage found in each record on its own (by content digest), and more."""
    indexed: IndexState | None = None
    """The last build's catalog's outline, for the index stage to update (``catalog.IndexState``)."""
    entries: ListEntries = field(default_factory=ListEntries)
    """Papers' list entries as rendered (``render.ListEntries``): after an edit, the list pages showing
    the edited paper render its entry again and reuse the others'."""
    joined: dict[str, JoinedLayout] = field(default_factory=dict)
    """Where each paper's piece is in each data file joined from them, as the site holds it, by URL
    (``write.write_joined``: a rebuild splices the pieces that changed into the file)."""
    facets: KeptFacets | None = None
    """The papers' facet values worked out (``list_filters.PaperFacets.kept``), for the next build's lists' filters."""
    compiled: dict[str, bytes] = field(default_factory=dict)
    """The templates as Jinja compiled them (``Renderer.compiled``): a build started in a new process
    does not compile them again (``template_env.reuse_compiled``)."""
    written: dict[str, cache_store.Written] = field(default_factory=dict, compare=False, repr=False)
    """Fields written to disk already (``write_states_ahead``), which ``write_cache`` keeps in place
    of this cache's own (then empty) values."""
    live: LiveState | None = field(default=None, compare=False, repr=False)
    """The last build's papers, pages and renderer, for ``serve`` (kept in memory only)."""
    discarded: str = ""
    """Why a cache file was found but not used ("" when it was used or there was none)."""

    def files_in(self, out: Path) -> dict[str, str] | None:
        """The fingerprints of the files in ``out`` if the cache describes that folder as it is."""
        if self.site is None or output_identity(out) != self.site.identity:
            return None
        return self.site.files


def cache_file(out: Path) -> Path:
    """The file a build of ``out`` replaces whenever it keeps a new cache (``cache_store``'s index)."""
    return cache_store.index_file(out)


def read_cache(out: Path) -> BuildCache:
    """The cache the last build of ``out`` left; an empty one when there is none or it is unusable."""
    found, why = cache_store.read_fields(out)
    if why:
        return BuildCache(discarded=why)
    try:
        cache = BuildCache(**found)
    except TypeError:  # (fields of another shape: the code that wrote them was other code)
        return BuildCache(discarded="unreadable (not a build cache)")
    reuse_compiled(cache.compiled)
    return cache


def after_build(out: Path, records: Records, files: dict[str, str], inputs: str, everywhere: str, pages: int,
                checked: CheckMemo, memos: TextMemos,
                live: LiveState | None = None, texts: PaperTexts | None = None,
                planned: PlanState | None = None, related_index: RelatedIndex | None = None) -> BuildCache:
    """What a build that just wrote ``out`` leaves for the next one."""
    identity = output_identity(out)
    site = None if identity is None else SiteState(identity, files, inputs, pages=pages, everywhere=everywhere)
    return BuildCache(records.parsed, records.stamps, site,
                      checked=checked.kept_for(records), memos=memos, live=live,
                      texts=texts if texts is not None else PaperTexts(), planned=planned,
                      related_index=related_index if related_index is not None else RelatedIndex(),
                      compiled=live.renderer.compiled() if live is not None else {})


def records_digest(records: Records) -> str:
    """A digest of every record, the taxonomy and the keyword vocabulary."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((records.topics, records.keywords)).encode())
    digests = records.digests
    # (one update of the text the papers' ten thousand updates hashed: the same digest, a third of the time)
    digest.update("".join([f"{paper_id}={digests[paper_id]};" for paper_id in sorted(digests)]).encode())
    return digest.hexdigest()


def site_inputs(records: Records, config: SiteConfig, env: jinja2.Environment, copied: dict[str, Path],
                of_records: str | None = None) -> str:
    """A digest of everything a site is made from: records, settings, templates, theme files, code
    (``of_records``: ``records_digest(records)``, when it was taken already)."""
    digest = hashlib.blake2b(digest_size=16)
    of_records = records_digest(records) if of_records is None else of_records
    digest.update(repr((FORMAT, code_version(), config.model_dump_json(), of_records)).encode())
    assert env.loader is not None
    for name in sorted(env.list_templates()):
        digest.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode())
    for url, source in sorted(copied.items()):
        digest.update(f"{url}={file_fingerprint(source)};".encode())
    return digest.hexdigest()


def write_cache(out: Path, cache: BuildCache, quick: Quick | None = None) -> None:
    """Keep a build's cache for the next build of ``out`` (atomically: never half a cache), with
    what a build that finds nothing changed compares (``cache_store.Quick``)."""
    if cache.site is None:
        return
    kept = replace(cache, memos=_kept_memos(cache.memos.search))
    cache_store.write_fields(out, {**{f.name: getattr(kept, f.name) for f in fields(kept) if f.name not in _NOT_KEPT},
                                   **cache.written}, quick)


def write_states_ahead(out: Path, related_index: RelatedIndex | None = None,
                       search: SearchIndexState | None = None) -> dict[str, cache_store.Written]:
    """A build's update states (related papers', the search index's) written to its next cache now
    (``cache_store.write_ahead``): a build from scratch need not hold them (about 200 MB at 50,000
    papers) while it renders. Its cache then carries them in ``BuildCache.written``. None are
    written when the cache cannot be (a read-only or full disk): the build goes on holding them,
    and says so, if it must, when it saves its cache."""
    states = {"related_index": related_index, "memos": None if search is None else _kept_memos(search)}
    return write_ahead(out, {name: value for name, value in states.items() if value is not None})


def write_ahead(out: Path, fields: Mapping[str, Any]) -> dict[str, cache_store.Written]:
    """Fields of ``out``'s next cache written now (``cache_store.write_ahead``), by name: by a process
    that has the time while the build does other work (a build from scratch's save was 0.3 s at
    10,000 papers, at its very end, the other core idle). Its cache then carries them in
    ``BuildCache.written``, which must hold what the fields would (values never changed after).
    None are written when the cache cannot be: the save writes them, and says why it cannot."""
    try:
        return {name: cache_store.write_ahead(out, name, value) for name, value in fields.items()}
    except OSError:
        return {}


def _kept_memos(search: SearchIndexState) -> TextMemos:
    # Related papers' term counts are cheaper to count again than to save and read
    # (27 MB, 0.7 s at 10,000 papers); serve keeps them in memory.
    return TextMemos(search=search)


_NOT_KEPT = frozenset({"live", "discarded", "written"})
"""Fields of ``BuildCache`` a build holds in memory only."""


class Fingerprints:
    """The fingerprint of each output file of one build (see the module's docstring)."""

    def __init__(self, records: Records, config: SiteConfig, renderer: Renderer, of_records: str | None = None) -> None:
        self._paper_digests = records.digests
        self._of_records = of_records
        """``records_digest(records)``: of every record, the taxonomy and the vocabulary (None: not taken)."""
        self._renderer = renderer
        site = (FORMAT, code_version(), config.model_dump_json(), records.topics, records.keywords)
        self._site = repr(site).encode()
        self.everywhere = hashlib.blake2b(self._site, digest_size=16).hexdigest()
        """A digest of what every page is made from (settings, taxonomy, vocabulary, code): when
        it changed, every page changes."""
        self._template_digests: dict[tuple[str, ...], bytes] = {}
        self._known: dict[type, str] = {}
        """Each kind of page's ``known`` fingerprint, by its context's type (which names its templates)."""
        self._shared: dict[int, tuple[Any, Any]] = {}
        """Plain forms of shared values by ``id``, each kept with its value (so the id is never reused)."""
        self._labels: dict[int, tuple[Term | TopicEntry, tuple[str, str, str]]] = {}
        self._records: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]]] = {}
        """For each dataclass met, its name and a function giving its fields' values."""

    @property
    def templates(self) -> str:
        """A digest of every template: when it changed, any page may have."""
        return self._templates(tuple(sorted(self._renderer.env.list_templates()))).hex()

    def of_pages(self, pages: list[Page], known: Container[str] = ()) -> dict[str, str]:
        """The fingerprint of each of ``pages``, by URL; of those at ``known``, only the ``known`` part."""
        return {page.url: self.known(page) if page.url in known else self.page(page) for page in pages}

    def from_scratch(self, page: Page) -> str:
        """The fingerprint a build from scratch takes of a page of a unit that declares its inputs
        (``plan.Unit``): its ``known`` part (the files planned in every build get their whole one)."""
        return self.known(page)

    def page(self, page: Page) -> str:
        """The fingerprint of one page or data file: its ``known`` part, then a digest of what it is made from."""
        return self.known(page) + self._content(page)

    def known(self, page: Page) -> str:
        """The part of a page's fingerprint known without reading its context: a digest of what
        every page is made from (``everywhere``) and of the templates the page is rendered with."""
        kind = type(page.context)
        found = self._known.get(kind)
        if found is None:
            digest = hashlib.blake2b(self._site, digest_size=KNOWN_LENGTH // 2)
            digest.update(self._templates(self._renderer.templates_of(page)))
            found = self._known[kind] = digest.hexdigest()
        return found

    @staticmethod
    def same(old: str | None, new: str, inputs_same: bool) -> bool:
        """Whether a page whose fingerprint was ``old`` (None: there was no such page) is the same
        now that it is ``new``: the same fingerprint, or, where the last build took only the
        ``known`` part (a site built anew), the same templates and ``inputs_same``: the page's
        unit declared the same inputs and none of its papers changed (``plan.PlanState``)."""
        if old is None:
            return False
        if len(old) == KNOWN_LENGTH:
            return inputs_same and new.startswith(old)
        return old == new

    def _content(self, page: Page) -> str:
        """A digest of what one page or data file is made from."""
        digest = hashlib.blake2b(self._site, digest_size=16)
        context = page.context
        if type(context) is SearchIndexFile:
            # Its text is what it is made from: hashed as it is, not copied into a repr (the search
            # index is planned in every build: hundreds of files, megabytes at 10,000 papers).
            digest.update(f"{page.url}\0search\0".encode())
            digest.update(context.text.encode())
            return digest.hexdigest()
        if isinstance(context, (CatalogJsonFile, CslJsonFile)):
            # Every field is made from its papers' records (the whole catalog's) and from what every
            # page is made from (``plan.CslJsonFile``, ``plan.CatalogJsonFile``): its papers tell it
            # (10,000 papers' keywords made plain took 15 ms in every build). When they are every
            # paper, the digest of every record says as much, taken once for the whole build
            # (the papers' digests joined took 6-10 ms a file at 10,000 papers, on every edit).
            whole = self._of_records is not None and len(context.papers) == len(self._paper_digests)
            made_from = self._of_records if whole else self._plain(context.papers)
            digest.update(repr((page.url, type(context).__name__, made_from)).encode())
            return digest.hexdigest()
        digest.update(self._templates(self._renderer.templates_of(page)))
        digest.update(repr((page.url, self._plain(context))).encode())
        return digest.hexdigest()

    def _templates(self, names: tuple[str, ...]) -> bytes:
        found = self._template_digests.get(names)
        if found is None:
            found = self._template_digests[names] = templates_digest(self._renderer.env, names)
        return found

    def _plain(self, value: Any) -> Any:
        """``value`` as plain, comparable data: papers by their file's digest, terms and topics
        by what a page shows of them (not the papers filed under them: a page lists those itself).

        Every page's context is walked, so this is the incremental build's inner loop: plain values
        are returned as they are, a sequence of papers (the bulk of any list page) becomes one string
        of digests without a call per paper, and values many pages share are made plain once."""
        kind = type(value)
        if kind in _AS_IS:
            return value
        if kind is tuple or kind is list:
            types = set(map(type, value))
            if types <= _AS_IS:
                return tuple(value)
            if types == _ONLY_PAPERS:
                return "papers:" + ",".join(map(self._paper_digests.__getitem__, map(_ID, value)))
            return tuple(map(self._plain, value))
        if kind is Paper:
            return self._paper_digests[value.id]
        if kind in _SHARED:
            found = self._shared.get(id(value))
            if found is None:
                found = self._shared[id(value)] = (value, self._plain_shared(value))
            return found[1]
        record = self._records.get(kind)
        if record is None and is_dataclass(value) and not isinstance(value, type):
            names = [f.name for f in fields(value)]
            getter = operator.attrgetter(*names) if len(names) > 1 else lambda v: (getattr(v, names[0]),)
            record = self._records[kind] = (kind.__name__, getter)
        if record is not None:
            values = record[1](value)
            if set(map(type, values)) <= _AS_IS:
                return (record[0], *values)
            return (record[0], *map(self._plain, values))
        if isinstance(value, (str, int, float)):  # Markup, an IntEnum...
            return (kind.__name__, value)
        if isinstance(value, Mapping):
            return tuple((key, self._plain(item)) for key, item in value.items())
        if isinstance(value, (BaseModel, dt.date)):
            return repr(value)
        # A new kind of value in a page's context: say so, rather than risk a page never updated.
        raise TypeError(f"cannot fingerprint a {kind.__name__}; teach Fingerprints._plain about it")

    def _plain_shared(self, value: PaperTerms | Term | TopicEntry) -> Any:
        if isinstance(value, PaperTerms):
            # Where a paper is filed, as its page and list entries show it: names and addresses,
            # not how many papers each term has (so a new paper does not touch its co-authors' pages).
            terms: tuple[Term | TopicEntry | None, ...] = (*value.topics, *value.authors, value.year, value.venue,
                                                          *value.keywords)
            return tuple([self._filed_under(term) for term in terms if term is not None])
        if isinstance(value, Term):
            return ("term", value.kind, value.name, value.slug, value.sort_key, len(value.ids))
        return ("topic", value.id, value.parent_id, value.total, len(value.papers), self._plain(value.children))


    def _filed_under(self, term: Term | TopicEntry) -> tuple[str, str, str]:
        """A term as a paper's page and list entries show it (made once per term and build)."""
        found = self._labels.get(id(term))
        if found is None:
            label = (term.kind if isinstance(term, Term) else "topic", term.name, term.slug)
            found = self._labels[id(term)] = (term, label)
        return found[1]


KNOWN_LENGTH = 32
"""The length of a fingerprint's ``known`` part (hexadecimal digits); a whole one is longer."""
_AS_IS = frozenset({str, int, float, bool, type(None)})
_ONLY_PAPERS = {Paper}
_SHARED = frozenset({PaperTerms, Term, TopicEntry})
"""Values many pages hold the same object of: made plain once per build (by identity)."""
_ID = operator.attrgetter("id")


def file_fingerprint(file: Path) -> str:
    """The fingerprint of a file copied into the site as it is."""
    return hashlib.blake2b(file.read_bytes(), digest_size=16).hexdigest()
