"""``phenomena-catalog serve``: build, serve the site on 127.0.0.1, rebuild when a source changes.

The server always serves the last good build: a rebuild that fails prints its problems and leaves
the site as it was, and the next save triggers another try. What the last build made (parsed
records, pages, the renderer, page fingerprints) stays in memory: a saved record valid on its own
shows on its page at once (``show_early``), and the rebuild that follows re-renders only the
pages the edit touched. Open pages reload themselves when their page changed: every HTML page the
server sends (never the files a ``build`` writes) carries a small script listening for server-sent
events on ``LIVE_PATH`` about its own version (``LiveReload``)."""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Indel

from phenomena_catalog import urls
from phenomena_catalog.build_cache import BuildCache, LiveState, cache_file, file_fingerprint, read_cache, write_cache
from phenomena_catalog.cache_store import output_identity
from phenomena_catalog.catalog import TERM_KINDS, PaperTerms, Term, TopicEntry, index_catalog
from phenomena_catalog.commands.build import add_source_arguments, build_inputs, summary, templates_folder
from phenomena_catalog.config import DEFAULT_CONFIG_FILE, load_config
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import Executor, ProcessExecutor, SerialExecutor
from phenomena_catalog.models import Paper
from phenomena_catalog.pipeline import build
from phenomena_catalog.plan import CatalogJsonFile, Page, PaperPage, TemplateContext, TermsPage, TopicsPage
from phenomena_catalog.records import is_record_name, load_papers
from phenomena_catalog.related import RelatedPapers
from phenomena_catalog.render import Renderer
from phenomena_catalog.repository import RECORDS_FOLDER, edit_url
from phenomena_catalog.same_paper import NEAR_IDENTICAL
from phenomena_catalog.stray_files import is_editor_scratch
from phenomena_catalog.term_clashes import identity
from phenomena_catalog.theme import ASSETS, STATIC
from phenomena_catalog.validate import check_paper, paper_facts
from phenomena_catalog.write import copy_files, make_folders, output_lock, update_folder, write_text

if TYPE_CHECKING:
    import watchfiles

NAME = "serve"
DESCRIPTION = """\
Build the site, serve it at http://127.0.0.1:PORT/ and rebuild whenever a record, the taxonomy,
a template or the settings change, re-rendering only the pages a change touches. An edited or new
record shows on its page at once (a deleted one's page goes), before the rest of the site is
rebuilt; open pages reload themselves when they changed. A failed rebuild prints its problems and
keeps serving the last good site (with none yet, a page saying so) until a save fixes them. Stop with
Ctrl-C.

examples:
  phenomena-catalog serve
  phenomena-catalog serve --port 8080 --papers papers/
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument("--no-watch", action="store_true", help="serve without rebuilding on changes")


LIVE_PATH = "/__phenomena-catalog/live"
"""Where open pages listen for "this page changed" (server-sent events); no site file can be there."""

LIVE_SCRIPT = (
    "<script>(function () {{ var seen = {version!r}, events = new EventSource({path!r} + '?page='"
    " + encodeURIComponent(location.pathname));"
    " events.onmessage = function (event) {{ if (event.data !== seen) {{ location.reload(); }} }}; }})();</script>\n"
)
"""Reloads the page when its version (``LiveReload.version``) is no longer the one it was sent with."""


class LiveReload:
    """Which version of each page the site holds: a page's version changes when its file was
    written with other content (or removed), or when a file every page uses (CSS, scripts) changed.
    An open page listens for its own version, so it reloads when it changed and only then."""

    def __init__(self) -> None:
        self.generation = 0
        self._pages: dict[str, int] = {}
        self._everything = 0
        self._open: dict[str, int] = {}
        self._sent: dict[str, bytes] = {}
        self._changed = threading.Condition()

    def bump(self, pages: Iterable[str] | None = None) -> None:
        """Say that ``pages`` (site-relative URLs; None: every page) changed."""
        with self._changed:
            self.generation += 1
            if pages is None:
                self._everything = self.generation
            else:
                self._pages.update(dict.fromkeys(pages, self.generation))
            self._changed.notify_all()

    def version(self, page: str) -> str:
        return str(max(self._pages.get(page, 0), self._everything))

    def open_pages(self) -> list[str]:
        """The pages open in a browser now (listening), most recently opened last."""
        with self._changed:
            return [page for page, count in self._open.items() if count > 0]

    def wait_past(self, page: str, seen: str, timeout: float) -> str:
        """The page's version once it is not ``seen``, or the same after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.version(page) != seen, timeout)
            return self.version(page)

    def sent(self, page: str, text: bytes) -> None:
        """Note the text a page was last sent with."""
        with self._changed:
            self._sent[page] = hashlib.blake2b(text, digest_size=16).digest()

    def unlike_sent(self, pages: Iterable[str], out: Path) -> list[str]:
        """Those of ``pages`` that are not as they were last sent (a rebuild may write a page again
        as it was: one of its inputs changed in a way it does not show)."""
        with self._changed:
            sent = {page: self._sent.get(page) for page in pages}
        return [page for page, digest in sent.items() if digest is None or _digest_of(out / page) != digest]

    def listening(self, page: str, change: int) -> None:
        with self._changed:
            self._open[page] = self._open.pop(page, 0) + change


