"""``phenomena-catalog export``: the catalog, or one topic, as a README, BibTeX or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phenomena_catalog.catalog import keyword_canonicalizer
from phenomena_catalog.config import load_config
from phenomena_catalog.errors import display_path
from phenomena_catalog.exporters import find_topic, topic_papers, topic_subtree
from phenomena_catalog.exporters.bibtex import bibtex_file
from phenomena_catalog.exporters.csl import csl_json
from phenomena_catalog.exporters.json import catalog_json
from phenomena_catalog.exporters.readme import readme_markdown
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.write import write_atomically

NAME = "export"
DESCRIPTION = """\
Write the whole catalog, or one topic and its subtopics, in another format:

  readme  an awesome-list README (## topics, collapsible years, key words, digests)
          that the awesome importer reads back into the same records
  bibtex  one BibTeX entry per paper, keyed by the record's id (UTF-8)
  json    papers, topics and keywords as one deterministic JSON document
  csl-json  citation items (CSL-JSON) for pandoc --citeproc, Zotero and citeproc

The text goes to standard output unless --out names a file. The records are validated
first; any problem is reported and nothing is written.

examples:
  phenomena-catalog export readme --out README.md
  phenomena-catalog export bibtex --topic grokking --out grokking.bib
  phenomena-catalog export json > papers.json
  phenomena-catalog export csl-json --topic grokking --out grokking.json
"""

FORMATS = ("readme", "bibtex", "json", "csl-json")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=FORMATS, metavar="FORMAT", help="readme, bibtex, json or csl-json")
    parser.add_argument(
        "--topic",
        metavar="T",
        default=None,
        help="only this topic (by id, e.g. grokking) and its subtopics",
    )
    parser.add_argument(
        "--papers",
        type=Path,
        default=Path("papers"),
        metavar="DIR",
        help="folder of paper records (default: papers/)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write to FILE instead of standard output",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="site settings, for the README's title and description "
        "(default: catalog.yaml if present)",
    )


def export_text(
    papers_dir: Path, fmt: str, topic: str | None = None, config_file: Path | None = None
) -> tuple[str, int]:
    """The exported text and the number of papers in it. Raises UserError on bad input."""
    catalog = read_catalog(papers_dir)
    topics = [entry.topic for entry in catalog.topics]
    keywords = list(catalog.vocabulary)
    papers = catalog.papers if topic is None else topic_papers(catalog, topic)
    if fmt == "bibtex":
        return bibtex_file(papers), len(papers)
    if fmt == "csl-json":
        return csl_json(papers, lambda p: [k.name for k in catalog.paper_terms[p.id].keywords]), len(papers)
    if fmt == "json":
        if topic is not None:
            kept = {entry.id for entry in topic_subtree(catalog, topic)}
            topics = [t for t in topics if t.id in kept]
            canonical = keyword_canonicalizer(keywords)
            used = {canonical(k).casefold() for p in papers for k in p.keywords}
            keywords = [k for k in keywords if k.name.casefold() in used]
        return catalog_json(papers, topics, keywords), len(papers)
    config = load_config(config_file)
    roots = None if topic is None else [find_topic(catalog, topic)]
    return readme_markdown(catalog, config.title, config.description, roots), len(papers)


def run(args: argparse.Namespace) -> int:
    text, count = export_text(args.papers, args.format, args.topic, args.config)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_atomically(args.out, text)
    what = f"topic '{args.topic}'" if args.topic else "the catalog"
    print(
        f"Wrote {count} paper{'s' if count != 1 else ''} from {what} to {display_path(args.out)} "
        f"({args.format}).",
        file=sys.stderr,
    )
    return 0
