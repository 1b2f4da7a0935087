"""What related papers cost a build: the whole build with and without them, and the stage alone;
with ``--updates``, what they cost after one edit (``RelatedIndex.update``) against from scratch.

Usage (from the repository root):

    python bench/related_benchmark.py                 # 10,000 papers, 3 runs of each variant
    python bench/related_benchmark.py --sizes 1000 10000 50000 --runs 5
    python bench/related_benchmark.py --updates --sizes 10000 50000 --runs 5

Catalogs come from build_benchmark.py's generator, written under /dev/shm. Each run is a fresh
process; "without" replaces the related-papers computation by empty lists (nothing else changes),
so the difference of the medians is the time related papers add. Compare variants within one
invocation: the machine's load moves both.

``--updates`` runs one process per size: it computes every paper's related papers from scratch
(a fresh ``RelatedIndex``), then, ``--runs`` times, edits one record's digest as
build_benchmark.py's one-edit scenario does and times, interleaved, a computation from scratch
(A) and the update of the kept index (B), checking they agree. CPU seconds, medians; the index's
size is its pickled size (what the build cache holds of it), its memory what tracemalloc saw it keep.
The kept index goes through the build cache as in a build (``cache_store``): read, updated, written
back; read and write are wall seconds, "written" the bytes of the segments a write added.
The garbage collector is paused while timing, as a build pauses it.
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
from phenomena_catalog.pipeline import build_site
from phenomena_catalog.config import SiteConfig
stage = [0.0]
real = related.related_in_catalog
def timed(catalog, *args, **kwargs):
    began = time.perf_counter()
    found = (real(catalog, *args, **kwargs) if sys.argv[4] == "with"
             else {p.id: related.RelatedPapers() for p in catalog.papers})
    stage[0] = time.perf_counter() - began
    return found
related.related_in_catalog = timed  # (the related papers stage imports it when it runs)
build_site(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), SiteConfig(), use_cache=False)
print(time.perf_counter() - started, stage[0])
"""


UPDATES = """
import gc, pickle, statistics, sys, time, tracemalloc
gc.disable()  # as a build pauses the collector during its stages
from pathlib import Path
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.related import RelatedIndex

catalog = read_catalog(Path(sys.argv[1]))
papers = list(catalog.papers)
keywords = {p.id: [k.name for k in catalog.paper_terms[p.id].keywords] for p in papers}
digests = {p.id: "0" for p in papers}

def update(index):
    started = time.process_time()
    found = index.update(papers, lambda p: keywords[p.id], digests=digests,
                         context=catalog.vocabulary)
    return time.process_time() - started, {k: [p.id for p in v.similar] for k, v in found.items()}

import scipy.sparse  # (imported before memory is traced: the index, not the library)
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
index = RelatedIndex()
cold, _ = update(index)
held = (tracemalloc.get_traced_memory()[0] - before) / 1e6
tracemalloc.stop()
size = len(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)) / 1e6
# Kept as a build keeps it: read from the build cache, updated, written back (what changed of it).
from phenomena_catalog import cache_store
kept_in = Path(sys.argv[3])
cache_store.Store(kept_in).write({"related_index": index}, None)
del index
scratch, updates, rows, reads, writes, written = [cold], [], [], [], [], []
for run in range(int(sys.argv[2])):
    k = (run * 7919) % len(papers)
    paper = papers[k]
    papers[k] = paper.model_copy(update={"digest": f"Edit {run}.\\n" + (paper.digest or "")})
    digests[paper.id] = f"edit {run}"
    started = time.perf_counter()
    store = cache_store.Store.open(kept_in)
    index = store.field("related_index")
    reads.append(time.perf_counter() - started)
    seconds, updated = update(index)  # B, then A: interleaved
    updates.append(seconds)
    segments = {p.name for p in kept_in.glob("*.seg")}
    started = time.perf_counter()
    store.write({"related_index": index}, None)
    writes.append(time.perf_counter() - started)
    written.append(sum(p.stat().st_size for p in kept_in.glob("*.seg") if p.name not in segments) / 1e3)
    rows.append(index.rows_recomputed)
    del store, index
    seconds, fresh = update(RelatedIndex())
    scratch.append(seconds)
    gc.collect()
    assert updated == fresh, "an update differs from a computation from scratch"
print(statistics.median(scratch), statistics.median(updates), max(updates), statistics.median(rows), size, held,
      statistics.median(reads), statistics.median(writes), statistics.median(written))
"""


def run_updates(papers: Path, runs: int, cache: Path) -> list[float]:
    shutil.rmtree(cache, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-c", UPDATES, str(papers), str(runs), str(cache)],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    shutil.rmtree(cache, ignore_errors=True)
    return [float(x) for x in proc.stdout.split()]


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
    parser.add_argument("--updates", action="store_true",
                        help="time one edit's update of the related papers against a computation from scratch")
    args = parser.parse_args()

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.updates:
        print(f"{'papers':>8} {'from scratch s':>15} {'one edit s':>11} {'slowest edit s':>15} {'rows scored':>12} "
              f"{'index MB':>9} {'kept MB':>8} {'read s':>7} {'write s':>8} {'written KB':>11}  (CPU, medians; "
              "read and write: wall, from and to the build cache)")
        for n in args.sizes:
            folder = work / f"papers-{n}"
            generate(n, folder)
            scratch, edit, slowest, rows, size, held, read, write, written = run_updates(folder, args.runs,
                                                                                         work / "cache")
            print(f"{n:>8,} {scratch:>15.3f} {edit:>11.3f} {slowest:>15.3f} {rows:>12.0f} {size:>9.1f} {held:>8.1f} "
                  f"{read:>7.3f} {write:>8.3f} {written:>11.0f}", flush=True)
        shutil.rmtree(work, ignore_errors=True)
        return 0
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
