"""``phenomena-catalog build``: load -> validate -> index -> render -> write the site."""

from __future__ import annotations

import argparse
import gc
import heapq
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from phenomena_catalog.catalog import read_catalog
from phenomena_catalog.config import SiteConfig, load_config
from phenomena_catalog.render import Page, SiteRenderer
from phenomena_catalog.theme import DEFAULT_TEMPLATES, STATIC, asset_folders, check_templates_folder
from phenomena_catalog.write import copy_assets, copy_static, staging_folder, write_text

NAME = "build"
HELP = "build the static site from the records"
DESCRIPTION = """\
Load and validate every record, then render the whole site into --out. The site is built in a
staging folder and swapped in only when the build succeeds: a failed build leaves the last good
site in place. Prints every problem (FILE:LINE: FIELD: MESSAGE) and exits 1 on invalid records.

examples:
  phenomena-catalog build
  phenomena-catalog build --papers papers/ --templates templates/ --out site/
"""

# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 2000


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


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, for the summary line."""

    papers: int
    pages: int
    files: int
    seconds: float
    stages: dict[str, float]
    """Seconds spent in each stage, in pipeline order."""


def build_site(papers_dir: Path, templates_dir: Path, out: Path, config: SiteConfig,
               jobs: int | None = None) -> BuildResult:
    """Build the site: every stage in order. Raises UserError, leaving ``out`` untouched, on bad input."""
    jobs = jobs or os.cpu_count() or 1
    clock = _StageClock()
    # Loading allocates a few hundred thousand long-lived objects and no garbage cycles: the cyclic
    # collector would rescan them over and over (about 20% of the load). Before rendering, which
    # does make cycles (Jinja's contexts), they are frozen out of its reach, which also keeps the
    # collector from touching, and so copying, the memory forked workers share.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        catalog = read_catalog(papers_dir, jobs)
        clock.lap("load, validate, index")
        renderer = SiteRenderer(catalog, config, templates_dir)
        pages = list(renderer.pages())
        clock.lap("plan pages")
        with staging_folder(out) as staging:
            _make_folders(staging, pages)
            gc.freeze()
            gc.enable()
            render_pages(renderer, pages, staging, jobs)
            clock.lap("render and write pages")
            files = len({f for assets in asset_folders(templates_dir) for f in copy_assets(assets, staging)})
            files += copy_static(templates_dir / STATIC, staging)
        clock.lap("assets and swap")
    finally:
        gc.unfreeze()
        # Restore the collector as it was, whichever stage failed (serve goes on after a failure).
        if gc_was_enabled:
            gc.enable()
        else:
            gc.disable()
    return BuildResult(len(catalog.papers), len(pages), len(pages) + files, clock.total(), clock.stages)


class _StageClock:
    """Wall time per pipeline stage, for ``build --timings`` and the benchmark."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self.last
        self.last = now

    def total(self) -> float:
        return self.last - self.started


def _make_folders(staging: Path, pages: list[Page]) -> None:
    for folder in sorted({os.path.dirname(page.url) for page in pages}):
        (staging / folder).mkdir(parents=True, exist_ok=True)


# Worker processes are forked after this is set, so they inherit the renderer (compiled templates,
# indexed catalog) instead of receiving it pickled.
_FORKED_STATE: tuple[SiteRenderer, list[Page], Path] | None = None


def _render_share(share: list[int]) -> int:
    assert _FORKED_STATE is not None
    renderer, pages, staging = _FORKED_STATE
    for index in share:
        page = pages[index]
        write_text(staging, page.url, renderer.render(page))
    return len(share)


def share_pages(pages: list[Page], jobs: int) -> list[list[int]]:
    """Split page indexes into ``jobs`` shares of about equal estimated cost.

    Every page that lists papers goes to the first share, so each paper's list entry is rendered
    once in one process rather than once per process; the other pages (mostly papers' own pages)
    fill the shares, each to the one with the least work so far.
    """
    shares: list[list[int]] = [[] for _ in range(jobs)]
    loads = [0.0] * jobs
    for index, page in enumerate(pages):
        if page.lists_papers:
            shares[0].append(index)
            loads[0] += page.cost
    heap = [(load, number) for number, load in enumerate(loads)]
    heapq.heapify(heap)
    for index, page in enumerate(pages):
        if not page.lists_papers:
            load, number = heapq.heappop(heap)
            shares[number].append(index)
            heapq.heappush(heap, (load + page.cost, number))
    return shares


def render_pages(renderer: SiteRenderer, pages: list[Page], staging: Path, jobs: int) -> None:
    """Render and write every page, spread over ``jobs`` processes where that pays off."""
    global _FORKED_STATE
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs == 1 or len(pages) < PARALLEL_THRESHOLD or not can_fork:
        for page in pages:
            write_text(staging, page.url, renderer.render(page))
        return
    _FORKED_STATE = (renderer, pages, staging)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            written = sum(pool.map(_render_share, share_pages(pages, jobs)))
    finally:
        _FORKED_STATE = None
    assert written == len(pages)


def summary(result: BuildResult, out: Path) -> str:
    """The line a build prints: what it wrote, and how fast."""
    rate = result.pages / result.seconds if result.seconds else 0
    return (f"Built {out.as_posix()}/: {result.pages:,} pages for {result.papers:,} papers "
            f"({result.files:,} files) in {result.seconds:.2f} s ({rate:,.0f} pages/s).")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    result = build_site(args.papers, templates_folder(args), args.out, config, args.jobs)
    print(summary(result, args.out))
    if args.timings:
        for stage, seconds in result.stages.items():
            print(f"  {stage:<24} {seconds:6.2f} s")
    return 0


