"""``phenomena-catalog build``: load -> check -> index -> plan -> render -> write the site."""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import sys
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phenomena_catalog import cache_store
from phenomena_catalog.cache_store import CACHE_FOLDER
from phenomena_catalog.settings_file import ENVIRONMENT, settings_file
from phenomena_catalog.theme import DEFAULT_TEMPLATES, check_templates_folder, template_folders
from phenomena_catalog.write import output_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Container, Iterable, Mapping

    from phenomena_catalog.build_cache import BuildCache
    from phenomena_catalog.cache_store import Written
    from phenomena_catalog.catalog import Catalog
    from phenomena_catalog.config import SiteConfig
    from phenomena_catalog.errors import Problem
    from phenomena_catalog.executors import Executor, Pending
    from phenomena_catalog.paper_texts import Made
    from phenomena_catalog.plan import BibtexShares, Page
    from phenomena_catalog.records import Records
    from phenomena_catalog.related import RelatedIndex
    from phenomena_catalog.search_index import SearchIndex, SearchIndexState
    from phenomena_catalog.validate import CheckMemo
    from phenomena_catalog.write import JoinedLayout

# The pipeline's modules (pydantic, Jinja, numpy...) are imported by the functions that run it:
# a build that finds nothing changed (``unchanged``) never imports them.


