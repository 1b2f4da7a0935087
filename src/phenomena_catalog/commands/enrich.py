"""``phenomena-catalog enrich``: fill missing authors, month, venue, DOI and arXiv id from arXiv and OpenAlex.

Reads top to bottom: choose the records, ask arXiv (ids in batches, one request every 3 s), ask
OpenAlex (DOIs in batches, else one exact-title search per record), decide each record's changes
(``enrichment.plan_changes``), then write them in place (``record_text.set_fields``, atomically) or,
with ``--dry-run``, print them as a unified diff. Every question is asked before anything is
written, so a failed request writes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from phenomena_catalog import enrichment, webapi
from phenomena_catalog.enrichment import ENRICHED_FIELDS, Change, Found
from phenomena_catalog.errors import Problem, UserError, counted, display_path
from phenomena_catalog.importers import arxiv, openalex
from phenomena_catalog.model_errors import validation_problems
from phenomena_catalog.models import Paper, PaperRecord
from phenomena_catalog.record_text import set_fields
from phenomena_catalog.records import load_papers, record_files, require_folder
from phenomena_catalog.validate import arxiv_id_from_links, check_paper
from phenomena_catalog.write import write_atomically
from phenomena_catalog.yaml_lines import LineDict, key_lines, parse_yaml

NAME = "enrich"
DESCRIPTION = """\
Ask the arXiv API (papers with an arXiv id, 50 ids a request, one request every 3 seconds) and
OpenAlex (by DOI, 50 a request; else by exact title for what arXiv did not fill; five requests a
second at most) for each chosen record's missing metadata, and write it into the record: authors,
month of first publication, the published venue of a preprint, the DOI and the arXiv id. Never
abstracts. Papers, books and theses are looked up; blog posts, talks and reading lists are not.

A field that a record already has is kept: pass --force to replace values the sources disagree
with. Only the changed fields' lines are rewritten; comments and field order stay. --dry-run
prints a unified diff per record and writes nothing. Nothing is written either when a source
cannot be reached.

OpenAlex asks for a contact address (--mailto, or OPENALEX_MAILTO) and, beyond a small daily
budget, a free API key (OPENALEX_API_KEY). When OpenAlex stops answering half-way (out of
budget), what was found is written and the rest waits for the next run.

Exits 0 when the sources answered (values a record cannot take are listed on stderr and left
out), 1 when a source cannot be reached or a chosen record is not valid.

example:
  phenomena-catalog enrich --dry-run
  phenomena-catalog enrich --missing authors --limit 20 --mailto you@example.org
  phenomena-catalog enrich papers/nakkiran2020deep.yaml power2022grokking --source arxiv
