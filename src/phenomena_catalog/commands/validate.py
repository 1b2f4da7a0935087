"""``phenomena-catalog validate``: check every record without writing a site."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from phenomena_catalog.errors import counted
from phenomena_catalog.pipeline import read_catalog

NAME = "validate"
DESCRIPTION = """\
Check every paper record, the topic taxonomy and the keyword vocabulary, and report every
problem as FILE:LINE: FIELD: MESSAGE. Exits 0 when the catalog is valid, 1 otherwise.

example:
  phenomena-catalog validate --papers papers/
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    catalog = read_catalog(args.papers)
    elapsed = time.perf_counter() - started
    print(f"{counted(len(catalog.papers), 'paper')} and {counted(len(catalog.topics), 'topic')} are valid "
          f"({elapsed:.2f} s).")
    return 0
