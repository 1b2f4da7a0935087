"""The stages of a build, in order, and the compositions commands share.

    load(papers_dir)        -> Records      records.py   (the only stage that reads papers/)
    check(records)          -> [Problem]    validate.py
    index(records)          -> Catalog      catalog.py
    related(catalog)        -> lists        related.py
    plan(catalog, config)   -> [Page]       plan.py      (each page: a typed context, its inputs:
                                                          plan_units; a rebuild plans the changed ones)
    fingerprint(pages)      -> to write     build_cache.py (a rebuild: the pages that differ from the site's)
    render(page)            -> text         render.py    (Jinja; presentation rules: presentation.py)
    write(pages)            -> the site     write.py     (the only stage that writes the output)
    save                    -> the cache    build_cache.py

``SiteBuild`` runs them in that order, a method a stage, each handing the next a typed value;
``build_site`` around it reads the last build's cache and saves the next one. Parallelism and
garbage-collector tuning are ``executors``, handed to the stages that use them; the work a build
starts beside its stages is held by one ``executors.StartedWork``, stopped whole if the build fails.
``commands/build.py`` is the command (arguments, summary); ``serve`` runs ``build`` on each save;
``validate``, ``export`` and ``import`` stop after index or check (``load_checked``, ``read_catalog``).

The stages' modules (pydantic, Jinja, numpy...) are imported by the functions that run them: a build
that finds nothing changed (``commands.build.unchanged``) never imports them.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import sys
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phenomena_catalog import cache_store
from phenomena_catalog.write import output_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Container, Iterable, Mapping
    from contextlib import AbstractContextManager

    from phenomena_catalog.build_cache import BuildCache, Fingerprints
    from phenomena_catalog.cache_store import Written
    from phenomena_catalog.catalog import Catalog
    from phenomena_catalog.config import SiteConfig
    from phenomena_catalog.errors import Problem
    from phenomena_catalog.executors import Executor, Pending, StartedWork
    from phenomena_catalog.paper_texts import Made
    from phenomena_catalog.plan import BibtexShares, Page, Planner, PlanState, Unit
    from phenomena_catalog.records import ParseResult, Records
    from phenomena_catalog.related import CountedAhead, RelatedIndex, RelatedLists
    from phenomena_catalog.render import Renderer
    from phenomena_catalog.search_index import SearchIndex, SearchIndexState
    from phenomena_catalog.validate import CheckMemo
    from phenomena_catalog.write import JoinedLayout


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, for the summary line."""

    papers: int
    pages: int
    files: int
    seconds: float
    stages: dict[str, float]
    """Seconds spent in each stage, in pipeline order."""
    rendered: int = 0
    """Pages and data files rendered (the others were unchanged since the last build)."""
    incremental: bool = False
    """Whether the build updated the last one's site rather than writing a new one."""
    cpu: dict[str, float] = field(default_factory=dict)
    """This process's CPU seconds in each stage (workers' not counted)."""


def build_site(papers_dir: Path, templates_dir: Path, out: Path, config: SiteConfig,
               jobs: int | None = None, executor: Executor | None = None, use_cache: bool = True,
               inputs: tuple[str, tuple[str, ...]] | None = None,
               listing: cache_store.Listing | None = None,
               compiling: Pending[dict[str, bytes]] | None = None,
               loading: Pending[Records] | None = None) -> BuildResult:
    """Build the site: every stage in order. Raises UserError, leaving ``out`` untouched, on bad input.

    ``executor`` shares out parsing and rendering (default: one forked worker per core, or ``jobs``).
    With ``use_cache``, only what changed since the last build of ``out`` is parsed, rendered and
    written (``build_cache``); the site is the same either way. ``inputs``: the digest of this build's
    ``build_inputs`` (``Inputs.digest``), taken before it read anything, kept in the cache for ``unchanged``;
    ``listing``: the records folder as ``build_inputs`` saw it (``Inputs.listing``), not listed again.
    ``compiling``: the templates being compiled already (``compile_beside_imports``); ``loading``:
    the load stage started already (``load_beside_imports``), if the caller started it.
    """
    from phenomena_catalog.executors import ProcessExecutor

    executor = executor or ProcessExecutor(jobs)
    started, started_cpu = time.perf_counter(), time.process_time()
    if loading is None:
        loading = load_beside_imports(papers_dir, out, executor, use_cache, listing)
    from phenomena_catalog.records import Deferred
    from phenomena_catalog.related import prepare_related_papers

    if isinstance(loading, Deferred):  # (while the records are read beside, what related papers will need)
        prepare_related_papers(loading.size)
    # (the pipeline's modules: numpy, pydantic's models, Jinja... which the cache's objects need too)
    for module in _CACHED_BY_STAGES:
        importlib.import_module(module)
    stages = {"imports": time.perf_counter() - started}
    cpu = {"imports": time.process_time() - started_cpu}
    with output_lock(out):  # a second build waits: two builds never mix their files
        clock = StageClock()
        last = _last_build(out, use_cache)
        if use_cache:
            clock.lap("read cache")
        try:
            result, built = build(papers_dir, templates_dir, out, config, executor, last, listing, loading,
                                  keep=use_cache, states_ahead=use_cache, compiling=compiling)
        except BaseException:
            if use_cache:  # (a first build's update states, written ahead for a cache now never made)
                cache_store.remove_unnamed(out)
            raise
        result = replace(result, stages={**stages, **clock.stages, **result.stages},
                         cpu={**cpu, **clock.cpu, **result.cpu})
        if use_cache:
            _save(out, built, last, result, inputs)
    return result


_CACHED_BY_STAGES = tuple(f"phenomena_catalog.{name}" for name in (
    "build_cache", "paper_texts", "plan", "search_index", "text_memo"))
"""The modules of the objects a build cache holds, imported with the build's imports (before the
cache is read, its time that of reading alone)."""