"""

ARXIV_TRANSPORT: webapi.Transport = webapi.urllib_transport
OPENALEX_TRANSPORT: webapi.Transport = webapi.urllib_transport
"""How the APIs are reached; tests replace them with recorded answers."""
ARXIV_THROTTLE = webapi.Throttle(arxiv.REQUEST_INTERVAL)
OPENALEX_THROTTLE = webapi.Throttle(openalex.REQUEST_INTERVAL)
"""One pace per API for the whole process; tests replace their ``sleep``."""
SOURCES = ("arxiv", "openalex")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("records", nargs="*", metavar="RECORD",
                        help="record files or ids to enrich (default: every record)")
    parser.add_argument("--missing", action="append", default=[], choices=ENRICHED_FIELDS, metavar="FIELD",
                        help="only records missing FIELD (one of: " + ", ".join(ENRICHED_FIELDS) + "); "
                        "repeat for several")
    parser.add_argument("--limit", type=int, metavar="N", help="look up at most N records")
    parser.add_argument("--force", action="store_true",
                        help="replace fields the record has when a source says otherwise")
    parser.add_argument("--dry-run", action="store_true", help="print a diff per record; write nothing")
    parser.add_argument("--source", action="append", default=[], choices=SOURCES, dest="sources",
                        help="ask only this source (default: both); repeat for several")
    parser.add_argument("--mailto", default=os.environ.get("OPENALEX_MAILTO"), metavar="EMAIL",
                        help="contact address for OpenAlex's polite pool (default: $OPENALEX_MAILTO)")
    parser.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records (default: papers/)")


def run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit: expected a number of records of at least 1, got {args.limit}")
    catalog, papers = choose_records(args.papers, args.records, args.missing, args.force, args.limit)
    sources = args.sources or list(SOURCES)
    found, stopped = look_up(papers, sources, args.mailto, os.environ.get("OPENALEX_API_KEY") or None, args.force)
    planned, refused = [], []
    for paper in papers:
        changes, clashes = without_clashes(paper, enrichment.plan_changes(paper, found[paper.id], args.force),
                                           catalog)
        refused += clashes
        if changes:
            planned.append((paper, changes))
    edits, problems = prepare_edits(planned)
    refused += problems
    for paper, changes, old, new in edits:
        if args.dry_run:
            print("".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                               f"a/{paper.path}", f"b/{paper.path}")), end="")
        else:
            write_atomically(Path(paper.path), new)
            print(f"{paper.path}: {describe(changes)}")
    for problem in sorted(refused, key=Problem.sort_key):
        print(problem, file=sys.stderr)
    if stopped:
        print(stopped, file=sys.stderr)
    fields = sum(len(changes) for _, changes, _, _ in edits)
    verb = "would enrich" if args.dry_run else "enriched"
    tail = "; nothing was written" if args.dry_run else ""
    kept = f"; {counted(len(refused), 'value')} refused (see above)" if refused else ""
    print(f"{verb} {len(edits):,} of {counted(len(papers), 'record')} looked up "
          f"({counted(fields, 'field')}){kept}{tail}.")
    return 0


def choose_records(papers_dir: Path, chosen: list[str], missing: list[str], force: bool,
                   limit: int | None) -> tuple[list[Paper], list[Paper]]:
    """Every valid record, and those to look up: the named ones (or all), missing what was asked, at
    most ``limit``. A chosen record that is not valid stops the command (fix it first)."""
    require_folder(papers_dir)
    files = [_record_file(papers_dir, name) for name in chosen] if chosen else record_files(papers_dir)
    everything = load_papers(record_files(papers_dir))
    shown = {display_path(f) for f in files}
    broken = [p for p in everything.problems if p.path in shown]
    if broken:
        raise UserError(broken)
    papers = [p for p in everything.papers if p.path in shown]
    if missing:
        papers = [p for p in papers if set(missing) & set(enrichment.missing_fields(p))]
    elif not force:
        papers = [p for p in papers if enrichment.missing_fields(p)]
    papers = [p for p in papers if p.kind in enrichment.ENRICHED_KINDS]
    return everything.papers, papers[:limit] if limit is not None else papers


def _record_file(papers_dir: Path, name: str) -> Path:
    path = Path(name)
    if path.suffix == ".yaml" and path.is_file():
        if path.resolve().parent != papers_dir.resolve():
            raise UserError(f"{name}: not a record in {display_path(papers_dir)}/; pass --papers DIR for "
                            "another folder")
        return path
    by_id = papers_dir / f"{name.removesuffix('.yaml')}.yaml"
    if by_id.is_file():
        return by_id
    raise UserError(f"{name}: no such record; give a record file (papers/ID.yaml) or an id")


@dataclass(frozen=True)
class _Wanted:
    paper: Paper
    arxiv: str | None


def look_up(papers: list[Paper], sources: list[str], mailto: str | None, api_key: str | None,
            force: bool) -> tuple[dict[str, list[Found]], str | None]:
    """What each source says of each paper, by paper id (asking each source as little as it can),
    and why OpenAlex stopped early, if it did."""
    found: dict[str, list[Found]] = {p.id: [] for p in papers}
    wanted = [_Wanted(p, p.arxiv or arxiv_id_from_links(p)) for p in papers]
    if "arxiv" in sources:
        answers = arxiv.fetch_many([w.arxiv for w in wanted if w.arxiv], transport=ARXIV_TRANSPORT,
                                   throttle=ARXIV_THROTTLE)
        for want in wanted:
            if want.arxiv and want.arxiv in answers:
                found[want.paper.id].append(enrichment.from_arxiv(answers[want.arxiv]))
    stopped = None
    if "openalex" in sources:
        client = openalex.Client(transport=OPENALEX_TRANSPORT, mailto=mailto, api_key=api_key,
                                 throttle=OPENALEX_THROTTLE)
        try:
            _ask_openalex(client, wanted, found, force)
        except UserError as err:
            if not client.answered:
                raise  # offline or refused from the start: say so, write nothing
            # Out of daily budget half-way (OpenAlex answers 429): keep what was found.
            reason = err.report().removesuffix(f"; {webapi.NOTHING_WRITTEN}")
            stopped = (f"OpenAlex stopped answering after {client.answered} requests ({reason}); "
                       "the records not asked yet keep their gaps until the next run")
    return found, stopped


def _ask_openalex(client: openalex.Client, wanted: list[_Wanted], found: dict[str, list[Found]],
                  force: bool) -> None:
    # DOIs are asked 50 a request, so every chosen record with one is asked (OpenAlex's venue beats
    # arXiv's journal reference); a title search costs a request a record, so only records that
    # arXiv left incomplete are searched.
    dois = {w.paper.id: doi for w in wanted if (doi := _known_doi(w.paper, found[w.paper.id]))}
    by_doi = client.works_by_doi(list(dois.values())) if dois else {}
    for want in wanted:
        doi = dois.get(want.paper.id)
        work = by_doi.get(doi.lower()) if doi else None
        if work is None and (force or _still_missing(want.paper, found[want.paper.id])):
            work = enrichment.pick_work(want.paper, client.works_by_title(want.paper.title))
        if work is not None:
            found[want.paper.id].append(enrichment.from_openalex(work))


def _still_missing(paper: Paper, found: list[Found]) -> bool:
    """Whether the record would still lack a field after what was found so far."""
    filled = {change.field for change in enrichment.plan_changes(paper, found)}
    return bool(set(enrichment.missing_fields(paper)) - filled)


def _known_doi(paper: Paper, found: list[Found]) -> str | None:
    return paper.doi or next((f.doi for f in found if f.doi), None)


def without_clashes(paper: Paper, changes: list[Change], catalog: list[Paper]) -> tuple[list[Change], list[Problem]]:
    """The changes that give no other record's arXiv id or DOI to this one, and the refused ones."""
    kept, refused = [], []
    for change in changes:
        other = next((p for p in catalog if p.id != paper.id and change.field in ("arxiv", "doi")
                      and str(getattr(p, change.field) or "").lower() == str(change.new).lower()), None)
        if other is None:
            kept.append(change)
        else:
            refused.append(Problem(paper.path, None, change.field,
                                   f"{change.source} says {change.new}, which {other.path} already has; "
                                   "not filled (are they the same paper?)"))
    return kept, refused


