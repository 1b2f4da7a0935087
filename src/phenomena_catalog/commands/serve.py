"""``phenomena-catalog serve``: build, serve the site on 127.0.0.1, rebuild when a source changes.

The server always serves the last good build: a rebuild that fails prints its problems and leaves
the site as it was, and the next save triggers another try. What the last build made (parsed
records, page fingerprints) stays in memory, so a rebuild re-renders only the pages an edit
touched; open pages then reload themselves: every HTML page the server sends (never the files a
``build`` writes) carries a small script listening for server-sent events on ``LIVE_PATH``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Indel

from phenomena_catalog import urls
from phenomena_catalog.build_cache import BuildCache, LiveState, read_cache, write_cache
from phenomena_catalog.commands.build import add_source_arguments, build, summary, templates_folder
from phenomena_catalog.config import DEFAULT_CONFIG_FILE, load_config
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import ProcessExecutor
from phenomena_catalog.models import Paper
from phenomena_catalog.plan import Page, PaperPage
from phenomena_catalog.records import load_papers
from phenomena_catalog.same_paper import NEAR_IDENTICAL
from phenomena_catalog.stray_files import is_editor_scratch
from phenomena_catalog.validate import check_paper, paper_facts
from phenomena_catalog.write import make_folders, output_lock, update_folder, write_text

NAME = "serve"
DESCRIPTION = """\
Build the site, serve it at http://127.0.0.1:PORT/ and rebuild whenever a record, the taxonomy,
a template or the settings change, re-rendering only the pages a change touches; open pages reload
themselves. An edit of a record's digest, note, title or links shows on its page at once, before
the rest of the site is rebuilt. A failed rebuild prints its problems and keeps serving the last
good site. Stop with Ctrl-C.

examples:
  phenomena-catalog serve
  phenomena-catalog serve --port 8080 --papers papers/
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument("--no-watch", action="store_true", help="serve without rebuilding on changes")


LIVE_PATH = "/__phenomena-catalog/live"
"""Where open pages listen for "the site changed" (server-sent events); no site file can be there."""

LIVE_SCRIPT = (
    f"<script>(function () {{ var seen = null, events = new EventSource({LIVE_PATH!r});"
    " events.onmessage = function (event) { if (seen === null) { seen = event.data; }"
    " else if (event.data !== seen) { location.reload(); } }; })();</script>\n"
).encode()
"""Reloads the page when the site's generation changes (after each successful rebuild)."""


class LiveReload:
    """The site's generation, bumped after each successful rebuild; listeners wait for a new one."""

    def __init__(self) -> None:
        self.generation = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        """The generation once it is past ``seen``, or the same after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen, timeout)
            return self.generation


class _PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder with the live-reload script in every HTML page; logs only errors."""

    live: LiveReload

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == LIVE_PATH:
            self._send_events()
            return
        file = Path(self.translate_path(self.path))
        if path.endswith("/") and file.is_dir():
            file = file / "index.html"
        if file.suffix != ".html" or not file.is_file():
            super().do_GET()
            return
        page = file.read_bytes()
        end = page.rfind(b"</body>")
        page = page[:end] + LIVE_SCRIPT + page[end:] if end >= 0 else page + LIVE_SCRIPT
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page)

    def _send_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.live.generation
        try:
            self.wfile.write(f"data: {seen}\n\n".encode())
            self.wfile.flush()
            while True:
                current = self.live.wait_past(seen, timeout=15)
                # A comment line keeps idle connections from timing out.
                self.wfile.write(f"data: {current}\n\n".encode() if current != seen else b": still here\n\n")
                self.wfile.flush()
                seen = current
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)


def start_server(site: Path, port: int, live: LiveReload | None = None) -> http.server.ThreadingHTTPServer:
    """Serve ``site`` on 127.0.0.1:port in a background thread, pages reloading on ``live.bump()``."""
    handler = type("PreviewHandler", (_PreviewHandler,), {"live": live or LiveReload()})
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                 functools.partial(handler, directory=str(site)))
    except OSError as err:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({err.strerror}); try --port {port + 1}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(args: argparse.Namespace) -> int:
    live = LiveReload()
    executor = ProcessExecutor(args.jobs)
    cache = read_cache(args.out)

    failed = False  # whether the last rebuild failed: then nothing is shown before the next succeeds

    def rebuild(changed: list[Path] | None = None) -> bool:
        nonlocal cache, failed
        shown = [] if failed else show_edited_records(changed or [], args.papers, args.out, cache)
        if shown:
            print(f"Shown: {', '.join(shown)} (rebuilding the rest of the site)", flush=True)
            live.bump()
            # What the cache says of these files is no longer true: the rebuild writes them again.
            if cache.site is not None:
                stale = dict.fromkeys(shown, "")
                cache = replace(cache, site=replace(cache.site, files={**cache.site.files, **stale}))
        try:
            config = load_config(args.config)
            with output_lock(args.out):  # never mixed with a 'build' of the same folder
                result, cache = build(args.papers, templates_folder(args), args.out, config, executor, cache)
        except UserError as err:
            print(err.report(), flush=True)
            print("The site was not updated; fix the problems above and save again.", flush=True)
            failed = True
            return False
        failed = False
        print(summary(result, args.out), flush=True)
        live.bump()
        return True

    if not rebuild() and not args.out.is_dir():
        return 1
    server = start_server(args.out, args.port, live)
    print(f"Serving {args.out.as_posix()}/ at http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl-C to stop)", flush=True)
    try:
        if args.no_watch:
            threading.Event().wait()
        else:
            watch_and_rebuild(args, rebuild)
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        server.shutdown()
        # The next build or serve starts from where this one left the site.
        write_cache(args.out, cache)
    return 0