def _last_build(out: Path, use_cache: bool) -> BuildCache:
    """What the last build of ``out`` left (``read_cache``; nothing without ``use_cache``), with
    memos this build fills and does not save."""
    from phenomena_catalog.build_cache import BuildCache, read_cache
    from phenomena_catalog.paper_texts import PaperTexts
    from phenomena_catalog.plan import TextMemos
    from phenomena_catalog.search_index import SearchIndexState
    from phenomena_catalog.text_memo import TextMemo

    cache = read_cache(out) if use_cache else BuildCache()
    # The cache file keeps no term counts of related papers (cheaper to count again than to
    # save), and without a cache nothing: this build need not hold them (3 KB a paper).
    search = cache.memos.search if use_cache else SearchIndexState(keep=False)
    return replace(cache, memos=TextMemos(related=TextMemo(remember=False), search=search),
                   texts=cache.texts if use_cache else PaperTexts(remember=False))


def _save(out: Path, built: BuildCache, last: BuildCache, result: BuildResult,
          inputs: tuple[str, tuple[str, ...]] | None) -> None:
    """The save stage: what this build leaves (``built``) written as ``out``'s cache, timed into
    ``result``; not written again when it is the cache this build read (``last``) and says which
    inputs it was made from already. A cache that cannot be written is removed."""
    from phenomena_catalog.build_cache import write_cache
    from phenomena_catalog.cache_store import Quick, output_identity

    identity = output_identity(out)
    quick = (None if inputs is None or identity is None
             else Quick(inputs[0], identity, result.papers, result.pages, result.files, inputs[1]))
    if built is last and (quick is None or quick == cache_store.stored_quick(out)):
        return
    # Only serve reads the pages and renderer a build keeps in memory (``live``): they go
    # before the cache is pickled (contexts and rendered list entries: 60 MB at 50k papers).
    built = replace(built, live=None)
    clock = StageClock()
    try:
        write_cache(out, built, quick)
    except OSError as err:
        # The site is written; without a cache the next build simply starts afresh.
        cache_store.remove(out)
        print(f"Note: the build cache could not be saved ({err.strerror or err}); "
              "the next build starts afresh.", file=sys.stderr)
    clock.lap("save cache")
    result.stages.update(clock.stages)
    result.cpu.update(clock.cpu)


def build(papers_dir: Path, templates_dir: Path, out: Path, config: SiteConfig, executor: Executor,
          cache: BuildCache, listing: cache_store.Listing | None = None,
          loading: Pending[Records] | None = None, keep: bool = True,
          states_ahead: bool = False,
          compiling: Pending[dict[str, bytes]] | None = None) -> tuple[BuildResult, BuildCache]:
    """Build the site from what ``cache`` says the last build made; returns what this one made
    (``SiteBuild``: its arguments). ``serve`` keeps the cache in memory from one rebuild to the
    next; ``build_site`` on disk."""
    from phenomena_catalog.executors import StartedWork

    states = [state for state in (cache.memos.search, cache.related_index) if state is not None]
    work = StartedWork(executor)
    for pending in (loading, compiling):
        if pending is not None:
            work.held(pending)
    try:
        built = SiteBuild(Source(papers_dir, templates_dir, out, config), cache, work, listing=listing,
                          loading=loading, keep=keep, states_ahead=states_ahead, compiling=compiling,
                          states_as_site=not any(state in _AHEAD_OF_SITE for state in states)).run()
    except BaseException:
        work.stop_all()  # (before the caller removes what they wrote: ``cache_store.remove_unnamed``)
        # ``serve`` keeps its cache through a failed build, whose search index and related papers'
        # states may be updated already, the site not: until a build succeeds, what their updates
        # say changed is not how the site's pages differ.
        _AHEAD_OF_SITE.update(states)
        raise
    _AHEAD_OF_SITE.difference_update(states)
    return built


_AHEAD_OF_SITE: weakref.WeakSet[SearchIndexState | RelatedIndex] = weakref.WeakSet()
"""Update states a build that failed had (``build``)."""


# -- what the stages hand each other ----------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What a site is built from, and where it goes."""

    papers_dir: Path
    templates_dir: Path
    out: Path
    config: SiteConfig


@dataclass(frozen=True)
class Loaded:
    """The load stage's records, and what the site they make is compared by."""

    records: Records
    of_records: str
    """``records_digest(records)``."""
    inputs: str
    """The digest of everything the site is made from (``site_inputs``)."""
    site: dict[str, str] | None
    """The fingerprints of the files of the site this build updates; None: the site is built anew."""

    @property
    def anew(self) -> bool:
        """Whether there is no site to update: every stage works from scratch, beside another."""
        return self.site is None


@dataclass(frozen=True)
class BesideIndex:
    """Work a site built anew starts before its index stage, to run beside it."""

    parsed_ahead: Pending[dict[str, Written]] | None
    """The parse results, being written to the next cache (a first build written to disk)."""
    checking: Pending[tuple[list[Problem], CheckMemo]] | None
    """The check stage, in another process (a site built anew)."""
    counting: CountedAhead | None
    """Related papers' first step: each paper's terms counted (``related.TermCounting``)."""


@dataclass(frozen=True)
class BesideRelated:
    """The check (unless it runs beside the index), the search index, the templates and the BibTeX
    entries, started beside related papers (``_check_then_search_and_templates``)."""

    made: Pending[BesideRelatedPapers]
    bibtex: BibtexShares | None
    """A site built anew: every paper's BibTeX entry, made from both ends (``BibtexShares``)."""


@dataclass(frozen=True)
class Related:
    """The related papers stage's lists, and the planning a site built anew did beside them."""

    lists: RelatedLists
    changed: Collection[str] | None
    """Whose related papers changed since the site's (``RelatedIndex.changed``; None: not known)."""
    index: RelatedIndex
    """The update state the next build starts from (a fresh one when written ahead)."""
    early: tuple[Planner, list[Unit]] | None = None
    """A site built anew: its planner and every unit, listed while the process beside worked."""


@dataclass(frozen=True)
class Checked:
    """The check's memo and the search index: what was made beside related papers."""

    memo: CheckMemo
    search: SearchIndex


