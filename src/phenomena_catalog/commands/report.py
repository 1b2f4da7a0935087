"""``phenomena-catalog report``: the catalog's completeness and filing in figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.report import format_report

NAME = "report"
DESCRIPTION = """\
Print the share of records that have each field (authors, venue, digest, arXiv id or DOI, ...),
for the whole catalog and for each source list the records were imported from, then the records
by kind, the papers under each topic and how many keyword pages hold two papers or more. The
catalog is validated first, as by 'validate'.

example:
  phenomena-catalog report --papers papers/
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")


def run(args: argparse.Namespace) -> int:
    print(format_report(read_catalog(args.papers)), end="")
    return 0
