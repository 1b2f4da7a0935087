"""``phenomena-catalog serve``: build, serve the site on 127.0.0.1, rebuild when a source changes.

The server always serves the last good build: a rebuild that fails prints its problems and leaves
the site as it was, and the next save triggers another try.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from collections.abc import Callable
from pathlib import Path

from phenomena_catalog.commands.build import add_source_arguments, build_site, summary, templates_folder
from phenomena_catalog.config import DEFAULT_CONFIG_FILE, load_config
from phenomena_catalog.errors import UserError

NAME = "serve"
HELP = "build the site, serve it on 127.0.0.1 and rebuild on every change"
DESCRIPTION = """\
Build the site, serve it at http://127.0.0.1:PORT/ and rebuild whenever a record, the taxonomy,
a template or the settings change. A failed rebuild prints its problems and keeps serving the last
good site. Stop with Ctrl-C.

examples:
  phenomena-catalog serve
  phenomena-catalog serve --port 8080 --papers papers/
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument("--no-watch", action="store_true", help="serve without rebuilding on changes")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder; logs only errors, so rebuild messages stay readable."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)


def start_server(site: Path, port: int) -> http.server.ThreadingHTTPServer:
    """Serve ``site`` on 127.0.0.1:port in a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as err:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({err.strerror}); try --port {port + 1}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(args: argparse.Namespace) -> int:
    def rebuild() -> bool:
        try:
            config = load_config(args.config)
            result = build_site(args.papers, templates_folder(args), args.out, config, args.jobs)
        except UserError as err:
            print(err.report(), flush=True)
            print("The site was not updated; fix the problems above and save again.", flush=True)
            return False
        print(summary(result, args.out), flush=True)
        return True

    if not rebuild() and not args.out.is_dir():
        return 1
    server = start_server(args.out, args.port)
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
    return 0


def watch_and_rebuild(args: argparse.Namespace, rebuild: Callable[[], bool]) -> None:
    """Rebuild after every batch of changes to records, templates or settings."""
    import watchfiles

    config_file = args.config or Path(DEFAULT_CONFIG_FILE)
    watched = [p for p in (args.papers, templates_folder(args), config_file) if p.exists()]
    out = args.out.resolve()

    def is_source(change: watchfiles.Change, path: str) -> bool:
        # The build's own staging folders appear beside the output; never react to them.
        resolved = Path(path).resolve()
        return out not in resolved.parents and not resolved.name.startswith(".")

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
        rebuild()