@dataclass(frozen=True)
class UnitsToPlan:
    """The units a build plans, and what its plan says of the last build's."""

    to_plan: list[Unit]
    state: PlanState
    """Every unit and its inputs, for the next build's plan."""
    papers_changed: set[str] | None = None
    """The papers whose data may show differently than in the last build (None: not known): their
    pieces of the data files joined from them are made again, and spliced into the site's files
    (``write_joined``; written whole when not known), and their facets on lists worked out again."""
    inputs_changed: Container[str] | None = None
    """After a template edit, the units whose inputs changed besides (``Fingerprints.same``)."""


@dataclass(frozen=True)
class Planned:
    """The plan stage's pages: those to render, and those the site holds as they are."""

    renderer: Renderer
    fingerprints: Fingerprints
    planner: Planner
    state: PlanState
    """The units and their inputs, for the next build's plan (``PlanState``)."""
    site: dict[str, str] | None
    """The fingerprints of the site's files this build updates; None: every page is written anew
    (no site, or one whose every page changes: settings, taxonomy)."""
    pages: list[Page]
    """The pages planned here (built anew: those planned in every build; each other unit is planned
    by the process that renders it)."""
    to_render: list[Page | Unit]
    page_urls: list[str]
    kept: list[str]
    """The units planned in the last build, whose pages are in the site as they are."""
    page_count: int
    copied: dict[str, Path]
    """The theme's and the catalog's static files, by URL."""
    papers_changed: set[str] | None
    """As ``UnitsToPlan.papers_changed``."""
    inputs_changed: Container[str] | None
    """As ``UnitsToPlan.inputs_changed``."""

    @property
    def anew(self) -> bool:
        """Whether every page is rendered, into a new folder swapped in for the site's."""
        return self.site is None


@dataclass(frozen=True)
class ToWrite:
    """What the fingerprint stage found to write, and where."""

    files: dict[str, str]
    """Every file's fingerprint (a site built anew: its units' pages' come as they render)."""
    to_render: list[Page | Unit]
    page_urls: list[str]
    to_copy: dict[str, Path]
    folder: AbstractContextManager[Path]
    """A staging folder swapped in for a site written anew; the site's own, updated in place, else."""


SHARED_RENDER_COST = 200.0
"""A site built anew shares its pages out among processes from this total ``Page.cost`` on (a paper's
page is 1.0: about 0.2 ms of CPU time), however few they are: a worker's fork and hand-back cost
this process about 0.01 s. (The executor's own threshold counts pages, which left catalogs of up
to 950 papers rendering in one process: 0.3 s of CPU time at 600 papers.) A rebuild's costs say
less: the whole-catalog data files it renders are joined from kept pieces."""


