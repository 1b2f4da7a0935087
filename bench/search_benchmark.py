"""Measure the site's search against the alternatives: bytes one query downloads, build time, ranking.

Usage (from the repository root, with the test extra installed and Debian's chromium):

    python bench/search_benchmark.py                     # our index at 1,000 / 10,000 / 50,000 papers
    python bench/search_benchmark.py --alternatives      # also Pagefind and MiniSearch at 10,000
    python bench/search_benchmark.py --updates --sizes 10000 50000   # the index updated after one edit

What is measured, each in the same run:

- bytes fetched by one search: a fresh browser profile opens the built site's search page over HTTP
  with a query in the address, and the server counts every byte it sends (page, CSS, scripts,
  index files) until the results are drawn; the median and the largest over a set of queries;
- build time of the index alone (``build_search_index``; the rest of the build does not change),
  median of --runs;
- ranking on the bundled catalog: known papers that must be in the top five for their words, and a
  phrase found only in a digest;
- whether the search works from disk (file://);
- with --updates (no browser): CPU seconds of the index built from scratch and updated after one
  edit through ``SearchIndexState`` (a digest edit, an added paper), and the state's pickled size.

Alternatives (--alternatives; needs ``pip install 'pagefind[bin]'`` and npm for ``npm pack
minisearch``): Pagefind indexes the built paper pages (``python -m pagefind``) and a query loads
its WASM, metadata, index chunks and the top results' fragments through fetch(); MiniSearch
(vendored from npm) must hold the whole index in the page, so one query downloads all of it.
Everything is written under /dev/shm (tmpfs). Timings are medians; compare within one run.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from build_benchmark import generate  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SYNTHETIC_QUERIES = ["neural network", "double descent", "grokking transformer", "gene", "generalizaton",
                     "sharpness flat minima"]
"""Common words (long postings), a phrase, a rare pair, a prefix, a typo, a three-word query."""
KNOWN = [
    ("double descent", "Deep Double Descent: Where Bigger Models and More Data Hurt"),
    ("lottery ticket", "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks"),
    ("grokking", "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"),
    ("performance first gets worse", "Deep Double Descent: Where Bigger Models and More Data Hurt"),
]
"""(query, paper that must be in the top five); the last phrase is only in that paper's digest."""
SETTLED = ("/^(\\d+ papers?|No papers match)\\.$/.test(document.getElementById('search-status').textContent)"
           " && !document.getElementById('search-results').hasAttribute('aria-busy')")


