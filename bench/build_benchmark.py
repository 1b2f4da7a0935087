"""Benchmark builds on synthetic catalogs of N papers, against Hugo on the same papers when installed.

Usage (from the repository root; ``apt-get install hugo`` to compare with Hugo):

    python bench/build_benchmark.py                      # N = 1,000, 10,000, 50,000; 3 runs each
    python bench/build_benchmark.py --sizes 10000 --runs 5
    python bench/build_benchmark.py --sizes 200000 --runs 1 --scenarios cold
    python bench/build_benchmark.py --sizes 10000 --variants before=/tmp/old-checkout after=.

For each size it reports, as medians of --runs runs with the peak memory of the largest process:
Hugo building the same papers (``hugo_site.py``) from scratch; phenomena-catalog from scratch
(no output, no cache), warm (nothing changed), after one record's digest was edited, and after
the paper template was edited (``--scenarios`` picks some). Hugo and the cold build run one after
the other in every run (paired), so both meet the same load on a shared machine. Each build is a
fresh process, so start-up and imports count, as they do for a user; ``--help`` start-up is timed
too. A last line gives the cold build's peak memory of all its processes together (their
proportional set sizes summed, sampled every 0.2 s), what the machine must hold.

``--variants NAME=CHECKOUT ...`` compares versions of the code in one run: each run builds with
every variant in turn (interleaved, so all meet the same machine load), each variant running
``CHECKOUT/src`` with its own output folder and cache; a row per variant.

Everything is written under /dev/shm (tmpfs): on disk, deleting large trees makes timings drift 2-4x.
Targets on a 2-core machine: cold 10,000 papers <= 0.5x Hugo, 1,000 < 0.5 s, one edit at 10,000
<= 5% of cold, --help < 100 ms, 50,000 papers < 1 GB, 200,000 papers within 8 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hugo_site import write_hugo_site  # the benchmark's sibling module, after the path is set

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
    authors = [f"{first} {last}" for last in LAST for first in FIRST]
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


TOTAL_PEAKS: dict[tuple[int, str], list[float]] = {}
"""Per catalog size and variant, the cold builds' peak memory of all their processes together (MB)."""


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    tree, index = [pid], 0
    while index < len(tree):
        try:
            children = Path(f"/proc/{tree[index]}/task/{tree[index]}/children").read_text().split()
        except OSError:
            children = []
        tree += [int(child) for child in children]
        index += 1
    return tree


def _proportional_size(pid: int) -> float:
    """A process's proportional set size in MB: its private pages plus its share of shared ones."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class _TotalMemory(threading.Thread):
    """Samples the summed proportional set size of a process tree until the process ends."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, sum(_proportional_size(pid) for pid in _process_tree(self.pid)))