def prepare_edits(planned: list[tuple[Paper, list[Change]]]) -> tuple[
        list[tuple[Paper, list[Change], str, str]], list[Problem]]:
    """Each record's text before and after its changes, checked as ``validate`` checks a record.

    A record whose changes would make it invalid (a source's value the format refuses) is left as it
    is, and the problem is returned to be shown.
    """
    edits, problems = [], []
    for paper, changes in planned:
        old = Path(paper.path).read_text(encoding="utf-8")
        new = set_fields(old, {c.field: c.new for c in changes}, paper.path)
        data, parse_problems = parse_yaml(new, paper.path)
        assert isinstance(data, LineDict) and not parse_problems, "set_fields wrote a record that does not parse"
        try:
            record = PaperRecord.model_validate(data)
        except ValidationError as err:
            found = validation_problems(err, PaperRecord, data, paper.path)
        else:
            edited = Paper.model_construct(**dict(record), id=paper.id, path=paper.path)
            lines = key_lines(data)
            found = [Problem(paper.path, lines.get(key), name, message)
                     for key, name, message in check_paper(edited)]
        if found:
            problems += [Problem(p.path, p.line, p.field, f"{p.message} (from {_source_of(p.field, changes)}; "
                                 "the record was left as it is)") for p in found]
            continue
        edits.append((paper, changes, old, new))
    return edits, problems


def _source_of(field: str, changes: list[Change]) -> str:
    name = field.split(".")[0]
    return next((c.source for c in changes if c.field == name), "a source")


def describe(changes: list[Change]) -> str:
    """``authors, month (arXiv); venue (OpenAlex)``: the fields set, grouped by source."""
    by_source: dict[str, list[str]] = {}
    for change in changes:
        by_source.setdefault(change.source, []).append(change.field)
    return "; ".join(f"{', '.join(fields)} ({source})" for source, fields in by_source.items())