class SiteBuild:
    """One build of a site (``run``: a method a stage, in order), from scratch or as an update of
    the site the last build wrote, which ``cache`` describes (``Loaded.site``).

    A site built anew keeps both cores busy: the check and the count of related papers' terms run
    beside the index stage; the search index, the templates and the BibTeX entries beside related
    papers; a first build written to disk (``writes_ahead``) writes each of its next cache's fields
    as soon as it is made. A rebuild updates each stage's state from the last build's, in less time
    than a process takes to start, and renders only the pages whose fingerprint changed.

    ``work``: the build's executor, holding the work started beside the stages (``build`` stops it
    if the build fails). ``listing``: the records folder as ``build_inputs`` saw it. ``loading``: the
    load stage started already (``load_beside_imports``), used if the cache has no parse results.
    ``keep``: False when what this build made will not be kept (``build --no-cache``): a site built
    anew then takes no fingerprint of its pages (0.8 s of CPU time at 10,000 papers).
    ``states_ahead``: a first build (``cache`` empty) writes its update states to the next cache
    before it renders and keeps them no longer (``build_cache.write_states_ahead``): for a build
    whose cache is only written, never used again in memory. ``compiling``: the site's templates,
    compiled in another process since the build started (``compile_beside_imports``); without it
    they are compiled beside related papers. ``states_as_site``: the search index's and related
    papers' states in ``cache`` were updated last by the build that wrote the site: their updates'
    ``SearchIndex.changed`` and ``RelatedIndex.changed`` then say which of the site's files and
    paper pages change.
    """

    def __init__(self, source: Source, cache: BuildCache, work: StartedWork, *,
                 listing: cache_store.Listing | None = None, loading: Pending[Records] | None = None,
                 keep: bool = True, states_ahead: bool = False,
                 compiling: Pending[dict[str, bytes]] | None = None, states_as_site: bool = True) -> None:
        self.source, self.cache, self.work = source, cache, work
        self.listing, self.loading, self.compiling = listing, loading, compiling
        self.keep, self.states_as_site = keep, states_as_site
        # (the save at the end took 0.3 s at 10,000 papers, the other core idle)
        self.writes_ahead = states_ahead and not cache.parsed
        """A first build written to disk: it writes each of its next cache's fields as soon as it is
        made, by a process with the time (``build_cache.write_ahead``)."""
        self.written: dict[str, Written] = {}
        """The next cache's fields written ahead so far (``BuildCache.written``)."""
        self.clock = StageClock()

    def run(self) -> tuple[BuildResult, BuildCache]:
        """Every stage in order; what this build wrote, and what it leaves for the next."""
        from phenomena_catalog.executors import collector_paused

        clock = self.clock
        with collector_paused():
            loaded = self.load()
            clock.lap("load")
            if self.site_unchanged(loaded):
                return self.unchanged(loaded)
            beside_index = self.start_beside_index(loaded)
            catalog = self.index(loaded, beside_index)
            clock.lap("index")
            beside_related = self.start_beside_related(loaded, catalog, beside_index)
            related = self.related_papers(loaded, catalog, beside_index, beside_related)
            checked = self.checked(catalog, beside_index, beside_related)
            clock.lap("check and search index")
            planned = self.plan(loaded, catalog, related, checked)
            clock.lap("plan pages")
            to_write = self.fingerprint(planned, checked)
            if not planned.anew:
                clock.lap("fingerprint")
            joined = self.render_and_write(loaded, catalog, planned, checked, to_write)
            clock.lap("swap in")
        return self.made(loaded, catalog, related, checked, planned, to_write, joined, beside_index)

    # -- load ------------------------------------------------------------------------------------

    def load(self) -> Loaded:
        """The records (``records.load``: the last build's parse results reused), or every problem at once."""
        from phenomena_catalog.build_cache import records_digest, site_inputs
        from phenomena_catalog.errors import UserError
        from phenomena_catalog.records import load
        from phenomena_catalog.template_env import reuse_compiled, template_environment
        from phenomena_catalog.validate import check
        from phenomena_catalog.write import copied_files

        source, cache = self.source, self.cache
        records = (self.loading.result() if self.loading is not None and not cache.parsed
                   else load(source.papers_dir, self.work, cache.parsed, cache.stamps, self.listing))
        if records.problems:
            raise UserError(records.problems + check(records, cache.checked))  # every problem at once
        if self.compiling is not None:  # (done long since: the process that compiled them ends as it hands them over)
            reuse_compiled(self.compiling.result())
        copied = copied_files(source.templates_dir, ())
        of_records = records_digest(records)
        inputs = site_inputs(records, source.config, template_environment(source.templates_dir), copied, of_records)
        return Loaded(records, of_records, inputs, cache.files_in(source.out))

    def site_unchanged(self, loaded: Loaded) -> bool:
        """Whether nothing the site is made from changed: the last build's site is this build's."""
        return loaded.site is not None and self.cache.site is not None and self.cache.site.inputs == loaded.inputs

    def unchanged(self, loaded: Loaded) -> tuple[BuildResult, BuildCache]:
        """The last build's site, and its cache (the same, unless files were found unchanged for the
        first time: ``cache_store.Stamp``)."""
        cache, records, clock = self.cache, loaded.records, self.clock
        assert loaded.site is not None and cache.site is not None
        result = BuildResult(len(records.papers), cache.site.pages, len(loaded.site), clock.total(), clock.stages,
                             rendered=0, incremental=True, cpu=clock.cpu)
        return result, cache if records.stamps == cache.stamps else replace(cache, stamps=records.stamps)

    # -- index, the check beside it ---------------------------------------------------------------

    def start_beside_index(self, loaded: Loaded) -> BesideIndex:
        """A site built anew is checked in another process while this one indexes it (its problems
        are reported once related papers are done, as those of the check a rebuild runs here); the
        first step of related papers, counting each paper's terms, is taken before the index stage
        too, a share of it in another process (the catalog's keywords named as it will name them).
        A first build written to disk writes its parse results to the next cache meanwhile (0.2 s of
        the save at 10,000 papers). One process does the three in turn (``executors.start_in_turn``:
        the counts first, needed first): three processes at once took this one, the index stage's,
        a share of its core while they ran, and left the other core idle once they were done."""
        from phenomena_catalog.build_cache import write_ahead
        from phenomena_catalog.catalog import keyword_names
        from phenomena_catalog.executors import start_in_turn
        from phenomena_catalog.related import TermCounting

        records, cache, work, anew = loaded.records, self.cache, self.work, loaded.anew
        counting = (TermCounting(records.papers, keyword_names(records))
                    if anew and not cache.parsed and not cache.memos.related.remembers else None)
        works = {name: job for name, job in (
            ("counts", counting.beside if counting is not None else None),
            ("check", functools.partial(_checked, records, cache.checked) if anew else None),
            ("parsed", functools.partial(write_ahead, self.source.out, {"parsed": records.parsed,
                                                                          "stamps": records.stamps})
             if self.writes_ahead else None)) if job is not None}
        started = dict(zip(works, start_in_turn(work, list(works.values()), len(records.papers)), strict=True))
        return BesideIndex(started.get("parsed"), started.get("check"),
                           counting.here(started["counts"]) if counting is not None else None)

    def index(self, loaded: Loaded, beside: BesideIndex) -> Catalog:
        """The catalog (``catalog.index``: the last build's updated). Records it cannot take are
        the check's to report."""
        from phenomena_catalog.catalog import index
        from phenomena_catalog.errors import UserError
        from phenomena_catalog.validate import check

        records = loaded.records
        try:
            catalog = index(records, self.cache.indexed)
        except Exception:
            problems = (beside.checking.result()[0] if beside.checking is not None
                        else check(records, self.cache.checked))
            if problems:
                raise UserError(problems) from None
            raise  # (a bug, then: index takes any records the check passes)
        if loaded.anew:
            # Both processes read every paper's terms (related papers here, the search index beside):
            # made once, before the fork, not once in each (``Catalog.paper_terms`` makes them when
            # first asked for; 0.2 s at 10,000 papers).
            for paper_id in catalog.paper_ids:
                catalog.paper_terms[paper_id]
        return catalog

    # -- related papers, the check and the search index beside them -------------------------------

    def start_beside_related(self, loaded: Loaded, catalog: Catalog, beside: BesideIndex) -> BesideRelated:
        """Building a site anew, the check and the search index run in another process beside related
        papers (``Executor.start``); a rebuild updates them in less time than a process takes, so it
        asks for them as work on no papers, which runs here. A first build written to disk makes its
        search state afresh there, where nothing else holds it, and writes it to the cache before
        rendering. A site built anew makes every paper's BibTeX entry before rendering: that process
        from the first on, this one from the last once related papers are done, until they meet
        (``BibtexShares``)."""
        from phenomena_catalog.plan import BibtexShares
        from phenomena_catalog.search_index import SearchIndexState

        records, cache, anew, source = loaded.records, self.cache, loaded.anew, self.source
        bibtex = BibtexShares(catalog.papers) if anew else None
        work = functools.partial(_check_then_search_and_templates, records,
                                 cache.checked if beside.checking is None else None, catalog,
                                 SearchIndexState() if self.writes_ahead else cache.memos.search,
                                 source.templates_dir if self.compiling is None else None,
                                 source.out if self.writes_ahead else None, bibtex=bibtex)
        return BesideRelated(self.work.start(work, len(records.papers) if anew else 0), bibtex)

    def related_papers(self, loaded: Loaded, catalog: Catalog, beside_index: BesideIndex,
                       beside: BesideRelated) -> Related:
        """Each paper's related papers (``related_in_catalog``: the last build's ``RelatedIndex``
        updated; with no record changed, it only assembles them). Its rows are scored here: the
        process beside, making the search index, has the longer share of the work after the index
        stage. Should related papers fail, the check's problems are the build's report."""
        from phenomena_catalog.build_cache import write_states_ahead
        from phenomena_catalog.plan import Planner
        from phenomena_catalog.related import RelatedIndex, related_in_catalog

        cache, source = self.cache, self.source
        try:
            index = RelatedIndex() if self.writes_ahead else cache.related_index
            lists = related_in_catalog(catalog, cache.memos.related, index, loaded.records.digests,
                                       ahead=beside_index.counting)
            changed = index.changed if self.states_as_site else None
            cache.memos.related.prune()
            written = write_states_ahead(source.out, related_index=index) if self.writes_ahead else {}
            if written:  # (the next build reads it from the cache: this one holds it no longer)
                self.written.update(written)
                index = RelatedIndex()
            self.clock.lap("related papers")
            early = None
            if beside.bibtex is not None:  # (this process's share of the work beside related papers)
                # Every unit is listed first (which needs neither the search index nor the templates
                # made beside), then the BibTeX entries even out the two processes' time.
                planner = Planner(catalog, source.config, lists, None)
                early = planner, planner.units()
                beside.bibtex.from_back()
        except Exception:
            _problems_reported(beside.made, beside_index.checking)
            raise
        return Related(lists, changed, index, early)

    def checked(self, catalog: Catalog, beside_index: BesideIndex, beside: BesideRelated) -> Checked:
        """The check's memo (its problems raised, if any) and the search index, with the templates
        and the BibTeX entries made beside related papers taken in."""
        from phenomena_catalog.plan import remember_bibtex
        from phenomena_catalog.template_env import reuse_compiled

        memo, (search, state), compiled, bibtex = _problems_reported(beside.made, beside_index.checking)
        if isinstance(state, dict):
            self.written.update(state)
        else:
            self.cache.memos.search = state
        reuse_compiled(compiled)
        remember_bibtex(catalog.papers[: len(bibtex)], bibtex)
        return Checked(memo, search)

    # -- plan ------------------------------------------------------------------------------------

    def plan(self, loaded: Loaded, catalog: Catalog, related: Related, checked: Checked) -> Planned:
        """The pages to render (``units_to_plan``): every one for a site built anew; for a rebuild,
        those of the units whose inputs changed, the others' kept as the site holds them."""
        from phenomena_catalog.build_cache import Fingerprints
        from phenomena_catalog.plan import Planner, Unit
        from phenomena_catalog.render import Renderer
        from phenomena_catalog.write import copied_files

        cache, source, records, digests = self.cache, self.source, loaded.records, loaded.records.digests
        cache.texts.use(digests)
        renderer = Renderer(source.config, source.templates_dir, catalog.paper_terms, cache.texts, cache.entries)
        fingerprints = Fingerprints(records, source.config, renderer, loaded.of_records)
        cache.entries.use(fingerprints.everywhere, digests if self.keep else None, catalog.filed_names)
        site = loaded.site
        if site is not None and cache.site is not None and cache.site.everywhere != fingerprints.everywhere:
            site = None  # every page changes (settings, taxonomy): comparing them first costs more
        if related.early is not None:
            planner, early_units = related.early
            planner.search_memo, planner.search = cache.memos.search, checked.search
        else:
            planner, early_units = Planner(catalog, source.config, related.lists, cache.memos.search,
                                           checked.search), None
        units = self.units_to_plan(catalog, digests, planner, early_units, site, fingerprints.templates,
                                   related.changed)
        if site is None:
            # From scratch, every unit is rendered: each is planned in the process that renders it
            # (``_PageWriter``), but those planned in every build (the search index, the
            # whole-catalog data files: no inputs declared), fingerprinted whole here.
            to_render: list[Page | Unit] = [item for unit in units.to_plan
                                            for item in (unit.make() if unit.shape is None else (unit,))]
            pages = [item for item in to_render if not isinstance(item, Unit)]
            page_urls = [item.name if isinstance(item, Unit) else item.url for item in to_render]
        else:
            pages = [page for unit in units.to_plan for page in unit.make()]
            to_render, page_urls = [*pages], [page.url for page in pages]
        cache.memos.search.prune()
        stale = {unit.name for unit in units.to_plan}
        kept = [name for name in units.state.groups if name not in stale]
        copied = copied_files(source.templates_dir, itertools.chain(page_urls, kept))
        return Planned(renderer, fingerprints, planner, units.state, site, pages, to_render, page_urls, kept,
                       len(page_urls) + len(kept), copied, units.papers_changed, units.inputs_changed)

    def units_to_plan(self, catalog: Catalog, digests: dict[str, str], planner: Planner,
                      early_units: list[Unit] | None, site: dict[str, str] | None, templates: str,
                      related_changed: Collection[str] | None) -> UnitsToPlan:
        """The units whose pages this build plans: after an edit of records only, those that show
        them or list or count the papers the index stage filed again (``PlanState.replan``, without
        listing every unit); building anew, every unit; otherwise every unit is listed, and those
        whose inputs changed since the last build are planned, or all of them after a template edit."""
        from phenomena_catalog.plan import PlanState

        cache = self.cache
        # (after a template edit, any page may change: their fingerprints tell which)
        last = (cache.planned if site is not None and cache.planned is not None and cache.planned.templates == templates
                else None)
        if last is not None and site is not None and related_changed is not None:
            replanned = last.replan(planner, digests, related_changed, site)
            if replanned is not None:
                planner.reuse_facets(cache.facets, replanned[2])
                return UnitsToPlan(*replanned)  # (the units, their state, the papers changed)
        units = early_units if early_units is not None else planner.units()
        state = PlanState.of(units, planner, digests, templates)
        if site is None:
            return UnitsToPlan(units, state)
        papers_changed = None
        if cache.planned is not None:
            papers_changed = cache.planned.changed_papers(catalog, digests)
            planner.reuse_facets(cache.facets, papers_changed)
        if last is not None:
            # The others plan the pages they planned in the last build, which are in the site as they are.
            return UnitsToPlan(last.stale_units(units, catalog, digests, site, papers_changed), state, papers_changed)
        # The templates changed: every page is planned, and one of a unit whose inputs did not change
        # is the same where its templates are.
        inputs_changed = (None if cache.planned is None else {
            unit.name for unit in cache.planned.stale_units(units, catalog, digests, site, papers_changed)})
        return UnitsToPlan(units, state, papers_changed, inputs_changed)

    # -- fingerprint -----------------------------------------------------------------------------

    def fingerprint(self, planned: Planned, checked: Checked) -> ToWrite:
        """Each file's fingerprint, and what to write: a site built anew writes every page into a
        staging folder; a rebuild renders the pages whose fingerprint changed, into the site."""
        from phenomena_catalog.build_cache import KNOWN_LENGTH, file_fingerprint
        from phenomena_catalog.write import staging_folder, update_folder

        out, fingerprints, pages, site = self.source.out, planned.fingerprints, planned.pages, planned.site
        files = {url: file_fingerprint(source) for url, source in planned.copied.items()}
        if site is None:
            # A page's fingerprint is what the next build compares: of one planned in a unit, its
            # ``known`` part and the unit's inputs tell as much (``Fingerprints.same``).
            files.update(fingerprints.of_pages(pages) if self.keep else dict.fromkeys([page.url for page in pages], ""))
            return ToWrite(files, planned.to_render, planned.page_urls, planned.copied, staging_folder(out))
        files.update((url, site[url]) for url in planned.kept)
        same, changed = fingerprints.same, planned.inputs_changed
        # After a template edit, a page the last build fingerprinted by its ``known`` part, of a
        # unit whose inputs did not change, needs no more to tell whether it is the same, and its
        # known part then says what it is made from (0.8 s of CPU time at 10,000 papers).
        known = () if changed is None else {page.url for page in pages if page.url not in changed
                                            and len(site.get(page.url) or "") == KNOWN_LENGTH}
        # The search index's files its update left as they were keep their fingerprints: hashing
        # their text (6.5 MB at 10,000 papers) was most of an edit's fingerprint stage.
        kept_search = _search_files_kept(checked.search, pages, site) if self.states_as_site else {}
        files.update(kept_search)
        for found in self.work.map_shares(functools.partial(fingerprints.of_pages, known=known),
                                          [page for page in pages if page.url not in kept_search]):
            files.update(found)
        rendered = [page for page in pages if not same(site.get(page.url), files[page.url],
                                                       changed is not None and page.url not in changed)]
        to_copy = {url: source for url, source in planned.copied.items() if site.get(url) != files[url]}
        return ToWrite(files, [*rendered], [page.url for page in rendered],  # (the others' folders exist)
                       to_copy, update_folder(out, removed=site.keys() - files.keys()))

    # -- render and write ------------------------------------------------------------------------

    def render_and_write(self, loaded: Loaded, catalog: Catalog, planned: Planned, checked: Checked,
                         to_write: ToWrite) -> dict[str, JoinedLayout]:
        """Render ``to_write``'s pages and write them and the static files, the site swapped in (or
        updated in place) at the end; where the papers' pieces are in the data files joined from
        them, as the site now holds them. The fingerprints of pages planned where they render join
        ``to_write.files``, the pieces made elsewhere the cache's."""
        from phenomena_catalog.executors import collector_frozen
        from phenomena_catalog.write import copy_files, make_folders

        cache, ahead = self.cache, self.writes_ahead
        with to_write.folder as staging, collector_frozen():
            make_folders(staging, to_write.page_urls)
            writer = _PageWriter(self.source.out, staging, cache, planned, self.keep)
            # Each process claims the next pages as it goes, so both end together; the pages that list
            # papers (sharing the papers' entries this process renders) and the joined files (whose
            # pieces it keeps) are this process's, written before any page it claims.
            # Where the papers' pieces are in the data files joined from them, as the site holds them:
            # the last build's, but those this one writes (``write.write_joined``).
            joined = {} if planned.anew else dict(cache.joined)
            # The first worker writes the next cache's fields known by now ahead, then claims pages;
            # this process writes the data files' pieces and the list entries once it has made them all.
            # (the fields made there too: the check memo kept for these records is 8 ms at 10k)
            first = (functools.partial(writer.render_and_write, fields_ahead=lambda: {
                "indexed": catalog.state, "planned": planned.state,
                "checked": checked.memo.kept_for(loaded.records)}) if ahead else None)
            made_elsewhere = False
            for found, made, written_there, laid_out in self.work.map_claimed(
                    functools.partial(writer.render_and_write, pieces_ahead=ahead), to_write.to_render,
                    here=lambda item: item.together, cost=lambda item: item.cost,
                    share_from=SHARED_RENDER_COST if planned.anew else None, first=first):
                to_write.files.update(found)
                cache.texts.add(made)
                self.written.update(written_there)
                joined.update(laid_out)
                made_elsewhere = made_elsewhere or any(made)
            if made_elsewhere:  # (the pieces written ahead lack those a worker made: the save writes them)
                self.written.pop("texts", None)
            for url in joined.keys() - to_write.files.keys():
                del joined[url]
            cache.texts.prune()
            copy_files(staging, to_write.to_copy)
            self.clock.lap("render and write pages")  # (the folder's exit swaps the site in: ``run`` times that)
        return joined

    # -- what this build leaves ------------------------------------------------------------------

    def made(self, loaded: Loaded, catalog: Catalog, related: Related, checked: Checked, planned: Planned,
             to_write: ToWrite, joined: dict[str, JoinedLayout], beside: BesideIndex) -> tuple[BuildResult, BuildCache]:
        """What this build wrote, and the cache it leaves for the next (``after_build``: saved by
        ``build_site``, kept in memory by ``serve``)."""
        from phenomena_catalog.build_cache import LiveState, after_build
        from phenomena_catalog.plan import PlannedPages

        cache, records, clock = self.cache, loaded.records, self.clock
        result = BuildResult(len(catalog.papers), planned.page_count, len(to_write.files), clock.total(),
                             clock.stages, rendered=len(to_write.to_render), incremental=not planned.anew,
                             cpu=clock.cpu)
        live = LiveState({paper.id: paper for paper in records.papers}, records.digests,
                         PlannedPages(planned.pages, planned.planner, planned.state.groups), planned.renderer)
        left = after_build(self.source.out, records, to_write.files, loaded.inputs, planned.fingerprints.everywhere,
                           planned.page_count, checked.memo, cache.memos, live, cache.texts, planned.state,
                           related.index)
        if beside.parsed_ahead is not None:
            self.written.update(beside.parsed_ahead.result())
        return result, replace(left, indexed=catalog.state, written=self.written, entries=cache.entries,
                               joined=joined, facets=planned.planner.kept_facets())


