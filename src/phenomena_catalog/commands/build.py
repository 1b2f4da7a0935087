"""``phenomena-catalog build``: its arguments, the build (``pipeline.build_site``: every stage in
order), and the line it prints. A build whose inputs are as the last one left them reads nothing
else (``unchanged``): the stages' modules are imported only when a build runs them."""

from __future__ import annotations

import argparse
import itertools
import os
import time
from dataclasses import replace
from pathlib import Path

from phenomena_catalog import cache_store
from phenomena_catalog.cache_store import CACHE_FOLDER
from phenomena_catalog.pipeline import (
    BuildResult,
    StageClock,
    build_site,
    compile_beside_imports,
    load_beside_imports,
)
from phenomena_catalog.settings_file import ENVIRONMENT, settings_file
from phenomena_catalog.theme import DEFAULT_TEMPLATES, check_templates_folder, template_folders
from phenomena_catalog.write import output_lock

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
        clock = StageClock(started, started_cpu)
        digest = None if inputs is None else inputs.digest()
        clock.lap("list inputs")
        # A site built anew starts its load stage before the settings are read and validated (0.1 s
        # of pydantic): the worker reads records meanwhile, on the other core.
        loading = (load_beside_imports(args.papers, args.out, executor, not args.no_cache, listing)
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
