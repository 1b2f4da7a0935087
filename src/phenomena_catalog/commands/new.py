"""``phenomena-catalog new``: start a record by hand, from a commented template or by questions.

Without a terminal (or with ``--no-interactive``) it writes a template whose comments are the
record format's own field docstrings, so the template never drifts from ``models.py``::

    # yaml-language-server: $schema=../schema/paper.schema.json
    # The paper's title, as printed on the paper. (required)
    title: ""
    ...

In a terminal it asks for each field instead, checks every answer as it is typed, and writes a
finished record named ``{lastname}{year}{firstword}.yaml``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from phenomena_catalog import arxiv_ids
from phenomena_catalog.errors import UserError, display_path
from phenomena_catalog.ids import paper_id
from phenomena_catalog.models import Doi, HttpUrl, Links, PaperRecord
from phenomena_catalog.record_writer import write_record
from phenomena_catalog.records import (
    TOPICS_FILE,
    load_papers,
    load_topics,
    record_files,
    require_folder,
)
from phenomena_catalog.schema import modeline
from phenomena_catalog.validate import (
    author_problem,
    same_paper,
    title_problems,
    unknown_topic_message,
)
from phenomena_catalog.write import write_atomically

NAME = "new"
DESCRIPTION = """\
In a terminal, ask for the paper's fields one by one (checking each answer) and write
papers/{lastname}{year}{firstword}.yaml. Otherwise, or with --no-interactive, write a commented
template to papers/new-paper.yaml: fill in the blanks, rename the file after the paper (e.g.
power2022grokking.yaml) and run 'phenomena-catalog validate'. For a paper on arXiv,
'phenomena-catalog add ARXIV_ID' fills everything in for you.

examples:
  phenomena-catalog new
  phenomena-catalog new --no-interactive --out papers/zhang2017understanding.yaml
