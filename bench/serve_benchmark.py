"""How fast ``phenomena-catalog serve`` shows an edit: the time from saving a record to the server
sending the page with the edit, and to the rebuild's "Built" line.

    python bench/serve_benchmark.py --sizes 1000 10000 --runs 5
    python bench/serve_benchmark.py --variant before=OLD_CHECKOUT --variant after=.

Each size gets a synthetic catalog (``build_benchmark.generate``) on tmpfs and, for each variant
(a checkout of this repository whose ``src/`` the server runs; default: this one), one ``serve``
process on its own copy of the catalog. Each run makes one edit of each kind (``EDITS``: a record's
digest, authors, year, topics or keywords, a new record, a deleted record) to a different record,
in every variant in turn (interleaved, so the machine's load falls on all alike), and polls the
page every 5 ms until it shows the edit. Medians of the runs; the first build (cold) is not counted.
Besides the time to the "Built" line, the rebuild's own time as that line says (so what serve does around it shows).
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from build_benchmark import ROOT, TOPICS, WORDS, generate


class Server:
    """A running ``serve`` of one catalog, with its output read line by line."""

    def __init__(self, folder: Path, source: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(source / "src")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "phenomena_catalog", "serve", "--port", "0", "--papers", "papers",
             "--templates", "templates", "--out", "site"],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        stream = self.process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()
        self.url = ""
        while not self.next_line().startswith("Watching"):
            pass

    def next_line(self, timeout: float = 600) -> str:
        deadline = time.perf_counter() + timeout
        while True:
            try:
                line = self.lines.get(timeout=0.5)
                break
            except queue.Empty:
                if self.process.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError("serve stopped or went silent") from None
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if found:
            self.url = found.group(1)
        return line

    def page(self, path: str) -> tuple[int, str]:
        """The status and text of a page (404 and no text for a missing one)."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, ""

    def listen(self, path: str) -> None:
        """Open ``path`` as a browser would: listening for its live-reload events (until the server stops)."""
        events = urllib.request.urlopen(f"{self.url}__phenomena-catalog/live?page=/{path}", timeout=600)
        threading.Thread(target=lambda: [None for _ in events], daemon=True).start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


Shows = Callable[[int, str], bool]
"""Whether a page (its status and text) shows the edit."""

EDITS = ("digest", "authors", "year", "topics", "keywords", "new", "delete", "template")
"""The kinds of edit; "template" edits ``paper.html`` while the record's page is open (listening)."""