def timed(command: list[str], cwd: Path, total: list[float] | None = None,
          env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run ``command``; its wall time and CPU time (s, with its workers') and the peak memory (MB)
    of its largest process. On a shared machine the CPU time is the steadier figure. With
    ``total``, the peak of all its processes' memory together is appended to it (Linux only).

    ``wait4`` reports the child's resource use including the worker processes it waited for;
    ``ru_maxrss`` is then the largest of them (a forked worker shares most pages with its parent).
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    sampler = _TotalMemory(process.pid) if total is not None and Path("/proc/self/smaps_rollup").exists() else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if sampler:
        sampler.done.set()
        sampler.join()
        total.append(sampler.peak)  # type: ignore[union-attr]
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class Catalog:
    """One synthetic catalog of ``n`` papers and everything the scenarios change in it."""

    def __init__(self, n: int, work: Path, hugo: bool) -> None:
        self.n = n
        self.folder = work / f"catalog-{n}"
        self.papers = self.folder / "papers"
        self.variant = ""
        """The variant of the code that builds (``--variants``; "": this checkout's, as installed)."""
        generate(n, self.papers)
        shutil.copytree(ROOT / "templates", self.folder / "templates")
        for name, checkout in VARIANTS.items():
            shutil.copytree(checkout / "templates", self.folder / f"templates-{name}")
        self.hugo = self.folder / "hugo"
        if hugo:
            write_hugo_site(self.papers, self.hugo)

    @property
    def templates(self) -> Path:
        """The templates this variant builds with: its own checkout's, as templates may call what only
        that version of the code defines (a new template global)."""
        return self.folder / (f"templates-{self.variant}" if self.variant else "templates")

    @property
    def out(self) -> Path:
        return self.folder / (f"site-{self.variant}" if self.variant else "site")

    def build(self, total: list[float] | None = None) -> tuple[float, float, float]:
        jobs = ["--jobs", str(JOBS)] if JOBS else []
        # Python's compiled modules are kept (in the work folder, not the checkout), as an installed
        # package has them: a machine with PYTHONDONTWRITEBYTECODE set would otherwise time compiling
        # every module from source in every build (about 0.06 s of CPU).
        env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(self.folder.parent / "pycache")
        if self.variant:
            env["PYTHONPATH"] = str(VARIANTS[self.variant] / "src")
        return timed([sys.executable, "-m", "phenomena_catalog", "build", "--papers", str(self.papers),
                      "--templates", str(self.templates), "--out", str(self.out), *jobs], self.folder, total, env)

    def cold(self) -> tuple[float, float, float]:
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.rmtree(self.folder / ".phenomena-cache" / self.out.name, ignore_errors=True)
        return self.build(TOTAL_PEAKS.setdefault((self.n, self.variant), []))

    def one_edit(self, run: int) -> tuple[float, float, float]:
        record = self.papers / f"paper{(run * 7919) % self.n:06d}.yaml"
        text = record.read_text(encoding="utf-8")
        record.write_text(text.replace("\ndigest: |\n", f"\ndigest: |\n  Edit {run}.\n", 1), encoding="utf-8")
        return self.build()

    def template_edit(self, run: int) -> tuple[float, float, float]:
        template = self.templates / "paper.html"
        template.write_text(template.read_text(encoding="utf-8") + f"{{# edit {run} #}}\n", encoding="utf-8")
        return self.build()

    def hugo_cold(self) -> tuple[float, float, float]:
        shutil.rmtree(self.hugo / "public", ignore_errors=True)
        shutil.rmtree(self.hugo / "resources", ignore_errors=True)
        return timed([HUGO, "--quiet", "--source", str(self.hugo)], self.hugo)


HUGO = shutil.which("hugo")
JOBS: int | None = None
"""``build --jobs``, when --jobs is given (default: the build's own, one process per core)."""
SCENARIOS = ("hugo", "cold", "warm", "edit", "template")
VARIANTS: dict[str, Path] = {}
"""Each compared variant's checkout, by name (``--variants``)."""


def median_of(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the catalogs and sites in --workdir")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS),
                        help="what to time (default: all); warm, edit and template follow a cold build")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes per build (build --jobs); 1 holds the least memory")
    parser.add_argument("--variants", nargs="+", default=[], metavar="NAME=CHECKOUT",
                        help="compare these checkouts of the code, interleaved in every run (a row each)")
    args = parser.parse_args()
    global JOBS
    JOBS = args.jobs
    for variant in args.variants:
        name, _, checkout = variant.partition("=")
        if not name or not (Path(checkout) / "src" / "phenomena_catalog").is_dir():
            parser.error(f"--variants {variant}: expected NAME=CHECKOUT, a folder holding src/phenomena_catalog")
        VARIANTS[name] = Path(checkout).resolve()
    names = list(VARIANTS) or [""]
    chosen = set(args.scenarios)
    if chosen & {"warm", "edit", "template"}:
        chosen.add("cold")  # they rebuild what a cold build made
    hugo = HUGO if "hugo" in chosen else None

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    help_runs = [timed([sys.executable, "-m", "phenomena_catalog", "--help"], work) for _ in range(max(5, args.runs))]
    print(f"phenomena-catalog --help: {statistics.median(r[0] for r in help_runs) * 1000:.0f} ms (median)")
    if hugo:
        print(f"Hugo: {subprocess.run([hugo, 'version'], capture_output=True, text=True).stdout.split()[1]}")
    elif "hugo" in chosen:
        print("Hugo: not installed (apt-get install hugo); its column is left empty")
    print(f"medians of {args.runs} runs: wall s / CPU s / peak MB of the largest process")
    print(f"{'papers':>8} {'Hugo cold':>20} {'cold':>20} {'warm':>20} {'one edit':>20} {'template edit':>20}")
    for n in args.sizes:
        catalog = Catalog(n, work, hugo is not None)
        hugo_runs: list[tuple[float, float, float]] = []
        runs: dict[str, dict[str, list[tuple[float, float, float]]]] = {
            name: {scenario: [] for scenario in SCENARIOS[1:]} for name in names}
        for run in range(args.runs):
            # Paired: Hugo and a cold build one after the other, so both meet the same machine load.
            if hugo:
                hugo_runs.append(catalog.hugo_cold())
            for name in names:  # (interleaved: each variant once per run)
                catalog.variant = name
                found = runs[name]
                if "cold" in chosen:
                    found["cold"].append(catalog.cold())
                if "warm" in chosen:
                    found["warm"].append(catalog.build())
                if "edit" in chosen:
                    found["edit"].append(catalog.one_edit(run))
                if "template" in chosen:
                    found["template"].append(catalog.template_edit(run))

        def cell(runs: list[tuple[float, float, float]]) -> str:
            if not runs:
                return f"{'-':>20}"
            wall, cpu, peak = median_of(runs)
            return f"{f'{wall:.2f} / {cpu:.2f} / {peak:.0f}':>20}"

        for name in names:
            found = runs[name]
            label = f"{n:,} {name}" if name else f"{n:,}"
            print(f"{label:>8} {cell(hugo_runs)} {cell(found['cold'])} {cell(found['warm'])} {cell(found['edit'])} "
                  f"{cell(found['template'])}", flush=True)
        if not args.keep:
            shutil.rmtree(catalog.folder)
    for (n, name), peaks in TOTAL_PEAKS.items():
        if any(peaks):
            print(f"{n:>8,} papers{f' ({name})' if name else ''}, cold: all processes together peaked at "
                  f"{max(peaks):,.0f} MB (proportional set sizes summed; largest of {len(peaks)} runs)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