"""

TEMPLATE_NAME = "new-paper"

# What a blank looks like for each field: required fields are left so that validation points at
# them until they are filled; optional ones are empty (null), which is valid as it stands.
_BLANKS: dict[str, str] = {"title": '""', "authors": "[]", "topics": "[]", "keywords": "[]"}
_TEMPLATE_LINKS = ("paper", "pdf", "code")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write the template to FILE (default: DIR/new-paper.yaml)")
    parser.add_argument("--interactive", action=argparse.BooleanOptionalAction, default=None,
                        help="ask for the fields (default: when standard input is a terminal)")


def run(args: argparse.Namespace) -> int:
    papers_dir: Path = args.papers
    require_folder(papers_dir)
    interactive = args.interactive if args.interactive is not None else sys.stdin.isatty()
    if interactive:
        path = ask_record(papers_dir, args.out)
        print(f"wrote {display_path(path)}; run 'phenomena-catalog validate' to check it.")
        return 0
    path = args.out or _free_path(papers_dir, TEMPLATE_NAME)
    if path.exists():
        raise UserError(f"{display_path(path)} already exists; pass another --out FILE")
    topic_ids = [t.id for t in load_topics(papers_dir)[0]]
    write_atomically(path, modeline(path, papers_dir) + template(topic_ids, dt.date.today()))
    print(f"wrote {display_path(path)}: fill in the blanks, rename it after the paper "
          "({lastname}{year}{firstword}.yaml), then run 'phenomena-catalog validate'.")
    return 0


def template(topic_ids: list[str], today: dt.date) -> str:
    """A blank record whose comments are the field docstrings of ``PaperRecord``."""
    lines = [
        "# A new paper record. Fill in the blanks; delete the lines you do not need.",
        "# Text with ': ' or a leading quote needs \"double quotes\". Check it: phenomena-catalog validate",
        "",
    ]
    for name, info in PaperRecord.model_fields.items():
        if name == "sources":
            continue  # written by importers only
        lines.append(f"# {_comment(info.description)}{' (required)' if info.is_required() else ''}")
        if name == "topics" and topic_ids:
            lines.append(f"# Known topics: {', '.join(topic_ids)}")
        if name == "links":
            lines.append("links:")
            for kind in _TEMPLATE_LINKS:
                lines += [f"  # {_comment(Links.model_fields[kind].description)}", f"  {kind}:"]
            others = [k for k in Links.model_fields if k not in _TEMPLATE_LINKS]
            lines.append(f"  # Also possible: {', '.join(others)}")
        elif name == "kind":
            lines.append("# kind: blog-post")  # a paper, the default, needs no line
        elif name == "added":
            lines.append(f"added: {today.isoformat()}")
        else:
            blank = _BLANKS.get(name, "")
            lines.append(f"{name}: {blank}".rstrip())
    return "\n".join(lines) + "\n"


def _comment(description: str | None) -> str:
    return (description or "").replace("``", "")


def _free_path(papers_dir: Path, stem: str) -> Path:
    path, n = papers_dir / f"{stem}.yaml", 1
    while path.exists():
        n += 1
        path = papers_dir / f"{stem}-{n}.yaml"
    return path


# ---------------------------------------------------------------- interactive

T = TypeVar("T")


def ask_record(papers_dir: Path, out: Path | None) -> Path:
    """Ask for each field on standard input, then write the record; returns its path."""
    known_topics, _, problems = load_topics(papers_dir)
    if problems:
        raise UserError(problems)
    topic_ids = [t.id for t in known_topics]
    topics_path = display_path(papers_dir / TOPICS_FILE)
    print("A new paper record. Optional questions can be left empty; Ctrl-C stops without writing.")
    print("(For a paper on arXiv, 'phenomena-catalog add ARXIV_ID' fills everything in.)")
    try:
        arxiv = _ask_optional("arXiv id or link (optional): ", _arxiv)
        submitted = arxiv_ids.submission_date(arxiv) if arxiv else None
        title = _ask("Title: ", _title)
        authors = _ask_optional("Authors, separated by commas: ", _authors) or []
        year = _ask(f"Year{f' [{submitted[0]}]' if submitted else ''}: ",
                    lambda v: _year(v, submitted[0] if submitted else None),
                    default=str(submitted[0]) if submitted else None)
        month = _ask_optional(f"Month, 1-12 (optional){f' [{submitted[1]}]' if submitted else ''}: ",
                              _month, default=str(submitted[1]) if submitted else None)
        venue = _ask_optional('Venue with year, e.g. "NeurIPS 2021" (optional): ', _text)
        topics = _ask(f"Topics, separated by commas ({', '.join(topic_ids)}): ",
                      lambda v: _topics(v, topic_ids, topics_path))
        keywords = _ask_optional("Keywords, separated by commas (optional): ", _list) or []
        doi = _ask_optional("DOI (optional): ", _validator(Doi))
        default_link = arxiv_ids.abs_url(arxiv) if arxiv else None
        paper_link = _ask_optional(
            f"Link to the paper{f' [{default_link}]' if default_link else ' (optional)'}: ",
            _validator(HttpUrl), default=default_link)
        code_link = _ask_optional("Link to the code (optional): ", _validator(HttpUrl))
        digest = _ask_optional("Digest: what the paper shows, in a sentence or two (optional): ", _text)
    except EOFError:
        raise UserError("the input ended before the record was complete; nothing was written") from None
    record = PaperRecord(
        title=title, authors=authors, year=year, month=month, venue=venue, topics=topics,
        keywords=keywords, links=Links(paper=paper_link, code=code_link), arxiv=arxiv, doi=doi,
        digest=digest, added=dt.date.today(),
    )
    files = record_files(papers_dir)
    duplicate = same_paper(record, load_papers(files).papers)
    if duplicate is not None:
        raise UserError(f"this paper is already in the catalog: {duplicate[0].path} ({duplicate[1]}); "
                        "nothing was written")
    taken = {f.name.removesuffix(".yaml") for f in files}
    path = out or papers_dir / f"{paper_id(record.title, record.authors, record.year, record.venue, taken=taken)}.yaml"
    if path.exists():
        raise UserError(f"{display_path(path)} already exists; nothing was written")
    write_record(record, path, header=modeline(path, papers_dir))
    return path


def _ask(prompt: str, convert: Callable[[str], T], default: str | None = None) -> T:
    """Ask until the answer converts; an empty answer takes the default, or is asked again."""
    while True:
        answer = input(prompt).strip() or (default or "")
        if not answer:
            print("  This one is required.")
            continue
        try:
            return convert(answer)
        except ValueError as err:
            print(f"  {err}")


def _ask_optional(prompt: str, convert: Callable[[str], T], default: str | None = None) -> T | None:
    """Like ``_ask``, but an empty answer (without a default) means None."""
    while True:
        answer = input(prompt).strip() or (default or "")
        if not answer:
            return None
        try:
            return convert(answer)
        except ValueError as err:
            print(f"  {err}")


def _validator(annotation: Any) -> Callable[[str], str]:
    adapter: TypeAdapter[str] = TypeAdapter(annotation)

    def convert(value: str) -> str:
        try:
            return adapter.validate_python(value)
        except ValidationError as err:
            error = err.errors(include_url=False)[0]
            raise ValueError(str((error.get("ctx") or {}).get("error", error["msg"]))) from None

    return convert


def _text(value: str) -> str:
    return " ".join(value.split())


def _title(value: str) -> str:
    problems = title_problems(value)
    if problems:
        raise ValueError(problems[0])
    return value


def _list(value: str) -> list[str]:
    return [item for item in (_text(part) for part in value.split(",")) if item]


def _authors(value: str) -> list[str]:
    # "A and B" is two authors here: split at commas and at the last " and ".
    names = _list(re.sub(r",?\s+and\s+", ", ", value))
    for name in names:
        problem = author_problem(name)
        if problem:
            raise ValueError(problem)
    return names


def _arxiv(value: str) -> str:
    found = arxiv_ids.parse(value)
    if found is None:
        raise ValueError(f"'{value}' is not an arXiv id or link; write it like 2201.02177")
    return found


def _year(value: str, arxiv_year: int | None) -> int:
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise ValueError(f"'{value}' is not a year; write it like 2022")
    if arxiv_year is not None and int(value) < arxiv_year:
        raise ValueError(f"{value} is before the paper appeared on arXiv ({arxiv_year}); "
                         "the year is the first publication's")
    return int(value)


def _month(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise ValueError(f"'{value}' is not a month; write a number from 1 to 12")
    return int(value)


def _topics(value: str, topic_ids: list[str], topics_path: str) -> list[str]:
    topics = _list(value)
    if not topics:
        raise ValueError("name at least one topic")
    for topic in topics:
        if topic not in topic_ids:
            raise ValueError(unknown_topic_message(topic, topic_ids, topics_path))
    return list(dict.fromkeys(topics))