NAME = "build"
DESCRIPTION = """\
Load and validate every record, then render the whole site into --out. The site is built in a
staging folder and swapped in only when the build succeeds: a failed build leaves the last good
site in place. Prints every problem (FILE:LINE: FIELD: MESSAGE) and exits 1 on invalid records.

examples:
  phenomena-catalog build
  phenomena-catalog build --papers papers/ --templates templates/ --out site/
"""


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every command that builds the site shares."""
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")
    parser.add_argument("--templates", type=Path, default=None, metavar="DIR",
                        help="the catalog's own templates and assets/, each replacing the default theme's "
                        "file of the same name (default: templates/ if present)")
    parser.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                        help="output folder (default: site/)")
    parser.add_argument("--config", type=Path, default=None, metavar="FILE",
                        help="site settings (default: catalog.yaml if present)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes for large catalogs (default: number of CPUs)")


def templates_folder(args: argparse.Namespace) -> Path:
    """The catalog's templates folder: ``--templates DIR``, which must exist, or ``templates/``, which may not."""
    folder: Path = args.templates or Path(DEFAULT_TEMPLATES)
    check_templates_folder(folder, explicit=args.templates is not None)
    return folder


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--timings", action="store_true", help="also print the time of each stage")
    parser.add_argument("--no-cache", action="store_true",
                        help=f"build everything from scratch, and keep no {CACHE_FOLDER}/ beside --out")


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
    the load stage started already (``_load_beside_imports``), if the caller started it.
    """
    from phenomena_catalog.executors import ProcessExecutor

    executor = executor or ProcessExecutor(jobs)
    started, started_cpu = time.perf_counter(), time.process_time()
    if loading is None:
        loading = _load_beside_imports(papers_dir, out, executor, use_cache, listing)
    from phenomena_catalog.build_cache import BuildCache, read_cache, write_cache
    from phenomena_catalog.cache_store import Quick, output_identity
    from phenomena_catalog.paper_texts import PaperTexts
    from phenomena_catalog.plan import TextMemos
    from phenomena_catalog.records import Deferred
    from phenomena_catalog.related import prepare_related_papers
    from phenomena_catalog.search_index import SearchIndexState
    from phenomena_catalog.text_memo import TextMemo

    if isinstance(loading, Deferred):  # (while the records are read beside, what related papers will need)
        prepare_related_papers(loading.size)
    # (the pipeline's modules: numpy, pydantic's models, Jinja... which the cache's objects need too)
    stages = {"imports": time.perf_counter() - started}
    cpu = {"imports": time.process_time() - started_cpu}
    with output_lock(out):  # a second build waits: two builds never mix their files
        started, started_cpu = time.perf_counter(), time.process_time()
        cache = read_cache(out) if use_cache else BuildCache()
        reading, reading_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        # The cache file keeps no term counts of related papers (cheaper to count again than to
        # save), and without a cache nothing: this build need not hold them (3 KB a paper).
        search = cache.memos.search if use_cache else SearchIndexState(keep=False)
        cache = replace(cache, memos=TextMemos(related=TextMemo(remember=False), search=search),
                        texts=cache.texts if use_cache else PaperTexts(remember=False))
        try:
            result, built = build(papers_dir, templates_dir, out, config, executor, cache, listing, loading,
                                  keep=use_cache, states_ahead=use_cache, compiling=compiling)
        except BaseException:
            if use_cache:  # (a first build's update states, written ahead for a cache now never made)
                cache_store.remove_unnamed(out)
            raise
        if use_cache:
            stages["read cache"], cpu["read cache"] = reading, reading_cpu
        result = replace(result, stages={**stages, **result.stages}, cpu={**cpu, **result.cpu})
        identity = output_identity(out)
        quick = (None if inputs is None or identity is None
                 else Quick(inputs[0], identity, result.papers, result.pages, result.files, inputs[1]))
        # (an unchanged cache is not written again, unless to say which inputs it was made from)
        if use_cache and (built is not cache or (quick is not None and quick != cache_store.stored_quick(out))):
            # Only serve reads the pages and renderer a build keeps in memory (``live``): they go
            # before the cache is pickled (contexts and rendered list entries: 60 MB at 50k papers).
            built = replace(built, live=None)
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                write_cache(out, built, quick)
            except OSError as err:
                # The site is written; without a cache the next build simply starts afresh.
                cache_store.remove(out)
                print(f"Note: the build cache could not be saved ({err.strerror or err}); "
                      "the next build starts afresh.", file=sys.stderr)
            result.stages["save cache"] = time.perf_counter() - started
            result.cpu["save cache"] = time.process_time() - started_cpu
    return result


def build(papers_dir: Path, templates_dir: Path, out: Path, config: SiteConfig, executor: Executor,
          cache: BuildCache, listing: cache_store.Listing | None = None,
          loading: Pending[Records] | None = None, keep: bool = True,
          states_ahead: bool = False,
          compiling: Pending[dict[str, bytes]] | None = None) -> tuple[BuildResult, BuildCache]:
    """Build the site from what ``cache`` says the last build made; returns what this one made
    (``_build``: its arguments)."""
    states = [state for state in (cache.memos.search, cache.related_index) if state is not None]
    writing: list[Pending[dict[str, Written]]] = []
    try:
        built = _build(papers_dir, templates_dir, out, config, executor, cache, listing, loading, keep,
                       states_ahead, states_as_site=not any(state in _AHEAD_OF_SITE for state in states),
                       compiling=compiling, writing=writing)
    except BaseException:
        for pending in writing:  # (before the caller removes what they wrote: ``cache_store.remove_unnamed``)
            pending.stop()
        # ``serve`` keeps its cache through a failed build, whose search index and related papers'
        # states may be updated already, the site not: until a build succeeds, what their updates
        # say changed is not how the site's pages differ.
        _AHEAD_OF_SITE.update(states)
        raise
    _AHEAD_OF_SITE.difference_update(states)
    return built


_AHEAD_OF_SITE: weakref.WeakSet[SearchIndexState | RelatedIndex] = weakref.WeakSet()
"""Update states a build that failed had (``build``)."""


def _build(papers_dir: Path, templates_dir: Path, out: Path, config: SiteConfig, executor: Executor,
           cache: BuildCache, listing: cache_store.Listing | None = None,
           loading: Pending[Records] | None = None, keep: bool = True,
           states_ahead: bool = False, states_as_site: bool = True,
           compiling: Pending[dict[str, bytes]] | None = None,
           writing: list[Pending[dict[str, Written]]] | None = None) -> tuple[BuildResult, BuildCache]:
    """Build the site from what ``cache`` says the last build made; returns what this one made.
    ``loading``: the load stage started already (``_load_beside_imports``), used if the cache has no parse results.
    ``keep``: False when what this build made will not be kept (``build --no-cache``): a site built
    anew then takes no fingerprint of its pages (0.8 s of CPU time at 10,000 papers).
    ``states_ahead``: a first build (``cache`` empty) writes its update states to the next cache
    before it renders and keeps them no longer (``build_cache.write_states_ahead``): for a build
    whose cache is only written, never used again in memory.
    ``compiling``: the site's templates, compiled in another process since the build started
    (``compile_beside_imports``); without it they are compiled beside related papers.
    ``writing``: where a first build written to disk (``states_ahead``) puts the work it starts
    that writes its next cache's fields ahead (``build_cache.write_ahead``), for its caller to stop
    if the build fails.

    ``states_as_site``: the search index's and related papers' states in ``cache`` were updated last
    by the build that wrote the site: their updates' ``SearchIndex.changed`` and
    ``RelatedIndex.changed`` then say which of the site's files and paper pages change.

    ``serve`` keeps the cache in memory from one rebuild to the next; ``build_site`` on disk.
    """
    from phenomena_catalog.build_cache import (
        KNOWN_LENGTH,
        Fingerprints,
        LiveState,
        after_build,
        file_fingerprint,
        records_digest,
        site_inputs,
        write_ahead,
        write_states_ahead,
    )
    from phenomena_catalog.catalog import index, keyword_names
    from phenomena_catalog.errors import UserError
    from phenomena_catalog.executors import collector_frozen, collector_paused, start_in_turn
    from phenomena_catalog.plan import (
        BibtexShares,
        CatalogJsonFile,
        CslJsonFile,
        PlannedPages,
        Planner,
        PlanState,
        TopicBibtexFile,
        Unit,
        remember_bibtex,
    )
    from phenomena_catalog.records import load
    from phenomena_catalog.related import RelatedIndex, TermCounting, related_in_catalog
    from phenomena_catalog.render import Renderer
    from phenomena_catalog.search_index import SearchIndexState
    from phenomena_catalog.template_env import reuse_compiled, template_environment
    from phenomena_catalog.validate import check
    from phenomena_catalog.write import (
        copied_files,
        copy_files,
        make_folders,
        staging_folder,
        update_folder,
        write_pieces,
    )
    from phenomena_catalog.write import write_joined as write_joined_file

    clock = _StageClock()
    with collector_paused():
        records = (loading.result() if loading is not None and not cache.parsed
                   else load(papers_dir, executor, cache.parsed, cache.stamps, listing))
        if records.problems:
            raise UserError(records.problems + check(records, cache.checked))  # every problem at once
        if compiling is not None:  # (done long since: the process that compiled them ends as it hands them over)
            reuse_compiled(compiling.result())
        copied = copied_files(templates_dir, ())
        of_records = records_digest(records)
        inputs = site_inputs(records, config, template_environment(templates_dir), copied, of_records)
        previous = cache.files_in(out)
        clock.lap("load")
        if previous is not None and cache.site is not None and cache.site.inputs == inputs:
            # Nothing the site is made from changed: the last build's site is this build's.
            result = BuildResult(len(records.papers), cache.site.pages, len(previous), clock.total(), clock.stages,
                                 rendered=0, incremental=True, cpu=clock.cpu)
            # The same cache, unless files were found unchanged for the first time (``cache_store.Stamp``).
            return result, cache if records.stamps == cache.stamps else replace(cache, stamps=records.stamps)
        # A first build written to disk writes its next cache's fields ahead, each as soon as it is
        # made, by a process with the time: the save at the end took 0.3 s at 10,000 papers, the
        # other core idle. The parse results (0.2 s of it) are written beside the index stage.
        ahead = states_ahead and not cache.parsed
        # A site built anew is checked in another process while this one indexes it (its problems
        # are reported once related papers are done, as those of the check a rebuild runs here);
        # the first step of related papers, counting each paper's terms, is taken before the index
        # stage too, a share of it in another process (the catalog's keywords named as it will name them).
        # That process takes its share of the counts, then checks, then writes the parse results
        # ahead, one after the other (``start_in_turn``): the counts are needed first.
        counting = (TermCounting(records.papers, keyword_names(records))
                    if previous is None and not cache.parsed and not cache.memos.related.remembers else None)
        beside_index = {name: work for name, work in (
            ("counts", counting.beside if counting is not None else None),
            ("check", functools.partial(_checked, records, cache.checked) if previous is None else None),
            ("parsed", functools.partial(write_ahead, out, {"parsed": records.parsed, "stamps": records.stamps})
             if ahead else None)) if work is not None}
        started = dict(zip(beside_index, start_in_turn(executor, list(beside_index.values()), len(records.papers))))
        checking_beside, parsed_ahead = started.get("check"), started.get("parsed")
        if parsed_ahead is not None and writing is not None:
            writing.append(parsed_ahead)
        counted = counting.here(started["counts"]) if counting is not None else None
        try:
            catalog = index(records, cache.indexed)
        except Exception:
            problems = (checking_beside.result()[0] if checking_beside is not None
                        else check(records, cache.checked))
            if problems:
                raise UserError(problems) from None
            raise  # (a bug, then: index takes any records the check passes)
        if previous is None:
            # Both processes read every paper's terms (related papers here, the search index beside):
            # made once, before the fork, not once in each (``Catalog.paper_terms`` makes them when
            # first asked for; 0.2 s at 10,000 papers).
            for paper_id in catalog.paper_ids:
                catalog.paper_terms[paper_id]
        clock.lap("index")
        # Building a site anew, the check and the search index run in another process beside related
        # papers (``Executor.start``); a rebuild updates them in less time than a process takes, so
        # it asks for them as work on no papers, which runs here.
        # The check's problems are the build's report, whatever related papers made of the records.
        # A first build written to disk makes its update states afresh, here and in that process,
        # where nothing else holds them, and writes them to the cache before rendering.
        search_state = SearchIndexState() if ahead else cache.memos.search
        related_index = RelatedIndex() if ahead else cache.related_index
        # A site built anew makes every paper's BibTeX entry before rendering: that process from the
        # first on, this one from the last once related papers are done, until they meet (``BibtexShares``).
        shared = BibtexShares(catalog.papers) if previous is None else None
        beside = functools.partial(_check_then_search_and_templates, records,
                                   cache.checked if checking_beside is None else None, catalog,
                                   search_state, templates_dir if compiling is None else None,
                                   out if ahead else None, bibtex=shared)
        checking = executor.start(beside, len(records.papers) if previous is None else 0)
        del search_state, beside  # (another process's, or written to the cache and not kept)
        early: Planner | None = None
        early_units: list[Unit] | None = None
        try:
            # (the last build's RelatedIndex, updated: with no record changed, it only assembles them.
            # Its rows are scored here: the process beside, making the search index, has the longer
            # share of the work after the index stage.)
            related = related_in_catalog(catalog, cache.memos.related, related_index, records.digests,
                                         ahead=counted)
            related_changed: Collection[str] | None = related_index.changed if states_as_site else None
            cache.memos.related.prune()
            written = write_states_ahead(out, related_index=related_index) if ahead else {}
            if written:
                related_index = RelatedIndex()
            clock.lap("related papers")
            if shared is not None:  # (this process's share of the work beside related papers)
                # Every unit is listed first (which needs neither the search index nor the templates
                # made beside), then the BibTeX entries even out the two processes' time.
                early = Planner(catalog, config, related, None)
                early_units = early.units()
                shared.from_back()
        except Exception:
            _problems_reported(checking, checking_beside)
            raise
        checked, (search, state), compiled, bibtex = _problems_reported(checking, checking_beside)
        if isinstance(state, dict):
            written.update(state)
        else:
            cache.memos.search = state
        reuse_compiled(compiled)
        remember_bibtex(catalog.papers[: len(bibtex)], bibtex)
        clock.lap("check and search index")
        cache.texts.use(records.digests)
        renderer = Renderer(config, templates_dir, catalog.paper_terms, cache.texts, cache.entries)
        fingerprints = Fingerprints(records, config, renderer, of_records)
        cache.entries.use(fingerprints.everywhere, records.digests if keep else None, catalog.filed_names)
        if previous is not None and cache.site is not None and cache.site.everywhere != fingerprints.everywhere:
            previous = None  # every page changes (settings, taxonomy): comparing them first costs more
        if early is not None:
            early.search_memo, early.search = cache.memos.search, search
        planner = early or Planner(catalog, config, related, cache.memos.search, search)
        templates = fingerprints.templates
        # (after a template edit, any page may change: their fingerprints tell which)
        last = None if previous is None or cache.planned is None or cache.planned.templates != templates \
            else cache.planned
        replanned = None
        if last is not None and previous is not None and related_changed is not None:
            # Only records changed: the units that show them or list or count the papers the index
            # stage filed again, without listing every unit.
            replanned = last.replan(planner, records.digests, related_changed, previous)
        # (after a template edit, the units whose inputs changed besides: ``Fingerprints.same``)
        inputs_changed: Container[str] | None = None
        # The papers whose data may show differently than in the last build (None: not known): their
        # pieces of the data files joined from them are made again, and spliced into the site's files
        # (``write_joined``; written whole when not known), and their facets on lists worked out again.
        papers_changed: set[str] | None = None
        if replanned is not None:
            to_plan, planned, papers_changed = replanned
            planner.reuse_facets(cache.facets, papers_changed)
        else:
            units = early_units if early_units is not None else planner.units()
            planned = PlanState.of(units, planner, records.digests, templates)
            if previous is not None and cache.planned is not None:
                papers_changed = cache.planned.changed_papers(catalog, records.digests)
                planner.reuse_facets(cache.facets, papers_changed)
            # The others plan the pages they planned in the last build, which are in the site as they are.
            to_plan = (units if last is None or previous is None
                       else last.stale_units(units, catalog, records.digests, previous, papers_changed))
            if last is None and previous is not None and cache.planned is not None:
                # The templates changed: every page is planned, and one of a unit whose inputs did
                # not change is the same where its templates are.
                inputs_changed = {unit.name for unit in
                                  cache.planned.stale_units(units, catalog, records.digests, previous, papers_changed)}
        if previous is None:
            # From scratch, every unit is rendered: each is planned in the process that renders it
            # (``render_and_write``), but those planned in every build (the search index, the
            # whole-catalog data files: no inputs declared), fingerprinted whole here.
            to_render: list[Page | Unit] = [item for unit in to_plan
                                            for item in (unit.make() if unit.shape is None else (unit,))]
            pages = [item for item in to_render if not isinstance(item, Unit)]
            page_urls = [item.name if isinstance(item, Unit) else item.url for item in to_render]
        else:
            pages = [page for unit in to_plan for page in unit.make()]
            page_urls = [page.url for page in pages]
        cache.memos.search.prune()
        stale = {unit.name for unit in to_plan}
        kept = [name for name in planned.groups if name not in stale]
        page_count = len(page_urls) + len(kept)
        copied = copied_files(templates_dir, itertools.chain(page_urls, kept))
        clock.lap("plan pages")
        files = {url: file_fingerprint(source) for url, source in copied.items()}
        if previous is None:
            # A page's fingerprint is what the next build compares: of one planned in a unit, its
            # ``known`` part and the unit's inputs tell as much (``Fingerprints.same``).
            to_copy = copied
            files.update(fingerprints.of_pages(pages) if keep else dict.fromkeys([page.url for page in pages], ""))
            folder = staging_folder(out)
        else:
            files.update((url, previous[url]) for url in kept)
            same, changed = fingerprints.same, inputs_changed
            # After a template edit, a page the last build fingerprinted by its ``known`` part, of a
            # unit whose inputs did not change, needs no more to tell whether it is the same, and its
            # known part then says what it is made from (0.8 s of CPU time at 10,000 papers).
            known = () if changed is None else {page.url for page in pages if page.url not in changed
                                                and len(previous.get(page.url) or "") == KNOWN_LENGTH}
            # The search index's files its update left as they were keep their fingerprints: hashing
            # their text (6.5 MB at 10,000 papers) was most of an edit's fingerprint stage.
            kept_search = _search_files_kept(search, pages, previous) if states_as_site else {}
            files.update(kept_search)
            for found in executor.map_shares(functools.partial(fingerprints.of_pages, known=known),
                                             [page for page in pages if page.url not in kept_search]):
                files.update(found)
            rendered = [page for page in pages if not same(previous.get(page.url), files[page.url],
                                                           changed is not None and page.url not in changed)]
            to_render, page_urls = [*rendered], [page.url for page in rendered]  # (the others' folders exist)
            to_copy = {url: source for url, source in copied.items() if previous.get(url) != files[url]}
            folder = update_folder(out, removed=previous.keys() - files.keys())
            clock.lap("fingerprint")
        with folder as staging, collector_frozen():
            make_folders(staging, page_urls)

            def render_and_write(share: Iterable[Page | Unit],
                                 fields_ahead: Callable[[], Mapping[str, Any]] | None = None,
                                 pieces_ahead: bool = False,
                                 ) -> tuple[dict[str, str], Made, dict[str, Written], dict[str, JoinedLayout]]:
                written_here = write_ahead(out, fields_ahead()) if fields_ahead is not None else {}
                fingerprinted: dict[str, str] = {}  # (of the pages planned here)
                joined: list[Page] = []
                layouts: dict[str, JoinedLayout] = {}
                for item in share:
                    if joined and not item.together:
                        write_joined(joined, layouts)  # (before the pages this process claims: see below)
                        if pieces_ahead:  # (all made now: the claiming evens out their writing too)
                            written_here.update(write_ahead(out, {"texts": cache.texts, "entries": cache.entries}))
                            pieces_ahead = False
                    if isinstance(item, Unit):
                        pages = item.make()
                        fingerprinted.update((page.url, fingerprints.from_scratch(page) if keep else "")
                                             for page in pages)
                    else:
                        pages = [item]
                    for page in pages:
                        if page.joins_paper_texts:
                            joined.append(page)
                        else:
                            write_pieces(staging, page.url, renderer.pieces(page))
                write_joined(joined, layouts)
                if pieces_ahead and layouts:  # (the joined files were this process's, and the others
                    # claimed every other page: written here all the same, so the save never waits on them)
                    written_here.update(write_ahead(out, {"texts": cache.texts, "entries": cache.entries}))
                # A worker's memory is lost when it exits: it hands back the data files' pieces it made.
                return fingerprinted, cache.texts.made(), written_here, layouts

            def write_joined(joined: list[Page], layouts: dict[str, JoinedLayout]) -> None:
                """The files joined from each paper's piece of text, once this process's pages that list
                papers are written (``together``: they come first): the pieces are kept (for the cache),
                the papers' list entries no longer, so the pieces take the entries' memory. A file
                the site holds as the last build laid it out is spliced (``write.write_joined``)."""
                renderer.forget_entries()
                for page in joined:
                    assert isinstance(page.context, (CatalogJsonFile, CslJsonFile, TopicBibtexFile))
                    text = page.context.joined(renderer.texts)
                    last_layout = cache.joined.get(page.url) if papers_changed is not None else None
                    layouts[page.url] = write_joined_file(staging, page.url, text, last_layout, out / page.url,
                                                          papers_changed or ())
                joined.clear()

            # Each process claims the next pages as it goes, so both end together; the pages that list
            # papers (sharing the papers' entries this process renders) and the joined files (whose
            # pieces it keeps) are this process's, written before any page it claims.
            # Where the papers' pieces are in the data files joined from them, as the site holds them:
            # the last build's, but those this one writes (``write.write_joined``).
            joined_layouts = dict(cache.joined) if previous is not None else {}
            # The first worker writes the next cache's fields known by now ahead, then claims pages;
            # this process writes the data files' pieces and the list entries once it has made them all.
            # (the fields made there too: the check memo kept for these records is 8 ms at 10k)
            first = (functools.partial(render_and_write, fields_ahead=lambda: {
                "indexed": catalog.state, "planned": planned, "checked": checked.kept_for(records)}) if ahead else None)
            made_elsewhere = False
            for found, made, written_there, laid_out in executor.map_claimed(
                    functools.partial(render_and_write, pieces_ahead=ahead), to_render,
                    here=lambda item: item.together, cost=lambda item: item.cost,
                    share_from=SHARED_RENDER_COST if previous is None else None, first=first):
                files.update(found)
                cache.texts.add(made)
                written.update(written_there)
                joined_layouts.update(laid_out)
                made_elsewhere = made_elsewhere or any(made)
            if made_elsewhere:  # (the pieces written ahead lack those a worker made: the save writes them)
                written.pop("texts", None)
            for url in joined_layouts.keys() - files.keys():
                del joined_layouts[url]
            cache.texts.prune()
            copy_files(staging, to_copy)
            clock.lap("render and write pages")
        clock.lap("swap in")
    result = BuildResult(len(catalog.papers), page_count, len(files), clock.total(), clock.stages,
                         rendered=len(to_render), incremental=previous is not None, cpu=clock.cpu)
    live = LiveState({paper.id: paper for paper in records.papers}, records.digests,
                     PlannedPages(pages, planner, planned.groups), renderer)
    left = after_build(out, records, files, inputs, fingerprints.everywhere, page_count, checked, cache.memos,
                       live, cache.texts, planned, related_index)
    if parsed_ahead is not None:
        written.update(parsed_ahead.result())
    return result, replace(left, indexed=catalog.state, written=written, entries=cache.entries, joined=joined_layouts,
                           facets=planner.kept_facets())


SHARED_RENDER_COST = 200.0
"""A site built anew shares its pages out among processes from this total ``Page.cost`` on (a paper's
page is 1.0: about 0.2 ms of CPU time), however few they are: a worker's fork and hand-back cost
this process about 0.01 s. (The executor's own threshold counts pages, which left catalogs of up
to 950 papers rendering in one process: 0.3 s of CPU time at 600 papers.) A rebuild's costs say
less: the whole-catalog data files it renders are joined from kept pieces."""


def _search_files_kept(search: SearchIndex, pages: list[Page], previous: Mapping[str, str]) -> dict[str, str]:
    """The fingerprints in ``previous`` (the site's files) of the search index's files among
    ``pages`` whose text its update did not change (``SearchIndex.changed``: from the last
    update's, whose files the site holds: ``build``'s ``states_as_site``). A file without its whole
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


def _load_beside_imports(papers_dir: Path, out: Path, executor: Executor, use_cache: bool,
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
    stage starts: ``_load_beside_imports``), rather than beside related papers, where at 1,000
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
        if problems:
            # (the process beside may be writing the search state ahead: stopped before the failed
            # build removes what it wrote, or its segment would outlive that clean-up)
            checking.stop()
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


class _StageClock:
    """Wall time per pipeline stage, for ``build --timings`` and the benchmark, and this process's
    CPU time in each (``cpu``: on a busy machine, the figure that compares)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.last_cpu = time.process_time()
        self.stages: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.stages[stage] = now - self.last
        self.cpu[stage] = cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu

    def total(self) -> float:
        return self.last - self.started


def summary(result: BuildResult, out: Path) -> str:
    """The line a build prints: what it wrote, and how fast (or how little it had to redo)."""
    from phenomena_catalog.errors import counted

    built = (f"Built {out.as_posix()}/: {counted(result.pages, 'page')} for {counted(result.papers, 'paper')} "
             f"({counted(result.files, 'file')}) in {result.seconds:.2f} s")
    if result.incremental:
        return f"{built}: {result.rendered:,} re-rendered, {result.pages - result.rendered:,} unchanged."
    rate = result.pages / result.seconds if result.seconds else 0
    return f"{built} ({rate:,.0f} pages/s)."


def build_inputs(papers_dir: Path, templates_dir: Path, out: Path, config: Path | None) -> cache_store.Inputs:
    """Everything a build reads (``cache_store.Inputs``): the records folder, the catalog's templates
    and the theme, the settings file and the environment variables it reads, and where they all are."""
    settings = settings_file(config)
    return cache_store.Inputs(
        [papers_dir, *template_folders(templates_dir)], [settings],
        (str(papers_dir), str(templates_dir), str(out), str(settings), *(os.environ.get(v) or "" for v in ENVIRONMENT)))


def unchanged(out: Path, inputs: cache_store.Inputs | None, started: float) -> BuildResult | None:
    """What the last build of ``out`` wrote, when it was built from ``inputs`` as they are (``build_inputs``)
    and is as that build left it: then there is nothing to do, and nothing else is read."""
    with output_lock(out):
        found = cache_store.unchanged_site(out, inputs)
    if found is None:
        return None
    seconds = time.perf_counter() - started
    return BuildResult(found.papers, found.pages, found.files, seconds, {"check inputs": seconds},
                       rendered=0, incremental=True)


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""


def reuse_freed_memory() -> None:
    """glibc's malloc, for the rest of this process (and the workers it forks): every block up to
    32 MB from its heap, and up to 64 MB freed at the heap's top kept for the next blocks, rather
    than fresh pages mapped from the system for each block and returned when it is freed (glibc
    starts from 128 KB, and raises that only as large blocks are freed). The stages' temporary
    numpy arrays (1-2 MB each at 1,000 papers) then reuse memory instead of faulting in new pages
    (about 2 µs each here): related papers at 1,000 papers took 16,800 page faults and 0.141 s of
    CPU time, now 8,200 and 0.122 s. Only for a small catalog (``SMALL_CATALOG``): at 10,000
    papers it saved no page faults, and the largest process held 15 MB more. Nothing changes with
    another C library."""
    import ctypes  # (numpy imports it too)

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # (not glibc: no mallopt)
        return
    mallopt(M_MMAP_THRESHOLD, 32 << 20)
    mallopt(M_TRIM_THRESHOLD, 64 << 20)


SMALL_CATALOG = 5_000
"""A records folder of up to this many files is built with ``reuse_freed_memory``."""


def _small_catalog(papers: Path, listing: cache_store.Listing | None) -> bool:
    """Whether the records folder holds ``SMALL_CATALOG`` files or fewer (as ``listing`` saw it)."""
    if listing is not None:
        return len(listing.stamps) <= SMALL_CATALOG
    try:
        with os.scandir(papers) as entries:
            return sum(1 for _ in itertools.islice(entries, SMALL_CATALOG + 1)) <= SMALL_CATALOG
    except OSError:  # (the load stage says what is wrong)
        return False


def run(args: argparse.Namespace) -> int:
    started, started_cpu = time.perf_counter(), time.process_time()  # (CPU: the start-up's and imports')
    templates = templates_folder(args)
    executor, compiling = compile_beside_imports(templates, args.out, args.jobs, not args.no_cache) or (None, None)
    inputs = None if args.no_cache else build_inputs(args.papers, templates, args.out, args.config)
    result = unchanged(args.out, inputs, started)
    if result is None:
        listing = None if inputs is None else inputs.listing(args.papers)
        if _small_catalog(args.papers, listing):
            reuse_freed_memory()
        clock = _StageClock()
        digest = None if inputs is None else inputs.digest()
        clock.last, clock.last_cpu = started, started_cpu
        clock.lap("list inputs")
        # A site built anew starts its load stage before the settings are read and validated (0.1 s
        # of pydantic): the worker reads records meanwhile, on the other core.
        loading = (_load_beside_imports(args.papers, args.out, executor, not args.no_cache, listing)
                   if executor is not None else None)
        from phenomena_catalog.config import load_config  # (and pydantic: counted with the settings)

        try:
            config = load_config(args.config)
        except BaseException:
            if loading is not None:  # (its records are not needed: no worker is left reading them)
                loading.stop()
            raise
        clock.lap("settings")
        result = build_site(args.papers, templates, args.out, config, args.jobs, executor, use_cache=not args.no_cache,
                            inputs=digest, listing=listing, compiling=compiling, loading=loading)
        result = replace(result, stages={**clock.stages, **result.stages}, cpu={**clock.cpu, **result.cpu})
    print(summary(result, args.out))
    if args.timings:
        print(f"  {'start-up':<24} {'':>8} {started_cpu:6.3f} s CPU")
        for stage, seconds in result.stages.items():
            cpu = result.cpu.get(stage)
            print(f"  {stage:<24} {seconds:6.3f} s" + ("" if cpu is None else f" {cpu:6.3f} s CPU"))
        print(f"  {'whole process':<24} {'':>8} {time.process_time():6.3f} s CPU")
    return 0