class _PageWriter:
    """Renders and writes a share of a build's pages (``render_and_write``), in the build's process
    or a forked worker's, which hands back what it made (its memory is lost when it exits)."""

    def __init__(self, out: Path, staging: Path, cache: BuildCache, planned: Planned, keep: bool) -> None:
        self.out, self.staging, self.cache, self.keep = out, staging, cache, keep
        self.renderer, self.fingerprints, self.papers_changed = planned.renderer, planned.fingerprints, \
            planned.papers_changed

    def render_and_write(self, share: Iterable[Page | Unit],
                         fields_ahead: Callable[[], Mapping[str, Any]] | None = None,
                         pieces_ahead: bool = False,
                         ) -> tuple[dict[str, str], Made, dict[str, Written], dict[str, JoinedLayout]]:
        """The fingerprints of the pages planned here, the data files' pieces made, the next cache's
        fields written ahead, and the joined files' layouts. ``fields_ahead``: fields the first worker
        writes before it renders; ``pieces_ahead``: the data files' pieces and the list entries,
        written once all are made (by the build's process)."""
        from phenomena_catalog.build_cache import write_ahead
        from phenomena_catalog.plan import Unit
        from phenomena_catalog.write import write_pieces

        cache, out = self.cache, self.out
        written = write_ahead(out, fields_ahead()) if fields_ahead is not None else {}
        fingerprinted: dict[str, str] = {}  # (of the pages planned here)
        joined: list[Page] = []
        layouts: dict[str, JoinedLayout] = {}
        for item in share:
            if joined and not item.together:
                self.write_joined(joined, layouts)  # (before the pages this process claims)
                if pieces_ahead:  # (all made now: the claiming evens out their writing too)
                    written.update(write_ahead(out, {"texts": cache.texts, "entries": cache.entries}))
                    pieces_ahead = False
            if isinstance(item, Unit):
                pages = item.make()
                fingerprinted.update((page.url, self.fingerprints.from_scratch(page) if self.keep else "")
                                     for page in pages)
            else:
                pages = [item]
            for page in pages:
                if page.joins_paper_texts:
                    joined.append(page)
                else:
                    write_pieces(self.staging, page.url, self.renderer.pieces(page))
        self.write_joined(joined, layouts)
        if pieces_ahead and layouts:  # (the joined files were this process's, and the others
            # claimed every other page: written here all the same, so the save never waits on them)
            written.update(write_ahead(out, {"texts": cache.texts, "entries": cache.entries}))
        return fingerprinted, cache.texts.made(), written, layouts

    def write_joined(self, joined: list[Page], layouts: dict[str, JoinedLayout]) -> None:
        """The files joined from each paper's piece of text, once this process's pages that list
        papers are written (``together``: they come first): the pieces are kept (for the cache),
        the papers' list entries no longer, so the pieces take the entries' memory. A file
        the site holds as the last build laid it out is spliced (``write.write_joined``)."""
        from phenomena_catalog.plan import CatalogJsonFile, CslJsonFile, TopicBibtexFile
        from phenomena_catalog.write import write_joined as write_joined_file

        renderer, papers_changed = self.renderer, self.papers_changed
        renderer.forget_entries()
        for page in joined:
            assert isinstance(page.context, (CatalogJsonFile, CslJsonFile, TopicBibtexFile))
            text = page.context.joined(renderer.texts)
            last_layout = self.cache.joined.get(page.url) if papers_changed is not None else None
            layouts[page.url] = write_joined_file(self.staging, page.url, text, last_layout, self.out / page.url,
                                                  papers_changed or ())
        joined.clear()


