"""Benchmark the build on synthetic catalogs of N papers; prints wall time, pages, pages/s, peak memory.

Usage (from the repository root):

    python bench/build_benchmark.py                      # N = 1,000, 10,000, 50,000; 3 runs each
    python bench/build_benchmark.py --sizes 10000 --runs 5 --jobs 1 2   # compare worker counts

Records and sites are written under /dev/shm (tmpfs): on disk, deleting large trees makes timings
drift 2-4x. Each run is a fresh process (``phenomena-catalog build``) so start-up and imports count,
as they do for a user. Figures are medians over --runs; compare variants within one invocation.

Targets on a 2-core machine: bundled catalog < 1 s; 10,000 papers < 4 s; peak memory < 1 GB at 50,000.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPICS = [
    ("generalization", None), ("double-descent", "generalization"), ("grokking", "generalization"),
    ("memorization", "generalization"), ("lottery-ticket-hypothesis", None), ("neural-collapse", None),
    ("emergence", None), ("phase-transitions", "emergence"), ("neural-tangent-kernel", None),
    ("information-bottleneck", None), ("implicit-regularization", None), ("learning-dynamics", None),
    ("sgd", "learning-dynamics"), ("adaptive-methods", "learning-dynamics"),
    ("representation-learning", None), ("empirical-studies", None), ("scaling-laws", None),
    ("loss-landscape", None), ("interpretability", None), ("neuroscience", None),
]
FIRST = ("Alex Ana Boaz Chen Dana Eli Fei Gal Hana Ilya Jun Kai Lena Mia Nia Omar Priya Qi Ravi Sara "
         "Tom Uma Vera Wei Xin Yara Zoe Hugo Ines Jonas Karim Lucia Marek Noor Olga Pavel").split()
LAST = ("Smith Zhang Wang Kumar Garcia Müller Rossi Kim Nguyen Silva Cohen Ivanov Sato Okafor Haddad "
        "Novak Larsen Moreau Fischer Costa Lee Park Singh Ali Tanaka Jensen Dubois Kowalski Meyer "
        "Yilmaz Romero Petrov Hansen Bauer Rahman Ortiz Weber Suzuki Laurent Nakamura").split()
WORDS = ("neural network deep learning generalization training dynamics gradient descent stochastic "
         "overparameterized regime kernel feature representation loss landscape sharpness flat minima "
         "transformer attention scaling emergence phase transition lottery ticket sparse pruning "
         "memorization noise label double descent interpolation implicit bias regularization "
         "collapse layer width depth initialization optimizer momentum adaptive batch size").split()
VENUES = ["NeurIPS", "ICML", "ICLR", "COLT", "AISTATS", "JMLR", "TMLR", "AAAI", "CVPR", "ICLR Workshop"]


def zipf_choice(rng: random.Random, population: list[str], k: int, scale: float = 1.0) -> list[str]:
    """k distinct items with a long-tailed distribution (a few very common, most rare)."""
    chosen: list[str] = []
    while len(chosen) < k:
        index = min(int((rng.paretovariate(1.0) - 1) * scale), len(population) - 1)
        item = population[(index * 7919) % len(population)]
        if item not in chosen:
            chosen.append(item)
    return chosen


def digest(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(60, 160))]
    words[3] = f"**{words[3]}**"
    words[10] = f"`{words[10]}`"
    words[20] = f"[{words[20]}](https://example.org/{words[20]})"
    half = len(words) // 2
    return "\n".join(textwrap.wrap(" ".join(words[:half]), 96)) + "\n\n" + \
        "\n".join(textwrap.wrap(" ".join(words[half:]), 96)) + "\n"


def generate(n: int, folder: Path, seed: int = 1) -> None:
    """Write n synthetic but realistic records and a taxonomy into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    authors = [f"{f} {l}{'' if i < len(FIRST) * len(LAST) else i}"
               for i, (f, l) in enumerate((f, l) for l in LAST for f in FIRST)]
    authors += [f"{rng.choice(FIRST)} {rng.choice(LAST)}-{i}" for i in range(int(n * 1.5))]
    keywords = [" ".join(rng.sample(WORDS, 2)).title() for _ in range(max(50, n // 5))]
    topics_yaml = "".join(
        f"- id: {tid}\n  title: {tid.replace('-', ' ').capitalize()}\n"
        f"  description: Papers about {tid.replace('-', ' ')}.\n" + (f"  parent: {parent}\n" if parent else "")
        for tid, parent in TOPICS
    )
    (folder / "_topics.yaml").write_text(topics_yaml, encoding="utf-8")
    for i in range(n):
        year = rng.randint(2012, 2025)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))).capitalize() + f" {i}"
        record = {
            "title": title,
            "authors": zipf_choice(rng, authors, rng.randint(1, 7), scale=n / 40),
            "year": year,
            "month": rng.randint(1, 12),
            "venue": f"{rng.choice(VENUES)} {year}" if rng.random() < 0.7 else None,
            "topics": zipf_choice(rng, [t for t, _ in TOPICS], rng.randint(1, 3), scale=3),
            "keywords": zipf_choice(rng, keywords, rng.randint(2, 5), scale=n / 200),
            "links": {"paper": f"https://arxiv.org/abs/{year % 100:02d}{rng.randint(1, 12):02d}.{i:05d}"},
            "digest": digest(rng),
            "added": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        }
        lines = [f"title: {json.dumps(record['title'])}", "authors:"]
        lines += [f"  - {json.dumps(a, ensure_ascii=False)}" for a in record["authors"]]
        lines += [f"year: {year}", f"month: {record['month']}"]
        if record["venue"]:
            lines.append(f"venue: {record['venue']}")
        lines.append("topics: [" + ", ".join(record["topics"]) + "]")
        lines.append("keywords: [" + ", ".join(record["keywords"]) + "]")
        lines += ["links:", f"  paper: {record['links']['paper']}", "digest: |"]
        lines += [f"  {line}" if line else "" for line in record["digest"].splitlines()]
        lines.append(f"added: {record['added']}")
        (folder / f"paper{i:06d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


MEASURE = """
import resource, sys, time
from pathlib import Path
started = time.perf_counter()
from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import SiteConfig
jobs = int(sys.argv[4]) if sys.argv[4] != "0" else None
result = build_site(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), SiteConfig(), jobs)
wall = time.perf_counter() - started
main_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, result.pages, main_kb, child_kb)
"""


def run_once(papers: Path, out: Path, jobs: int) -> tuple[float, int, float, float]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(papers), str(ROOT / "templates"), str(out), str(jobs)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    wall, pages, main_kb, child_kb = proc.stdout.split()
    return float(wall), int(pages), int(main_kb) / 1024, int(child_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[0], help="worker counts to compare; 0 = all CPUs")
    parser.add_argument("--bundled", action="store_true", help="also time the bundled catalog in papers/")
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-bench"))
    args = parser.parse_args()

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    catalogs = [(f"{n:,} papers", work / f"papers-{n}") for n in args.sizes]
    for n, (_, folder) in zip(args.sizes, catalogs):
        generate(n, folder)
    if args.bundled:
        catalogs.insert(0, ("bundled catalog", ROOT / "papers"))

    print(f"{'catalog':>16} {'jobs':>4} {'wall s (median)':>16} {'pages':>7} {'pages/s':>8} "
          f"{'peak MB main':>12} {'peak MB worker':>14}")
    for label, folder in catalogs:
        for jobs in args.jobs:
            runs = []
            for index in range(args.runs):
                out = work / f"site-{index}"
                runs.append(run_once(folder, out, jobs))
                shutil.rmtree(out)
            wall = statistics.median(r[0] for r in runs)
            pages = runs[0][1]
            main_mb = max(r[2] for r in runs)
            worker_mb = max(r[3] for r in runs)
            print(f"{label:>16} {jobs or 'all':>4} {wall:>16.2f} {pages:>7,} {pages / wall:>8,.0f} "
                  f"{main_mb:>12.0f} {worker_mb:>14.0f}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
