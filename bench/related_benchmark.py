"""What related papers cost a build: the whole build with and without them, and the stage alone.

Usage (from the repository root):

    python bench/related_benchmark.py                 # 10,000 papers, 3 runs of each variant
    python bench/related_benchmark.py --sizes 1000 10000 50000 --runs 5

Catalogs come from build_benchmark.py's generator, written under /dev/shm. Each run is a fresh
process; "without" replaces the related-papers computation by empty lists (nothing else changes),
so the difference of the medians is the time related papers add. Compare variants within one
invocation: the machine's load moves both.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from build_benchmark import ROOT, generate

MEASURE = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from phenomena_catalog import related
from phenomena_catalog.commands import build
from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import SiteConfig
stage = [0.0]
real = related.related_in_catalog
def timed(catalog):
    began = time.perf_counter()
    found = real(catalog) if sys.argv[4] == "with" else {p.id: related.RelatedPapers() for p in catalog.papers}
    stage[0] = time.perf_counter() - began
    return found
build.related_in_catalog = timed
build_site(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), SiteConfig(), use_cache=False)
print(time.perf_counter() - started, stage[0])
"""


def run_once(papers: Path, out: Path, variant: str) -> tuple[float, float]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(papers), str(ROOT / "templates"), str(out), variant],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    wall, stage = proc.stdout.split()
    return float(wall), float(stage)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-related-bench"))
    args = parser.parse_args()

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"{'papers':>8} {'build without s':>16} {'build with s':>13} {'added s':>8} {'related stage s':>16}")
    for n in args.sizes:
        folder = work / f"papers-{n}"
        generate(n, folder)
        timings: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
        for index in range(args.runs):
            for variant in ("without", "with"):  # interleaved, so load drifts hit both alike
                out = work / f"site-{variant}-{index}"
                timings[variant].append(run_once(folder, out, variant))
                shutil.rmtree(out)
        without = statistics.median(w for w, _ in timings["without"])
        with_related = statistics.median(w for w, _ in timings["with"])
        stage = statistics.median(s for _, s in timings["with"])
        print(f"{n:>8,} {without:>16.2f} {with_related:>13.2f} {with_related - without:>8.2f} {stage:>16.2f}",
              flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