def _search_files_kept(search: SearchIndex, pages: list[Page], previous: Mapping[str, str]) -> dict[str, str]:
    """The fingerprints in ``previous`` (the site's files) of the search index's files among
    ``pages`` whose text its update did not change (``SearchIndex.changed``: from the last
    update's, whose files the site holds: ``SiteBuild``'s ``states_as_site``). A file without its whole
    fingerprint there (one ``serve`` wrote early, say) is fingerprinted as any other."""
    from phenomena_catalog.build_cache import KNOWN_LENGTH
    from phenomena_catalog.plan import SearchIndexFile

    changed = search.changed
    if changed is None:
        return {}
    kept = {}
    for page in pages:
        url = page.url
        if type(page.context) is SearchIndexFile and url not in changed:
            found = previous.get(url)
            if found is not None and len(found) > KNOWN_LENGTH:
                kept[url] = found
    return kept


def load_beside_imports(papers_dir: Path, out: Path, executor: Executor, use_cache: bool,
                         listing: cache_store.Listing | None) -> Pending[Records] | None:
    """The load stage of a site built anew, started (``records.start_load``): a worker reads records
    while this process imports the rest of the pipeline (numpy, Jinja, the renderer...: 0.1-0.3 s),
    and this one reads the rest when it asks for them. A rebuild reuses the cache's parse results instead."""
    from phenomena_catalog.records import start_load  # (and the models it makes, before the process forks)

    if use_cache and cache_store.index_file(out).exists():
        return None
    return start_load(papers_dir, executor, listing)


