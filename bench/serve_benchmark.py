"""How fast ``phenomena-catalog serve`` shows an edit: the time from saving a record to the server
sending the page with the edit, and to the rebuild's "Built" line.

    python bench/serve_benchmark.py --sizes 1000 10000 --runs 5

Each size gets a synthetic catalog (``build_benchmark.generate``) on tmpfs and one ``serve`` process;
each run appends a sentence to one record's digest and polls that paper's page every 5 ms until the
sentence is there. Medians of the runs; the first build (cold) is not counted.
"""

from __future__ import annotations

import argparse
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from build_benchmark import ROOT, generate  # noqa: E402


class Server:
    """A running ``serve`` of one catalog, with its output read line by line."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "phenomena_catalog", "serve", "--port", "0", "--papers", "papers",
             "--templates", "templates", "--out", "site"],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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

    def page(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.read().decode()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def one_edit(server: Server, papers: Path, n: int, run: int) -> tuple[float, float]:
    """Seconds from saving a record to its page showing the edit, and to the "Built" line."""
    paper_id = f"paper{(run * 7919 + 13) % n:06d}"
    record = papers / f"{paper_id}.yaml"
    marker = f"Serve edit {run}."
    text = record.read_text(encoding="utf-8").replace("\ndigest: |\n", f"\ndigest: |\n  {marker}\n", 1)
    started = time.perf_counter()
    record.write_text(text, encoding="utf-8")
    shown = built = None
    while shown is None or built is None:
        if shown is None and marker in server.page(f"papers/{paper_id}.html"):
            shown = time.perf_counter() - started
        try:
            line = server.lines.get(timeout=0.005)
        except queue.Empty:
            if server.process.poll() is not None:
                raise RuntimeError("serve stopped") from None
            continue
        if line.startswith("Built"):
            built = time.perf_counter() - started
        elif not line.startswith(("Changed:", "Shown:")):
            raise RuntimeError(f"serve said: {line}")
    return shown, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/phenomena-catalog-serve-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    print(f"medians of {args.runs} edits: seconds from saving a record to its page showing the edit / "
          "to the rebuild's end")
    for n in args.sizes:
        folder = args.workdir / f"catalog-{n}"
        generate(n, folder / "papers")
        shutil.copytree(ROOT / "templates", folder / "templates")
        server = Server(folder)
        try:
            runs = [one_edit(server, folder / "papers", n, run) for run in range(args.runs)]
        finally:
            server.stop()
        print(f"{n:>8,} papers: shown {statistics.median(r[0] for r in runs):.3f} s, "
              f"rebuilt {statistics.median(r[1] for r in runs):.3f} s", flush=True)
    shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