PREVIEWED_FIELDS = frozenset({"digest", "note", "title", "links", "arxiv", "doi"})
"""The fields an edit of which is shown on the paper's page before the rebuild: the text and
links a contributor polishes while previewing. None of them files the paper under a term, so the
page is the one the rebuild makes but for related papers; the ones that could make it a duplicate
of another record are checked against every other record first (``_may_duplicate``)."""


def show_edited_records(changed: list[Path], papers_dir: Path, out: Path, cache: BuildCache) -> list[str]:
    """Write the pages of the edited records into ``out`` at once, before the rebuild; their URLs.

    Only when every change is an edit of a record's ``PREVIEWED_FIELDS``, valid on its own:
    anything else (a new record, a title, a template) waits for the rebuild, which checks the
    whole catalog first. The page is rendered from the last build's context with the new paper
    (so its related papers are the last build's until the rebuild is done); nothing else is read.
    """
    live = cache.live
    folder = papers_dir.resolve()
    if live is None or not changed or any(
            path.suffix != ".yaml" or path.name.startswith("_") or path.resolve().parent != folder
            or not path.is_file() for path in changed):
        return []
    loaded = load_papers([papers_dir / path.name for path in changed], None, cache.parsed)
    if loaded.problems or len(loaded.papers) != len(changed):
        return []
    pages = []
    for paper in loaded.papers:
        before = live.papers.get(paper.id)
        page = live.pages.get(urls.paper_url(paper.id))
        if (before is None or page is None or not isinstance(page.context, PaperPage) or check_paper(paper)
                or _filed(paper) != _filed(before) or _may_duplicate(paper, before, live, cache)):
            return []
        pages.append(Page(page.url, replace(page.context, paper=paper), page.cost))
    try:
        texts = {page.url: live.renderer.render(page) for page in pages}
        with output_lock(out), update_folder(out, removed=()) as staging:
            make_folders(staging, texts)
            for url, text in texts.items():
                write_text(staging, url, text)
    except UserError:
        return []  # the rebuild reports it
    return list(texts)


def _may_duplicate(paper: Paper, before: Paper, live: LiveState, cache: BuildCache) -> bool:
    """Whether an edit of ``paper``'s title or identifiers could make it the same paper as another
    record: the same arXiv id, DOI or title as any, or a title near-identical to any (stricter than
    the check stage, which compares each title with its neighbours only: the rebuild decides)."""
    facts = paper_facts(paper)
    if facts[1:] == paper_facts(before)[1:] and paper.arxiv == before.arxiv:
        return False
    others = [cache.checked.papers.get(live.digests[other]) for other in live.papers if other != paper.id]
    if any(other is None for other in others):
        return True
    known = [other for other in others if other is not None]
    if any(other.title == facts.title or (facts.arxiv and other.arxiv == facts.arxiv)
           or (facts.doi and other.doi == facts.doi) for other in known):
        return True
    return process.extractOne(facts.title, [other.title for other in known], scorer=Indel.normalized_similarity,
                              score_cutoff=NEAR_IDENTICAL) is not None


def _filed(paper: Paper) -> dict[str, object]:
    return {name: value for name, value in vars(paper).items() if name not in PREVIEWED_FIELDS}


def watch_and_rebuild(args: argparse.Namespace, rebuild: Callable[[list[Path]], bool]) -> None:
    """Rebuild after every batch of changes to records, templates or settings."""
    import watchfiles

    config_file = args.config or Path(DEFAULT_CONFIG_FILE)
    watched = [p for p in (args.papers, templates_folder(args), config_file) if p.exists()]
    out = args.out.resolve()

    def is_source(change: watchfiles.Change, path: str) -> bool:
        # The build's own staging folders appear beside the output; never react to them.
        resolved = Path(path).resolve()
        return out not in resolved.parents and not is_editor_scratch(resolved.name)

    announced = False
    # yield_on_timeout: the first (empty) batch arrives once the watcher is set up, so the
    # "Watching" line is only printed when a save can no longer be missed.
    for changes in watchfiles.watch(*watched, watch_filter=is_source, raise_interrupt=True,
                                    yield_on_timeout=True, rust_timeout=1000):
        if not changes:
            if not announced:
                shown = ", ".join(p.as_posix() for p in watched)
                print(f"Watching {shown} for changes.", flush=True)
                announced = True
            continue
        names = sorted({Path(path).name for _, path in changes})
        print(f"Changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}", flush=True)
        rebuild(sorted({Path(path) for _, path in changes}))