COMPILE_SIZE = 1_000
"""Compiling a site's templates takes about what the check stage takes on 1,000 papers (0.05-0.06 s
of CPU time), whatever the catalog's size: worth a process of its own (``Executor.start``)."""


def compile_beside_imports(templates_dir: Path, out: Path, jobs: int | None,
                           use_cache: bool) -> tuple[Executor, Pending[dict[str, bytes]]] | None:
    """A site built anew compiles its templates in another process from the start (the build's
    executor, and the templates compiling): while this one lists its inputs and imports the
    settings' models and the pipeline (0.1 s or more with the other core idle, before the load
    stage starts: ``load_beside_imports``), rather than beside related papers, where at 1,000
    papers the check and search index waited for it (``_check_then_search_and_templates``). A
    rebuild has its templates compiled in the cache (``BuildCache.compiled``): None. Called first,
    so the other process imports only Jinja (``template_env``)."""
    if use_cache and cache_store.index_file(out).exists():
        return None
    from phenomena_catalog.executors import ProcessExecutor

    executor = ProcessExecutor(jobs)
    return executor, executor.start(functools.partial(_compiled, templates_dir), COMPILE_SIZE)


def _compiled(templates_dir: Path) -> dict[str, bytes]:
    from phenomena_catalog.template_env import compiled_templates

    return compiled_templates(templates_dir)


