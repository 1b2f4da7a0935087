"""``phenomena-catalog build``: load -> check -> index -> plan -> render -> write the site."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from phenomena_catalog.catalog import index
from phenomena_catalog.config import SiteConfig, load_config
from phenomena_catalog.executors import Executor, ProcessExecutor, collector_frozen, collector_paused
from phenomena_catalog.pipeline import load_checked
from phenomena_catalog.plan import Page, plan
from phenomena_catalog.render import Renderer
from phenomena_catalog.theme import DEFAULT_TEMPLATES, STATIC, asset_folders, check_templates_folder
from phenomena_catalog.write import copy_assets, copy_static, make_folders, staging_folder, write_text

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
               jobs: int | None = None, executor: Executor | None = None) -> BuildResult:
    """Build the site: every stage in order. Raises UserError, leaving ``out`` untouched, on bad input.

    ``executor`` shares out parsing and rendering (default: one forked worker per core, or ``jobs``).
    """
    executor = executor or ProcessExecutor(jobs)
    clock = _StageClock()
    with collector_paused():
        records = load_checked(papers_dir, executor)
        clock.lap("load and check")
        catalog = index(records)
        clock.lap("index")
        pages = plan(catalog, config)
        renderer = Renderer(config, templates_dir, catalog.paper_terms)
        clock.lap("plan pages")
        with staging_folder(out) as staging, collector_frozen():
            make_folders(staging, (page.url for page in pages))

            def render_and_write(share: list[Page]) -> int:
                for page in share:
                    write_text(staging, page.url, renderer.render(page))
                return len(share)

            written = sum(executor.map_shares(render_and_write, pages, cost=lambda page: page.cost,
                                              together=lambda page: page.lists_papers))
            assert written == len(pages)
            clock.lap("render and write pages")
            files = len({f for assets in asset_folders(templates_dir) for f in copy_assets(assets, staging)})
            files += copy_static(templates_dir / STATIC, staging)
        clock.lap("assets and swap")
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


