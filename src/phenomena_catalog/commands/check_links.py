"""``phenomena-catalog check-links``: ask every link of every record whether it still answers."""

from __future__ import annotations

import argparse
from pathlib import Path

from phenomena_catalog import linkcheck
from phenomena_catalog.errors import UserError, counted
from phenomena_catalog.linkcheck import Link, Policy
from phenomena_catalog.records import load_papers, record_files, require_folder

NAME = "check-links"
DESCRIPTION = """\
Ask every link in the records (links.paper, links.code, ...) whether it still answers: HEAD
first, then GET when HEAD is refused; transient failures (429, 5xx, timeouts) are retried with
exponential backoff. Each URL is asked once; one host's URLs are asked one at a time, a second
apart, and at most four hosts at once.

Prints each broken link as FILE:LINE: FIELD: WHAT: URL, then the links servers refused to a robot
(401, 403, 429: check those in a browser), then a count. Exits 1 when a link is broken.

example:
  phenomena-catalog check-links
  phenomena-catalog check-links --concurrency 2 --interval 2 --attempts 4
"""

REQUEST: linkcheck.Requester = linkcheck.urllib_request
"""How a link is asked; tests keep the real one and point records at a local server."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")
    parser.add_argument("--concurrency", type=int, default=linkcheck.CONCURRENCY, metavar="N",
                        help=f"hosts asked at once (default: {linkcheck.CONCURRENCY})")
    parser.add_argument("--interval", type=float, default=linkcheck.INTERVAL, metavar="SECONDS",
                        help=f"pause between two requests to one host (default: {linkcheck.INTERVAL:g})")
    parser.add_argument("--attempts", type=int, default=linkcheck.ATTEMPTS, metavar="N",
                        help=f"tries per link when failures look transient (default: {linkcheck.ATTEMPTS})")
    parser.add_argument("--backoff", type=float, default=linkcheck.BACKOFF, metavar="SECONDS",
                        help=f"wait before the first retry, doubled for each next one (default: {linkcheck.BACKOFF:g})")
    parser.add_argument("--timeout", type=float, default=linkcheck.TIMEOUT, metavar="SECONDS",
                        help=f"seconds to wait for an answer (default: {linkcheck.TIMEOUT:g})")


def run(args: argparse.Namespace) -> int:
    for option in ("concurrency", "attempts"):
        if getattr(args, option) < 1:
            raise UserError(f"--{option}: expected at least 1, got {getattr(args, option)}")
    for option in ("interval", "backoff"):
        if getattr(args, option) < 0:
            raise UserError(f"--{option}: expected 0 or more seconds, got {getattr(args, option):g}")
    if args.timeout <= 0:
        raise UserError(f"--timeout: expected a number of seconds above 0, got {args.timeout:g}")
    links = record_links(args.papers)
    policy = Policy(attempts=args.attempts, backoff=args.backoff, interval=args.interval,
                    concurrency=args.concurrency, timeout=args.timeout)
    outcomes = linkcheck.check_links(links, REQUEST, policy)
    broken = linkcheck.report_lines(links, outcomes, "broken")
    blocked = linkcheck.report_lines(links, outcomes, "blocked")
    for line in broken:
        print(line)
    if blocked:
        print("Refused to a robot (check these in a browser):")
        for line in blocked:
            print(f"  {line}")
    print(f"{counted(len(links), 'link')} ({counted(len(outcomes), 'distinct URL')}) checked: {len(broken)} broken, "
          f"{len(blocked)} refused to a robot.")
    return 1 if broken else 0


def record_links(papers_dir: Path) -> list[Link]:
    """Every link of every valid record, with the line it is written on."""
    require_folder(papers_dir)
    loaded = load_papers(record_files(papers_dir))
    if loaded.problems:
        raise UserError(loaded.problems)
    links = []
    for paper in loaded.papers:
        lines = loaded.lines_of(paper.id)
        links += [Link(paper.path, lines.get(f"links.{kind}"), f"links.{kind}", url)
                  for kind, url in paper.links.items()]
    return links