def build(papers: Path, out: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    build_site(papers, ROOT / "templates", out, SiteConfig(), jobs=2, use_cache=False)


def index_seconds(papers: Path, runs: int) -> tuple[float, int, int]:
    """Median seconds of build_search_index, and the index's total bytes and file count."""
    from phenomena_catalog.pipeline import read_catalog
    from phenomena_catalog.search_index import build_search_index

    catalog = read_catalog(papers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        index = build_search_index(catalog)
        times.append(time.perf_counter() - started)
    return statistics.median(times), sum(len(t.encode()) for _, t in index.files), len(index.files)


def update_seconds(papers: Path, runs: int) -> dict[str, float]:
    """CPU seconds (medians of ``runs``) of the index built from scratch and updated after one edit,
    through a state that went through pickle as the build cache keeps it: a digest edit (every paper
    keeps its number: the terms of the edited paper are encoded again) and an added paper (every
    term is scored again, no unchanged paper's text read); and the state's pickled size and times."""
    import dataclasses
    import pickle

    from phenomena_catalog.catalog import Catalog, index_catalog
    from phenomena_catalog.pipeline import read_catalog
    from phenomena_catalog.search_index import SearchIndexState, build_search_index

    catalog = read_catalog(papers)
    topics, vocabulary = [entry.topic for entry in catalog.topics], list(catalog.vocabulary)

    def changed(number: int, added: bool) -> Catalog:
        found = list(catalog.papers)
        paper = found[number]
        digests = dict(catalog.digests)
        if added:
            paper = paper.model_copy(update={"id": f"added-{number}", "title": f"{paper.title} (again)"})
            found.append(paper)
        else:
            paper = paper.model_copy(update={"digest": f"{paper.digest or ''} A new sentence on grokking {number}."})
            found[number] = paper
        digests[paper.id] = f"edited-{number}"
        return dataclasses.replace(index_catalog(found, topics, vocabulary), digests=digests)

    def cpu(work: Callable[[], object]) -> float:
        started = time.process_time()
        work()
        return time.process_time() - started

    state = SearchIndexState()
    state.update(catalog)
    started = time.perf_counter()
    saved = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    dump = time.perf_counter() - started
    started = time.perf_counter()
    pickle.loads(saved)
    load = time.perf_counter() - started
    times: dict[str, list[float]] = {"cold": [], "digest edit": [], "added paper": []}
    # A digest edit as a build makes it: the state read from the build cache, updated, written back.
    import tempfile

    from phenomena_catalog import cache_store

    kept_in = Path(tempfile.mkdtemp(dir=papers.parent))
    cache_store.Store(kept_in).write({"memos": state}, None)
    cycle: dict[str, list[float]] = {"read": [], "write": [], "written": []}
    total = len(catalog.papers)
    for run in range(runs):  # interleaved, so the machine's load moves them alike
        number = (run + 1) * total // (runs + 1)
        times["cold"].append(cpu(lambda: build_search_index(catalog)))
        for kind, added in (("digest edit", False), ("added paper", True)):
            edited, copy = changed(number, added), pickle.loads(saved)
            times[kind].append(cpu(lambda: copy.update(edited)))  # noqa: B023 (called at once)
        edited = changed(number, False)
        started = time.perf_counter()
        store = cache_store.Store.open(kept_in)
        kept = store.field("memos")
        cycle["read"].append(time.perf_counter() - started)
        kept.update(edited)
        segments = {p.name for p in kept_in.glob("*.seg")}
        started = time.perf_counter()
        store.write({"memos": kept}, None)
        cycle["write"].append(time.perf_counter() - started)
        cycle["written"].append(sum(p.stat().st_size for p in kept_in.glob("*.seg") if p.name not in segments) / 1e3)
    shutil.rmtree(kept_in)
    return {**{kind: statistics.median(found) for kind, found in times.items()},
            "state MB": len(saved) / 1e6, "dump": dump, "load": load,
            **{kind: statistics.median(found) for kind, found in cycle.items()}}


def print_updates(sizes: list[int], runs: int, work: Path) -> None:
    print("Our index updated after one edit (CPU s, medians; the state pickled and loaded as the build cache does)")
    print("(read, write: wall s of a digest edit's state from and to the build cache; written: KB it added)")
    print(f"{'papers':>8} {'cold':>7} {'digest edit':>12} {'share':>6} {'added paper':>12} {'state MB':>9} "
          f"{'dump s':>7} {'load s':>7} {'read s':>7} {'write s':>8} {'written KB':>11}")
    for n in sizes:
        papers = work / f"papers-{n}"
        if not papers.is_dir():
            generate(n, papers)
        found = update_seconds(papers, runs)
        print(f"{n:>8,} {found['cold']:>7.3f} {found['digest edit']:>12.3f} "
              f"{found['digest edit'] / found['cold']:>6.1%} {found['added paper']:>12.3f} {found['state MB']:>9.1f} "
              f"{found['dump']:>7.3f} {found['load']:>7.3f} {found['read']:>7.3f} {found['write']:>8.3f} "
              f"{found['written']:>11.0f}", flush=True)


class Counter:
    """Bytes the test server sent since the last reset, by path."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}

    def total(self) -> int:
        return sum(self.sent.values())


@contextmanager
def serve(site: Path) -> Iterator[tuple[str, Counter]]:
    counter = Counter()

    class Counting(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def copyfile(self, source: Any, outputfile: Any) -> None:  # the body of a 200 response
            data = source.read()
            counter.sent[self.path] = counter.sent.get(self.path, 0) + len(data)
            outputfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Counting, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", counter
    finally:
        server.shutdown()


def query_bytes(browser: Any, url: str, counter: Counter, settled: str) -> tuple[int, dict[str, int]]:
    """Bytes one query downloads from a fresh profile (no cache)."""
    context = browser.new_context()
    page = context.new_page()
    counter.sent.clear()
    page.goto(url)
    page.wait_for_function(settled, timeout=60_000)
    page.wait_for_timeout(200)
    sent = dict(counter.sent)
    context.close()
    return sum(sent.values()), sent


def our_bytes(browser: Any, site: Path) -> list[tuple[str, int, dict[str, int]]]:
    from urllib.parse import quote_plus

    found = []
    with serve(site) as (base, counter):
        for query in SYNTHETIC_QUERIES:
            total, sent = query_bytes(browser, f"{base}search.html?q={quote_plus(query)}", counter, SETTLED)
            found.append((query, total, sent))
    return found


def our_ranking(browser: Any, site: Path) -> list[tuple[str, int | None]]:
    """For each known query, the expected paper's place in our results (None: not in the first 20)."""
    from urllib.parse import quote_plus

    places = []
    with serve(site) as (base, _):
        page = browser.new_page()
        for query, title in KNOWN:
            page.goto(f"{base}search.html?q={quote_plus(query)}")
            page.wait_for_function(SETTLED)
            titles = page.locator("#search-results .paper-title").all_inner_texts()
            places.append((query, titles.index(title) + 1 if title in titles else None))
        page.close()
    return places


def works_from_disk(browser: Any, url: str, settled: str) -> bool:
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function(settled, timeout=5000)
        return True
    except Exception:
        return False
    finally:
        page.close()


# -- Pagefind -----------------------------------------------------------------------------------

PAGEFIND_PAGE = """<!doctype html><meta charset="utf-8"><title>pagefind</title><script type="module">
const pagefind = await import("./pagefind/pagefind.js");
const query = new URLSearchParams(location.search).get("q");
const found = await pagefind.search(query);
const shown = await Promise.all(found.results.slice(0, 20).map(r => r.data()));
window.titles = shown.map(d => d.meta.title);
</script>"""


def pagefind(browser: Any, site: Path, bundled_site: Path) -> dict[str, Any]:
    from urllib.parse import quote_plus

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "papers/*.html"],
                   check=True, capture_output=True)
    seconds = time.perf_counter() - started
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(bundled_site), "--glob", "papers/*.html"],
                   check=True, capture_output=True)
    for folder in (site, bundled_site):
        (folder / "pagefind-search.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    size = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    done = "Array.isArray(window.titles)"
    with serve(site) as (base, counter):
        sizes = [query_bytes(browser, f"{base}pagefind-search.html?q={quote_plus(q)}", counter, done)[0]
                 for q in SYNTHETIC_QUERIES]
    places = []
    with serve(bundled_site) as (base, _):
        page = browser.new_page()
        for query, title in KNOWN:
            page.goto(f"{base}pagefind-search.html?q={quote_plus(query)}")
            page.wait_for_function(done)
            titles = page.evaluate("window.titles")
            places.append((query, titles.index(title) + 1 if title in titles else None))
        page.close()
    disk = works_from_disk(browser, (site / "pagefind-search.html").as_uri() + "?q=neural", done)
    return {"seconds": seconds, "index_bytes": size, "bytes": sizes, "ranking": places, "file": disk}


# -- MiniSearch ---------------------------------------------------------------------------------

MINISEARCH_BUILD = """
const MiniSearch = require(process.argv[2]);
const fs = require("fs");
const data = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const docs = data.papers.map((p, i) => ({id: i, title: p.title, authors: p.authors.join(" "),
  keywords: p.keywords.join(" "), venue: p.venue || "", digest: p.digest || ""}));
const started = process.hrtime.bigint();
const search = new MiniSearch({fields: ["title", "authors", "keywords", "venue", "digest"], storeFields: ["title"],
  searchOptions: {boost: {title: 3, authors: 2.5, keywords: 2}, prefix: true, fuzzy: 0.2, combineWith: "AND"}});
search.addAll(docs);
const index = JSON.stringify(search);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
fs.writeFileSync(process.argv[4], "window.MINISEARCH_INDEX = " + index + ";");
const queries = JSON.parse(process.argv[5]);
const ranked = queries.map(q => search.search(q).slice(0, 20).map(r => r.title));
console.log(JSON.stringify({seconds: seconds, bytes: Buffer.byteLength(index), ranked: ranked}));
"""


def minisearch(work: Path, site: Path, bundled_site: Path) -> dict[str, Any]:
    package = work / "minisearch"
    if not package.exists():
        subprocess.run(["npm", "pack", "minisearch@7.2.0", "--silent"], cwd=work, check=True, capture_output=True)
        package.mkdir()
        subprocess.run(["tar", "xzf", "minisearch-7.2.0.tgz", "-C", str(package)], cwd=work, check=True)
    module = package / "package" / "dist" / "cjs" / "index.cjs"
    script = work / "minisearch-build.js"
    script.write_text(MINISEARCH_BUILD, encoding="utf-8")
    queries = json.dumps([q for q, _ in KNOWN])

    def run(catalog_site: Path) -> dict[str, Any]:
        out = subprocess.run(["node", str(script), str(module), str(catalog_site / "papers.json"),
                              str(work / "minisearch-index.js"), queries], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    large, bundled = run(site), run(bundled_site)
    library = (package / "package" / "dist" / "umd" / "index.js").stat().st_size
    places = [(q, ranked.index(t) + 1 if t in ranked else None)
              for (q, t), ranked in zip(KNOWN, bundled["ranked"], strict=True)]
    return {"seconds": large["seconds"], "bytes": large["bytes"] + library, "ranking": places}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--alternatives", action="store_true", help="also measure Pagefind and MiniSearch at 10,000")
    parser.add_argument("--updates", action="store_true", help="only the index updated after one edit (no browser)")
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-search-bench"))
    args = parser.parse_args()
    if args.updates:
        print_updates(args.sizes, args.runs, args.workdir)
        return 0
    from playwright.sync_api import sync_playwright

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bundled = work / "bundled-site"
    build(ROOT / "papers", bundled)
    sites: dict[int, Path] = {}
    with sync_playwright() as playwright:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        print("Our index (search_index.py): one query, fresh browser profile, bytes sent by the server")
        print(f"{'papers':>8} {'index s':>8} {'index MB':>9} {'files':>6} {'median query KB':>16} "
              f"{'largest query KB':>17}  largest")
        for n in args.sizes:
            papers = work / f"papers-{n}"
            generate(n, papers)
            site = sites[n] = work / f"site-{n}"
            build(papers, site)
            seconds, size, count = index_seconds(papers, args.runs)
            measured = our_bytes(browser, site)
            sizes = [total for _, total, _ in measured]
            worst = max(measured, key=lambda m: m[1])
            print(f"{n:>8,} {seconds:>8.2f} {size / 1e6:>9.1f} {count:>6,} {statistics.median(sizes) / 1e3:>16.0f} "
                  f"{worst[1] / 1e3:>17.0f}  {worst[0]!r}", flush=True)
        print("\nRanking on the bundled catalog (place of the known paper; None = not in the first 20):")
        ours = our_ranking(browser, bundled)
        disk = works_from_disk(browser, (bundled / "search.html").as_uri() + "?q=grokking", SETTLED)
        print(f"  ours: {ours}; from file://: {'works' if disk else 'fails'}")
        if args.alternatives:
            n = 10000 if 10000 in sites else max(sites)
            pf = pagefind(browser, sites[n], bundled)
            print(f"  Pagefind: {pf['ranking']}; from file://: {'works' if pf['file'] else 'fails'}")
            ms = minisearch(work, sites[n], bundled)
            print(f"  MiniSearch: {ms['ranking']}; from file://: works (one script holds the whole index)")
            print(f"\nAt {n:,} papers: index build s / bytes of one query (median, largest)")
            ours_n = our_bytes(browser, sites[n])
            ours_s = index_seconds(work / f"papers-{n}", args.runs)[0]
            print(f"  ours       {ours_s:6.2f} s  {statistics.median(m[1] for m in ours_n) / 1e3:8.0f} KB "
                  f"{max(m[1] for m in ours_n) / 1e3:8.0f} KB")
            print(f"  Pagefind   {pf['seconds']:6.2f} s  {statistics.median(pf['bytes']) / 1e3:8.0f} KB "
                  f"{max(pf['bytes']) / 1e3:8.0f} KB  (index {pf['index_bytes'] / 1e6:.1f} MB on disk)")
            print(f"  MiniSearch {ms['seconds']:6.2f} s  {ms['bytes'] / 1e3:8.0f} KB {ms['bytes'] / 1e3:8.0f} KB"
                  "  (whole index, built by node)")
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
