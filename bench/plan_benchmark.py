"""CPU time of the plan stage and its heavy parts, in one process, from scratch and with memos.

Usage (from the repository root):

    python bench/plan_benchmark.py                       # 1,000 and 10,000 papers, 3 runs each
    python bench/plan_benchmark.py --sizes 10000 --runs 5

Catalogs come from build_benchmark.py's generator, written under /dev/shm. Each size is loaded
once, then each part is timed ``--runs`` times (CPU seconds of this process, the garbage collector
paused as a build pauses it) and the median printed:

- related: ``related_in_catalog`` (term counts, TF-IDF matrix, similarity search, same authors);
- search: ``build_search_index`` (postings, BM25, encoding, shards, facet and result files);
- plan: the whole stage, ``plan(catalog, config)`` (the two above and every page's context);
- plan with memos: the same with ``TextMemos`` filled by a previous plan, as an incremental
  rebuild has them (only the whole-catalog parts are computed again).

To compare two versions of the code, run it with each on ``PYTHONPATH``, interleaved (A B A B): the
machine's load moves both.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from build_benchmark import generate

from phenomena_catalog.catalog import Catalog
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.plan import TextMemos, plan
from phenomena_catalog.related import related_in_catalog
from phenomena_catalog.search_index import build_search_index


def cpu_median(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def measure(catalog: Catalog, config: SiteConfig, runs: int) -> tuple[float, float, float, float]:
    """Median CPU seconds of related papers, the search index, the plan, and the plan with memos."""
    memos = TextMemos()
    plan(catalog, config, memos=memos)
    memos.prune()
    return (cpu_median(lambda: related_in_catalog(catalog), runs),
            cpu_median(lambda: build_search_index(catalog), runs),
            cpu_median(lambda: plan(catalog, config), runs),
            cpu_median(lambda: plan(catalog, config, memos=memos), runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-plan-bench"))
    args = parser.parse_args()
    gc.disable()
    config = SiteConfig()
    print(f"{'papers':>8} {'related':>8} {'search':>8} {'plan':>8} {'plan with memos':>16}  (CPU s, median)")
    for size in args.sizes:
        papers = args.workdir / f"c{size}" / "papers"
        if not papers.is_dir():
            shutil.rmtree(papers.parent, ignore_errors=True)
            generate(size, papers)
        related, search, whole, with_memos = measure(read_catalog(papers), config, args.runs)
        print(f"{size:>8,} {related:>8.3f} {search:>8.3f} {whole:>8.3f} {with_memos:>16.3f}")
        gc.collect()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
