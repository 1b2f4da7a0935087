"""``phenomena-catalog add ARXIV_ID``: a new record from the paper's arXiv metadata.

Checks everything it can before asking arXiv (the id, the topics, whether the arXiv id is already
in the catalog), asks once, checks again (DOI, title), then writes one record atomically. Any
failure writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from phenomena_catalog import arxiv_ids
from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.ids import paper_id
from phenomena_catalog.importers import arxiv
from phenomena_catalog.record_writer import write_record
from phenomena_catalog.records import (
    TOPICS_FILE,
    load_papers,
    load_topics,
    record_files,
    require_folder,
)
from phenomena_catalog.schema import modeline
from phenomena_catalog.validate import arxiv_id_from_links, same_paper, unknown_topic_message

NAME = "add"
DESCRIPTION = """\
Fetch a paper's title, authors, date, abstract, DOI and journal reference from the arXiv API and
write papers/<id>.yaml, named {lastname}{year}{firstword} like Google Scholar's keys (the year of
the journal reference when it names one, as for imported papers). The abstract becomes the digest:
shorten it to what the paper shows. Refuses a paper that is already in the catalog (same arXiv id,
DOI or title) and names the file that has it. Nothing is written when arXiv cannot be reached or
does not know the paper.

ARXIV_ID may be written 2201.02177, arXiv:2201.02177v2, https://arxiv.org/abs/2201.02177,
https://arxiv.org/pdf/2201.02177v2.pdf or, for papers before 2007, hep-th/9901001.

example:
  phenomena-catalog add 2201.02177 --topic grokking
  phenomena-catalog add https://arxiv.org/abs/1812.11118v2 --topic double-descent --topic generalization
"""

TRANSPORT: arxiv.Transport = arxiv.urllib_transport
"""How the API is reached; tests replace it with recorded answers."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paper", metavar="ARXIV_ID_OR_URL", help="arXiv id or abs/pdf link")
    parser.add_argument("--topic", "-t", dest="topics", action="append", default=[], metavar="T",
                        help="topic id from papers/_topics.yaml; repeat for several")
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")


def run(args: argparse.Namespace) -> int:
    path = add_paper(args.paper, args.topics, args.papers, transport=TRANSPORT)
    print(f"wrote {display_path(path)}")
    print("Next: shorten the digest, add keywords and the venue, then run 'phenomena-catalog validate'.")
    return 0


def add_paper(source: str, topics: list[str], papers_dir: Path, transport: arxiv.Transport,
              today: dt.date | None = None) -> Path:
    """Fetch ``source`` from arXiv and write its record; returns the file written."""
    arxiv_id = arxiv_ids.parse(source)
    if arxiv_id is None:
        raise UserError(f"'{source}' is not an arXiv id or link; write it like 2201.02177, "
                        "arXiv:2201.02177v2, https://arxiv.org/abs/2201.02177 or hep-th/9901001")
    require_folder(papers_dir)
    topics = known_topics(topics, papers_dir)
    files = record_files(papers_dir)
    existing = load_papers(files).papers
    for paper in existing:
        if (paper.arxiv or arxiv_id_from_links(paper)) == arxiv_id:
            raise UserError(f"arXiv {arxiv_id} is already in the catalog: {paper.path}")

    found = arxiv.fetch(arxiv_id, transport=transport)
    record = arxiv.record_from_arxiv(found, topics, today or dt.date.today())
    duplicate = same_paper(record, existing)
    if duplicate is not None:
        paper, why = duplicate
        raise UserError(f"this paper is already in the catalog: {paper.path} ({why})")
    taken = {f.name.removesuffix(".yaml") for f in files}
    path = papers_dir / f"{paper_id(record.title, record.authors, record.year, record.venue, taken=taken)}.yaml"
    write_record(record, path, header=modeline(path, papers_dir))
    return path


def known_topics(topics: list[str], papers_dir: Path) -> list[str]:
    """The ``--topic`` values, each checked against the taxonomy; at least one is required."""
    known, _, problems = load_topics(papers_dir)
    if problems:
        raise UserError(problems)
    ids = [t.id for t in known]
    topics_path = display_path(papers_dir / TOPICS_FILE)
    if not topics:
        raise UserError(f"name at least one topic with --topic; the topics in {topics_path} are: "
                        + ", ".join(ids))
    unknown = [Problem("", None, "--topic", unknown_topic_message(t, ids, topics_path))
               for t in topics if t not in ids]
    if unknown:
        raise UserError(unknown)
    return list(dict.fromkeys(topics))