def _checked(records: Records, memo: CheckMemo) -> tuple[list[Problem], CheckMemo]:
    """The check stage's problems, and its memo brought up to date (``validate.check``)."""
    from phenomena_catalog.validate import check

    return check(records, memo), memo


BesideRelatedPapers = tuple[list["Problem"], "CheckMemo | None",
                            "tuple[SearchIndex, SearchIndexState | dict[str, Written], dict[str, bytes], "
                            "tuple[str, ...]] | None"]
"""The check's problems and memo; the search index, its update state (or where it was written in
the next cache: ``write_states_ahead``), the compiled templates and the BibTeX entries."""


def _check_then_search_and_templates(records: Records, memo: CheckMemo | None, catalog: Catalog | None = None,
                                     search: SearchIndexState | None = None,
                                     templates_dir: Path | None = None, ahead: Path | None = None,
                                     bibtex: BibtexShares | None = None) -> BesideRelatedPapers:
    """The check stage's problems and its memo brought up to date (unless ``memo`` is None: checked
    elsewhere, ``_checked``); then, if there are none and a
    ``catalog`` is given, its search index, ``search`` updated to it, the templates of ``templates_dir``
    compiled (``template_env.compiled_templates``; none without it) and the BibTeX entries ``bibtex``
    makes from the first paper on (in the catalog's order): the work a build from scratch does beside
    related papers (``Executor.start``).
    (Made here, the entries are made once: the render stage's workers, which show them on paper
    pages and in topics' ``.bib`` files, each made those of their pages.) ``ahead``: the output
    folder whose next cache ``search`` is written to (``write_states_ahead``), handed back in its place."""
    from phenomena_catalog.build_cache import write_states_ahead
    from phenomena_catalog.search_index import build_search_index
    from phenomena_catalog.template_env import compiled_templates
    from phenomena_catalog.validate import check

    problems = check(records, memo) if memo is not None else []
    if problems or catalog is None or search is None:
        return problems, memo, None
    index = build_search_index(catalog, search)
    state = (write_states_ahead(ahead, search=search) if ahead is not None else None) or search
    compiled = compiled_templates(templates_dir) if templates_dir is not None else {}
    return problems, memo, (index, state, compiled, bibtex.from_front() if bibtex is not None else ())


def _problems_reported(checking: Pending[BesideRelatedPapers],
                       checked: Pending[tuple[list[Problem], CheckMemo]] | None = None,
                       ) -> tuple[CheckMemo, tuple[SearchIndex, SearchIndexState | dict[str, Written]],
                                  dict[str, bytes], tuple[str, ...]]:
    """The check's memo, the search index, the compiled templates and the BibTeX entries; the
    check's problems, if it found any, as a UserError. ``checked``: the check, when it ran on its
    own (``_checked``), not in ``checking``."""
    from phenomena_catalog.errors import UserError

    if checked is not None:
        problems, memo = checked.result()
        if problems:  # (the process beside, maybe writing the search state ahead, is stopped by ``build``)
            raise UserError(problems)
    problems, beside_memo, made = checking.result()
    if problems:
        raise UserError(problems)
    if checked is None:
        assert beside_memo is not None
        memo = beside_memo
    assert made is not None  # (asked for with the records' catalog)
    index, search, compiled, bibtex = made
    return memo, (index, search), compiled, bibtex


class StageClock:
    """Wall time per pipeline stage, for ``build --timings`` and the benchmark, and this process's
    CPU time in each (``cpu``: on a busy machine, the figure that compares), from now or from
    ``started`` (``time.perf_counter``) and ``started_cpu`` (``time.process_time``)."""

    def __init__(self, started: float | None = None, started_cpu: float | None = None) -> None:
        self.started = self.last = time.perf_counter() if started is None else started
        self.last_cpu = time.process_time() if started_cpu is None else started_cpu
        self.stages: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.stages[stage] = now - self.last
        self.cpu[stage] = cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu

    def total(self) -> float:
        return self.last - self.started


def load_checked(papers_dir: Path, executor: Executor | None = None,
                 known: Mapping[str, ParseResult] | None = None) -> Records:
    """Load and check every file in ``papers_dir``; raises UserError listing every problem.

    ``known``: parse results of an earlier build (see ``records.load_papers``).
    """
    from phenomena_catalog.errors import UserError
    from phenomena_catalog.records import load
    from phenomena_catalog.validate import check

    records = load(papers_dir, executor, known)
    problems = records.problems + check(records)
    if problems:
        raise UserError(problems)
    return records


def read_catalog(papers_dir: Path, executor: Executor | None = None) -> Catalog:
    """Load, check and index the catalog in ``papers_dir``; every problem at once as a UserError."""
    from phenomena_catalog.catalog import index

    return index(load_checked(papers_dir, executor))