def edit_record(kind: str, papers: Path, paper_id: str, run: int) -> tuple[str, Shows]:
    """Make one edit of ``kind`` to the record ``paper_id``: the page to poll, and how to tell it shows it."""
    record = papers / f"{paper_id}.yaml"
    text = record.read_text(encoding="utf-8")
    page = f"papers/{paper_id}.html"

    def save(old: str, new: str) -> None:
        assert old in text, old
        record.write_text(text.replace(old, new, 1), encoding="utf-8")

    if kind == "digest":
        marker = f"Serve edit {run}."
        save("\ndigest: |\n", f"\ndigest: |\n  {marker}\n")
        return page, lambda status, html: marker in html
    if kind == "authors":
        marker = f"Ada Bench{run}"
        save("\nauthors:\n", f'\nauthors:\n  - "{marker}"\n')
        return page, lambda status, html: marker in html
    if kind == "year":
        year = int(re.search(r"^year: (\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
        save(f"\nyear: {year}\n", f"\nyear: {year - 1}\n")
        return page, lambda status, html: f'years/{year - 1}.html"' in html
    if kind == "topics":
        current = re.search(r"^topics: \[(.*)\]$", text, re.M).group(1).split(", ")  # type: ignore[union-attr]
        topic = next(t for t, _ in TOPICS if t not in current)
        save("\ntopics: [", f"\ntopics: [{topic}, ")
        return page, lambda status, html: f'tag-topic" href="../topics/{topic}.html"' in html
    if kind == "keywords":
        marker = f"Bench Keyword {run}"
        save("\nkeywords: [", f"\nkeywords: [{marker}, ")
        return page, lambda status, html: marker in html
    if kind == "new":
        new_id = f"benchnew{run:03d}"
        # A title near-identical to another record's (the last run's new record) could be a duplicate.
        marker = f"New record {run}: " + " ".join(random.Random(run).sample(WORDS, 8))
        text = re.sub(r"^title: .*$", f'title: "{marker}"', text, count=1, flags=re.M)
        # Another record's arXiv link would make it a duplicate.
        text = re.sub(r"^  paper: .*$", f"  paper: https://example.org/{new_id}", text, count=1, flags=re.M)
        (papers / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        return f"papers/{new_id}.html", lambda status, html: status == 200 and marker in html
    if kind == "delete":
        record.unlink()
        return page, lambda status, html: status == 404
    if kind == "template":
        template = papers.parent / "templates" / "paper.html"
        marker = f"<!-- template edit {run} -->"
        source = template.read_text(encoding="utf-8")
        template.write_text(source.replace("{% block content %}", "{% block content %}" + marker, 1), encoding="utf-8")
        return page, lambda status, html: marker in html
    raise ValueError(kind)


def one_edit(server: Server, papers: Path, kind: str, paper_id: str, run: int) -> tuple[float, float, float]:
    """Seconds from saving an edit to its page showing it and to the "Built" line, and the
    rebuild's own time (as the "Built" line says)."""
    if kind == "template":
        server.listen(f"papers/{paper_id}.html")
    started = time.perf_counter()
    path, shows = edit_record(kind, papers, paper_id, run)
    shown = built = None
    while shown is None or built is None:
        if shown is None and shows(*server.page(path)):
            shown = time.perf_counter() - started
        try:
            line = server.lines.get(timeout=0.005)
        except queue.Empty:
            if server.process.poll() is not None:
                raise RuntimeError("serve stopped") from None
            continue
        if line.startswith("Built"):
            built = time.perf_counter() - started
            took = float(re.search(r" in ([\d.]+) s", line).group(1))  # type: ignore[union-attr]
        elif "problem" in line or "not updated" in line:
            raise RuntimeError(f"serve said: {line}")
    return shown, built, took


def _rotated(items: list[tuple[str, Server]], by: int) -> list[tuple[str, Server]]:
    by %= len(items)
    return items[by:] + items[:by]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", nargs="+", choices=EDITS, default=list(EDITS))
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=DIR",
                        help="a checkout of this repository to run serve from (default: this one); repeat to compare")
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-serve-bench"))
    args = parser.parse_args()
    variants = dict(v.split("=", 1) for v in args.variant) or {"serve": str(ROOT)}
    shutil.rmtree(args.workdir, ignore_errors=True)
    print(f"medians of {args.runs} edits of each kind: seconds from saving to the page showing the edit "
          "/ to the rebuild's end", flush=True)
    for n in args.sizes:
        generated = args.workdir / f"catalog-{n}"
        generate(n, generated / "papers")
        shutil.copytree(ROOT / "templates", generated / "templates")
        servers: dict[str, Server] = {}
        found: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        try:
            for name, source in variants.items():
                shutil.copytree(generated, args.workdir / f"{name}-{n}")
                servers[name] = Server(args.workdir / f"{name}-{n}", Path(source).resolve())
            for run in range(args.runs):
                for k, kind in enumerate(args.edits):
                    paper_id = f"paper{((run * len(args.edits) + k) * 7919 + 13) % n:06d}"  # all different
                    # Each run in another order: the first variant of a pair does not always go first.
                    for name, server in _rotated(list(servers.items()), run + k):
                        papers = args.workdir / f"{name}-{n}" / "papers"
                        found.setdefault((kind, name), []).append(one_edit(server, papers, kind, paper_id, run))
        finally:
            for server in servers.values():
                server.stop()
        print(f"{n:,} papers | " + " | ".join(f"{name}: shown / rebuilt (build)" for name in variants))
        for kind in args.edits:
            cells = [f"{statistics.median(r[0] for r in found[kind, name]):.3f} / "
                     f"{statistics.median(r[1] for r in found[kind, name]):.2f} "
                     f"({statistics.median(r[2] for r in found[kind, name]):.2f})" for name in variants]
            print(f"  {kind:<9} | " + " | ".join(cells), flush=True)
    shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