NOT_BUILT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The site is not built yet</title></head>
<body><h1>The site is not built yet</h1>
<p>Its first build failed: the problems are in the terminal where <code>phenomena-catalog serve</code> runs.
Fix them and save; this page reloads itself once the site is built.</p>
</body></html>
"""
"""What the server answers (503) while there is no site: its first build failed, and serve waits for a save."""


def _digest_of(file: Path) -> bytes | None:
    try:
        return hashlib.blake2b(file.read_bytes(), digest_size=16).digest()
    except OSError:
        return None


def site_page(path: str) -> str:
    """The site-relative URL of the file a request path names ("/" is "index.html")."""
    page = urllib.parse.unquote(path).lstrip("/")
    return page + "index.html" if page.endswith("/") or not page else page


class _PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder with the live-reload script in every HTML page; logs only errors.

    A missing page is answered with the site's 404 page, which reloads itself once the page is there."""

    live: LiveReload

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == LIVE_PATH:
            self._send_events()
            return
        if not os.path.isdir(self.directory):
            self._send_page(503, NOT_BUILT.encode(), site_page(path))
            return
        file = Path(self.translate_path(self.path))
        if path.endswith("/") and file.is_dir():
            file = file / "index.html"
        status = 200
        if file.suffix == ".html" and not file.exists():
            status, file = 404, Path(self.directory) / urls.NOT_FOUND
        if file.suffix != ".html" or not file.is_file():
            super().do_GET()
            return
        version = self.live.version(site_page(path))  # before reading: a write after it changes it
        page = file.read_bytes()
        if status == 200:
            self.live.sent(site_page(path), page)
        self._send_page(status, page, site_page(path), version)

    def _send_page(self, status: int, page: bytes, url: str, version: str | None = None) -> None:
        """Send an HTML page with the live-reload script for ``url`` at ``version`` (default: its current one)."""
        version = self.live.version(url) if version is None else version
        end = page.rfind(b"</body>")
        script = LIVE_SCRIPT.format(version=version, path=LIVE_PATH).encode()
        page = page[:end] + script + page[end:] if end >= 0 else page + script
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(page)

    def _send_events(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        page = site_page(query.get("page", ["/"])[0])
        seen = self.live.version(page)
        self.live.listening(page, +1)  # (before the answer: a client that has it is known to listen)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(f"data: {seen}\n\n".encode())
            self.wfile.flush()
            while True:
                current = self.live.wait_past(page, seen, timeout=15)
                # A comment line keeps idle connections from timing out.
                self.wfile.write(f"data: {current}\n\n".encode() if current != seen else b": still here\n\n")
                self.wfile.flush()
                seen = current
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded
        finally:
            self.live.listening(page, -1)

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
    # The first build is shared out over forked processes (``ProcessExecutor``): no other thread
    # runs yet. The rebuilds run while the server's and the watcher's threads do, so they stay in
    # this process: a child forked from a process with threads can wait forever on a lock that
    # another thread held at the fork (and ``Pending.result`` would wait for it).
    executor: Executor = ProcessExecutor(args.jobs)
    first_inputs = _inputs_digest(args)  # before the first build reads anything
    cache = read_cache(args.out)
    started_from = _cache_stamp(args.out)  # serve keeps its cache in memory and writes it when it stops

    failed = False  # whether the last rebuild failed: then nothing is shown before the next succeeds

    def rebuild(changed: list[Path] | None = None) -> bool:
        nonlocal cache, failed
        trusted = cache.files_in(args.out) is not None  # the cache describes the site as it is
        early = None if failed else show_early(changed or [], args.papers, templates_folder(args), args.out, cache,
                                               live.open_pages(), args.config)
        if early is not None:
            for line in early.lines:
                print(line, flush=True)
            live.bump(None if early.copied else [*early.written, *early.removed])
            # What the cache says of these files is no longer true: the rebuild writes them again
            # (or deletes them: a new record's page, should the record go before a rebuild succeeds).
            # The rest of the site is as the cache says (the early files changed the folder's identity).
            if cache.site is not None:
                stale = dict.fromkeys([*early.written, *early.removed, *early.copied], "")
                identity = output_identity(args.out) if trusted else cache.site.identity
                cache = replace(cache, site=replace(cache.site, files={**cache.site.files, **stale},
                                                    identity=identity or cache.site.identity))
        before = cache.site.files if cache.site is not None else None
        try:
            config = load_config(args.config)
            with output_lock(args.out):  # never mixed with a 'build' of the same folder
                result, cache = build(args.papers, templates_folder(args), args.out, config, executor, cache)
        except UserError as err:
            print(err.report(), flush=True)
            again = "run serve again" if args.no_watch else "save again"
            if args.out.is_dir():
                print(f"The site was not updated; fix the problems above and {again}.", flush=True)
            else:
                print(f"No site was built; fix the problems above and {again}"
                      f"{'' if args.no_watch else ': serve builds it then'}.", flush=True)
            failed = True
            return False
        failed = False
        pages = _changed_pages(before, cache, args.out, early)
        live.bump(None if pages is None else live.unlike_sent(pages, args.out))
        print(summary(result, args.out), flush=True)
        if cache.live is not None:
            _live_catalog(cache.live)  # made now, while waiting for the next save, not after it
        return True

    if not rebuild() and not args.out.is_dir() and args.no_watch:
        return 1  # (watching, it serves a page saying the site is not built until a save builds it)
    server = start_server(args.out, args.port, live)
    executor = SerialExecutor()
    print(f"Serving {args.out.as_posix()}/ at http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl-C to stop)", flush=True)
    try:
        if args.no_watch:
            threading.Event().wait()
        else:
            watch_and_rebuild(args, rebuild, lambda: _inputs_digest(args, first_inputs[1]) != first_inputs)
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        server.shutdown()
        # The next build or serve starts from where this one left the site, unless a 'build' in
        # another terminal kept a cache since: that one is newer, and describes the site as it is.
        with output_lock(args.out):
            if _cache_stamp(args.out) == started_from:
                write_cache(args.out, cache)
    return 0


def _cache_stamp(out: Path) -> tuple[int, int, int] | None:
    """Which cache a build of ``out`` last kept (its index file's inode, size and modification time):
    every build that keeps a cache replaces the file."""
    try:
        found = os.stat(cache_file(out))
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def _inputs_digest(args: argparse.Namespace, recent: tuple[str, ...] | None = None) -> tuple[str, tuple[str, ...]]:
    """The digest of what a build reads (``build_inputs``) and the files in it by their content;
    with ``recent`` (those of an earlier digest), exactly those by their content, so the two compare."""
    inputs = build_inputs(args.papers, templates_folder(args), args.out, args.config)
    # (None when too many files changed too recently, a fresh checkout: then every file by its stamp)
    return inputs.digest(recent) or inputs.digest(()) or ("", ())


THEME_FILES = "assets/"
"""Where the files every page loads (style sheets, scripts) are in the site (``write.copied_files``)."""


def _changed_pages(before: dict[str, str] | None, cache: BuildCache, out: Path,
                   early: Early | None) -> list[str] | None:
    """The pages a rebuild changed, from the files' fingerprints before and after it (None: every
    page, when it changed a file pages load, a style sheet or a script, or there was no site before).
    A page shown early is changed only if the rebuild wrote it otherwise."""
    after = cache.site.files if cache.site is not None else None
    if before is None or after is None:
        return None
    copied, removed = (early.copied, set(early.removed)) if early else ({}, set())
    changed = [url for url in after.keys() | before.keys()
               if before.get(url) != after.get(url) and copied.get(url, "") != after.get(url)
               and not (url in removed and url not in after)]
    if any(url.startswith(THEME_FILES) for url in changed):
        return None  # a style sheet, a script, an image of the theme
    pages = {url for url in changed if url.endswith(".html")}
    if any(url.startswith("search/") for url in changed):
        pages.add(urls.SEARCH)  # the search page loads its index
    for url, text in (early.written if early else {}).items():
        try:
            if url in pages and (out / url).read_text(encoding="utf-8") == text:
                pages.discard(url)
        except OSError:
            pass
    return sorted(pages)


@dataclass(frozen=True)
class Early:
    """What ``show_early`` put in the site before the rebuild."""

    written: dict[str, str]
    """Each page written, by URL, with its text (the rebuild's page may be the same: no reload then)."""
    removed: tuple[str, ...] = ()
    """The pages of deleted records, taken out of the site."""
    lines: tuple[str, ...] = ()
    """What to say on the console: one line per page, saying what waits for the rebuild."""
    copied: dict[str, str] = field(default_factory=dict)
    """Each theme file (style sheet, script) copied, by URL, with its fingerprint: every page changed."""


def show_early(changed: list[Path], papers_dir: Path, templates_dir: Path, out: Path, cache: BuildCache,
               open_pages: Iterable[str] = (), config_file: Path | None = None) -> Early | None:
    """Put what a batch of changes shows into ``out`` at once, before the rebuild: the pages of
    edited, new and deleted records (``show_records``), or after a template edit the ``open_pages``
    (those open in a browser) that use the template, and an edited style sheet or script
    (``show_templates``), or after a settings edit that only changes what pages say (the site's
    title, description, footer...) the open pages (``show_settings``). None when nothing was
    shown: the rebuild shows it all."""
    if cache.live is None or not changed:
        return None
    templates = templates_dir.resolve()
    if all(templates in path.resolve().parents for path in changed):
        return show_templates(changed, templates_dir, out, cache.live, open_pages)
    settings = (config_file or Path(DEFAULT_CONFIG_FILE)).resolve()
    if all(path.resolve() == settings for path in changed):
        return show_settings(config_file, templates_dir, out, cache.live, open_pages)
    return show_records(changed, papers_dir, out, cache)


PRESENTED_SETTINGS = frozenset({"title", "description", "search_placeholder", "footer", "data_license"})
"""The settings that only change what pages say, not which pages there are or what they list (the
site's title names the Atom feeds too, but a feed is no open page: it follows with the rebuild)."""


def show_settings(config_file: Path | None, templates_dir: Path, out: Path, live: LiveState,
                  open_pages: Iterable[str]) -> Early | None:
    """After a settings edit that changes only ``PRESENTED_SETTINGS``: the open pages, rendered
    with the new settings. Nothing when the settings are invalid (the rebuild reports it)."""
    try:
        config = load_config(config_file)
    except UserError:
        return None
    before = live.renderer.config
    edited = [name for name in type(config).model_fields if getattr(config, name) != getattr(before, name)]
    if not edited or not set(edited) <= PRESENTED_SETTINGS:
        return None
    shown = [url for url in dict.fromkeys(open_pages) if url in live.pages
             and isinstance(live.pages[url].context, TemplateContext)][-OPEN_PAGES_SHOWN:]
    try:
        renderer = Renderer(config, templates_dir, live.renderer.paper_terms, live.renderer.texts)
        texts = {url: renderer.render(live.pages[url]) for url in shown}
        if not texts:
            return None
        _put_in_site(out, texts)
    except UserError:
        return None
    return Early(texts, (), tuple(f"Shown: {url} ({', '.join(edited)} edited); rebuilding the rest of the site"
                                  for url in texts))


def show_records(changed: list[Path], papers_dir: Path, out: Path, cache: BuildCache) -> Early | None:
    """Put the pages of edited, new and deleted records into ``out`` at once, before the rebuild.

    Only when every change is to a record file, and each edited or new record is valid on its own
    and cannot clash with another (a duplicate, a name sharing a page with another name, an
    unknown topic): anything else waits for the rebuild, which checks the whole catalog first.
    A page is rendered with the last build's renderer, its terms (topics, authors, venue, year,
    keywords) looked up in the last build's catalog; a term no other paper has yet gets its page
    with the rebuild, and so do related papers (the last build's until then). Nothing else is read.
    """
    live = cache.live
    folder = papers_dir.resolve()
    if live is None or any(
            not is_record_name(path.name) or path.resolve().parent != folder
            for path in changed):
        return None
    present = [papers_dir / path.name for path in changed if path.is_file()]
    gone_ids = {path.stem for path in changed if not path.is_file() and path.stem in live.papers}
    gone = tuple(sorted(urls.paper_url(paper_id) for paper_id in gone_ids))
    loaded = load_papers(present, None, cache.parsed)
    if loaded.problems or len(loaded.papers) != len(present):
        return None
    catalog = _live_catalog(live)
    pages, lines = [], []
    for paper in loaded.papers:
        before = live.papers.get(paper.id)
        page = live.pages.get(urls.paper_url(paper.id))
        if before is not None and (page is None or not isinstance(page.context, PaperPage)):
            return None
        if before is None and page is not None:
            return None  # the address of another page (papers/index.html)
        terms = catalog.terms_of(paper)
        if (terms is None or check_paper(paper)
                or _may_duplicate(paper, before, live, cache, [p for p in loaded.papers if p is not paper],
                                  gone_ids)):
            return None
        # (looked up among the last build's terms: asking the pages would plan each term's page)
        new_terms = [term.url for term in _terms_in(terms)
                     if isinstance(term, Term) and (term.kind, term.slug) not in catalog.terms]
        later = [f"the new page{'s' if len(new_terms) > 1 else ''} {', '.join(new_terms)}"] if new_terms else []
        if page is not None:
            assert isinstance(page.context, PaperPage)
            pages.append(Page(page.url, replace(page.context, paper=paper, terms=terms), page.cost))
            edited = [name for name in type(paper).model_fields if getattr(paper, name) != getattr(before, name)]
            what = f"{', '.join(edited)} edited" if edited else "saved unchanged"
        else:
            config = live.renderer.config
            edit = edit_url(config.repository, config.branch, f"{RECORDS_FOLDER}/{paper.id}.yaml")
            url = urls.paper_url(paper.id)
            address = urls.absolute_url(config.base_url, url) if config.base_url else None
            pages.append(Page(url, PaperPage(paper, terms, edit, RelatedPapers(), address)))
            what, later = "new record", ["its related papers", *later]
        one = len(later) == 1 and len(new_terms) == 1
        comes = f"; {' and '.join(later)} come{'s' if one else ''} with the rebuild" if later else ""
        lines.append(f"Shown: {pages[-1].url} ({what}{comes}); rebuilding the rest of the site")
    lines += [f"Removed: {url} (record deleted); rebuilding the rest of the site" for url in gone]
    try:
        texts = {page.url: live.renderer.render(page) for page in pages}
        _put_in_site(out, texts, gone)
    except UserError:
        return None  # the rebuild reports it
    return Early(texts, gone, tuple(lines))


OPEN_PAGES_SHOWN = 20
"""At most this many open pages are rendered again at once after a template edit."""


def show_templates(changed: list[Path], templates_dir: Path, out: Path, live: LiveState,
                   open_pages: Iterable[str]) -> Early | None:
    """After an edit of the catalog's templates: the open pages that use them, rendered with the
    last build's contexts; after an edit of a style sheet or script in ``templates/assets/``, that
    file, copied into the site (every open page then reloads). Nothing when a template has an error
    (the rebuild reports it), or a file was deleted (the theme's own may take its place)."""
    folder = templates_dir.resolve()
    names, assets = set(), {}
    for path in changed:
        relative = path.resolve().relative_to(folder)
        if not path.is_file():
            return None
        if relative.parts[0] == ASSETS:
            assets[relative.as_posix()] = path
        elif relative.suffix == ".html" and relative.parts[0] != STATIC:
            names.add(relative.as_posix())
        else:
            return None  # templates/static/ (files put at the site's root), anything else: the rebuild's
    shown = [url for url in dict.fromkeys(open_pages) if url in live.pages][-OPEN_PAGES_SHOWN:]
    texts: dict[str, str] = {}
    try:
        if names and shown:
            renderer = Renderer(live.renderer.config, templates_dir, live.renderer.paper_terms, live.renderer.texts)
            texts = {url: renderer.render(live.pages[url]) for url in shown
                     if names & set(renderer.templates_of(live.pages[url]))}
        if not texts and not assets:
            return None
        with update_folder(out, removed=()) as staging:
            make_folders(staging, texts)
            for url, text in texts.items():
                write_text(staging, url, text)
            copy_files(staging, assets)
    except UserError:
        return None
    what = ", ".join(sorted(names | assets.keys()))
    lines = [f"Shown: {url} ({what} edited); rebuilding the rest of the site" for url in texts]
    lines += [f"Copied: {url} (edited); rebuilding the rest of the site" for url in assets]
    return Early(texts, (), tuple(lines), {url: file_fingerprint(path) for url, path in assets.items()})


def _put_in_site(out: Path, texts: dict[str, str], removed: tuple[str, ...] = ()) -> None:
    """Write ``texts`` into the served site and delete ``removed``, without waiting for a build
    of the same folder (a ``build`` in another terminal): each file is replaced in one rename, and
    the rebuild that follows (after that build) writes the whole site again."""
    with update_folder(out, removed=removed) as staging:
        make_folders(staging, texts)
        for url, text in texts.items():
            write_text(staging, url, text)


class _LiveCatalog:
    """The last build's terms and taxonomy, to file one edited record as the rebuild would."""

    def __init__(self, live: LiveState) -> None:
        self.terms: dict[tuple[str, str], Term] = {}
        for kind in TERM_KINDS:
            index_page = live.pages.get(urls.kind_index_url(kind))
            if index_page is not None and isinstance(index_page.context, TermsPage):
                self.terms.update(((kind, term.slug), term) for term in index_page.context.terms)
        self.topics: dict[str, TopicEntry] = {}
        roots = live.pages.get(urls.kind_index_url("topics"))
        todo = list(roots.context.roots) if roots is not None and isinstance(roots.context, TopicsPage) else []
        while todo:
            entry = todo.pop()
            self.topics[entry.id] = entry
            todo.extend(entry.children)
        data = live.pages.get(urls.CATALOG_JSON)
        whole = data.context if data is not None and isinstance(data.context, CatalogJsonFile) else None
        self.taxonomy = list(whole.topics) if whole is not None else []
        self.vocabulary = list(whole.vocabulary) if whole is not None else []

    def terms_of(self, paper: Paper) -> PaperTerms | None:
        """The terms ``paper`` is filed under, as the rebuild files it: the catalog's own terms
        (named by their most frequent spelling, keywords by the vocabulary's) and, for a name no
        other paper has, a new term. None when a topic is unknown or a name would share a page
        with a different name (the check stage reports both)."""
        if any(topic not in self.topics for topic in paper.topics):
            return None
        alone = index_catalog([paper], self.taxonomy, self.vocabulary).paper_terms[paper.id]
        found: dict[int, Term] = {}
        for term in (*alone.authors, alone.year, *((alone.venue,) if alone.venue else ()), *alone.keywords):
            known = self.terms.get((term.kind, term.slug))
            if known is not None and identity(known.name) != identity(term.name):
                return None
            found[id(term)] = known or term
        return PaperTerms(
            topics=tuple(self.topics[entry.id] for entry in alone.topics),
            authors=tuple(found[id(term)] for term in alone.authors),
            year=found[id(alone.year)],
            venue=found[id(alone.venue)] if alone.venue else None,
            keywords=tuple(found[id(term)] for term in alone.keywords),
        )


_CATALOGS: dict[int, tuple[LiveState, _LiveCatalog]] = {}


def _live_catalog(live: LiveState) -> _LiveCatalog:
    """The ``_LiveCatalog`` of one build's live state, made once (the last one only is kept)."""
    found = _CATALOGS.get(id(live))
    if found is None or found[0] is not live:
        _CATALOGS.clear()
        found = _CATALOGS[id(live)] = (live, _LiveCatalog(live))
    return found[1]


def _terms_in(terms: PaperTerms) -> list[Term | TopicEntry]:
    return [*terms.topics, *terms.authors, terms.year, *((terms.venue,) if terms.venue else ()), *terms.keywords]


def _may_duplicate(paper: Paper, before: Paper | None, live: LiveState, cache: BuildCache,
                   batch: list[Paper], gone: set[str]) -> bool:
    """Whether ``paper`` (new, or edited from ``before``) could be the same paper as another
    record: the same arXiv id, DOI or title as any, or a title near-identical to any (stricter than
    the check stage, which compares each title with its neighbours only: the rebuild decides).
    ``batch``: the other records saved at the same time; ``gone``: the ids of deleted ones."""
    facts = paper_facts(paper)
    if before is not None and facts[1:] == paper_facts(before)[1:] and paper.arxiv == before.arxiv:
        return False  # (another record of the batch that became its duplicate finds it)
    skipped = {other.id for other in batch} | gone
    others = [cache.checked.papers.get(live.digests[other]) for other in live.papers
              if other != paper.id and other not in skipped]
    if any(other is None for other in others):
        return True
    known = [other for other in others if other is not None] + [paper_facts(other) for other in batch]
    if any(other.title == facts.title or (facts.arxiv and other.arxiv == facts.arxiv)
           or (facts.doi and other.doi == facts.doi) for other in known):
        return True
    return process.extractOne(facts.title, [other.title for other in known], scorer=Indel.normalized_similarity,
                              score_cutoff=NEAR_IDENTICAL) is not None


def without_transient_files(changes: set[tuple[watchfiles.Change, str]]) -> set[tuple[watchfiles.Change, str]]:
    """A batch of watched changes without the files made and gone within it: a temporary copy
    renamed over a record (`sed -i`, editors that save safely) is not a source, and left in, it
    would hold back the record's early page. A record's name stays: deleted, made again and
    deleted in one batch, it is gone (the batch is a set: the order of its events is not known)."""
    import watchfiles

    transient = {path for change, path in changes if change == watchfiles.Change.added
                 and not is_record_name(Path(path).name) and not os.path.exists(path)}
    return {(change, path) for change, path in changes if path not in transient}


def watch_and_rebuild(args: argparse.Namespace, rebuild: Callable[[list[Path]], bool],
                      changed_since_start: Callable[[], bool] = lambda: False) -> None:
    """Rebuild after every batch of changes to records, templates or settings, and once the watcher
    is up, if ``changed_since_start()``: a save between the first build's start and then is in no batch."""
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
                # (compared before "Watching": a save after it is in the next batch)
                if changed_since_start():
                    print("Changed during the first build: rebuilding.", flush=True)
                    rebuild([])
                shown = ", ".join(p.as_posix() for p in watched)
                print(f"Watching {shown} for changes.", flush=True)
                announced = True
            continue
        changes = without_transient_files(changes)
        if not changes:
            continue
        names = sorted({Path(path).name for _, path in changes})
        print(f"Changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}", flush=True)
        rebuild(sorted({Path(path) for _, path in changes}))
