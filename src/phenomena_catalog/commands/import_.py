"""``phenomena-catalog import``: turn existing paper lists into records, merging, never duplicating.

Reads each list (format detected or given), merges its entries with each other and with the
records already in the folder (``importers.merge``), then writes every new or changed file at once:
all files are first written beside their targets and only renamed into place when every one of
them was written, so a failure half-way leaves the catalog as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import yaml

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.importers import FORMATS, read_list
from phenomena_catalog.importers.base import ParsedList
from phenomena_catalog.importers.merge import ImportPlan, plan_import
from phenomena_catalog.importers.sections import SECTIONS_FILE, load_section_map
from phenomena_catalog.models import KeywordEntry, PaperRecord, Topic
from phenomena_catalog.pipeline import load_checked
from phenomena_catalog.record_writer import dump_record
from phenomena_catalog.records import TOPICS_FILE, load_keywords, record_files
from phenomena_catalog.schema import modeline
from phenomena_catalog.validate import check_topics, unknown_topic_message
from phenomena_catalog.write import write_all_atomically

NAME = "import"
DESCRIPTION = f"""\
Read one or more paper lists and write one YAML record per paper into the papers folder. The same
paper named twice (same arXiv id, DOI or title) becomes one record that notes every list it came
from. Records already in the folder are matched too: they gain what they lack, never lose what
they have, so re-running an import changes nothing. Importing into an empty folder builds a new
catalog whose topics are the lists' sections.

formats (detected when --format is not given):
{chr(10).join(f"  {name:15} {module.DESCRIPTION}" for name, module in FORMATS.items())}

Section headings map to topics through {SECTIONS_FILE} in the papers folder (or --topics-map);
unmapped headings become new topics and are listed in the report.

examples:
  phenomena-catalog import awesome-list.md --into papers/
  phenomena-catalog import wiki-page.txt --format dokuwiki --dry-run
  phenomena-catalog import my-papers.bib --into papers/

  # regenerate the bundled catalog from the seed lists (idempotent; keeps hand fixes):
  phenomena-catalog import tests/fixtures/seeds/00[0-3]_*.txt --into papers --added 2026-11-23
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the lists to import")
    parser.add_argument("--format", choices=sorted(FORMATS), help="the lists' format (default: detect)")
    parser.add_argument("--into", type=Path, default=Path("papers"), metavar="DIR",
                        help="folder of paper records to import into (default: papers/)")
    parser.add_argument("--topics-map", type=Path, metavar="FILE",
                        help=f"heading -> topics map (default: DIR/{SECTIONS_FILE} if it exists)")
    parser.add_argument("--source", metavar="NAME",
                        help="name recorded in 'sources' (default: the list's title)")
    parser.add_argument("--added", type=_date, metavar="YYYY-MM-DD",
                        help="the 'added' date of new records (default: today)")
    parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    into: Path = args.into
    existing, paths, topics, keywords, bootstrap = _load_catalog(into)
    map_file = args.topics_map or into / SECTIONS_FILE
    if args.topics_map is not None and not map_file.exists():
        raise UserError(f"{display_path(map_file)}: the topics map does not exist")
    section_map = load_section_map(map_file, {t.id for t in topics}) if map_file.exists() else {}
    parsed: list[tuple[Path, str, ParsedList]] = []
    for file in args.files:
        format_name, result = read_list(file, args.format, args.source)
        parsed.append((file, format_name, result))
    plan = plan_import([p for _, _, p in parsed], existing, topics, keywords, section_map,
                       args.added or dt.date.today())
    _check_result(plan, topics, into)
    if not any(outcome.action != "skipped" for outcome in plan.outcomes):
        report = _report(plan, parsed, len(existing), into, True, time.perf_counter() - started)
        raise UserError(report.rsplit("\n", 1)[0] + "\nNothing to import: every entry was skipped; "
                        "nothing was written.")
    if not args.dry_run:
        _write(plan, into, paths, bootstrap)
    print(_report(plan, parsed, len(existing), into, args.dry_run, time.perf_counter() - started))
    return 0


def _load_catalog(into: Path) -> tuple[dict[str, PaperRecord], dict[str, Path], list[Topic],
                                       list[KeywordEntry], bool]:
    """The records, topics and keywords already in ``into``; an empty or missing folder is a new catalog."""
    if into.exists() and not into.is_dir():
        raise UserError(f"{display_path(into)}: not a folder; pass --into DIR")
    files = record_files(into) if into.is_dir() else []
    if not files and not (into / TOPICS_FILE).exists():
        keywords, _, problems = load_keywords(into) if into.is_dir() else ([], [], [])
        if problems:
            raise UserError(problems)
        return {}, {}, [], keywords, True
    records = load_checked(into)
    by_id = {paper.id: PaperRecord.model_validate(paper.model_dump(exclude={"id", "path"}))
             for paper in records.papers}
    paths = {file.name[: -len(".yaml")]: file for file in files}
    return by_id, paths, records.topics, records.keywords, False


def _check_result(plan: ImportPlan, topics: list[Topic], into: Path) -> None:
    """The planned taxonomy must be valid, and name every topic a record uses, before anything is written."""
    planned = [*topics, *plan.new_topics]
    topics_path = display_path(into / TOPICS_FILE)
    problems = check_topics(planned, [None] * len(planned), topics_path)
    known = [topic.id for topic in planned]
    for record_id, record in sorted(plan.records.items()):
        for topic in record.topics:
            if topic not in known:
                # A section map can name topics that a new catalog does not have yet.
                problems.append(Problem(display_path(into / f"{record_id}.yaml"), None, "topics",
                                        unknown_topic_message(topic, known, topics_path)
                                        + " (named by the section map)"))
    if problems:
        raise UserError(problems)


def _topics_text(new_topics: list[Topic], bootstrap: bool) -> str:
    header = ("# The topic taxonomy, built from the sections of the imported lists. Each topic: id,\n"
              "# title, a short Markdown description, and optionally the id of its parent topic.\n")
    body = yaml.safe_dump([t.model_dump(exclude_defaults=True) for t in new_topics], sort_keys=False,
                          allow_unicode=True, width=100)
    return (header if bootstrap else "") + body


def _write(plan: ImportPlan, into: Path, paths: dict[str, Path], bootstrap: bool) -> None:
    """Write every planned file beside its target, then rename all into place."""
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{display_path(into)}: cannot create the folder ({err.strerror or err})") from None
    writes: dict[Path, str] = {}
    for record_id, record in plan.records.items():
        path = paths.get(record_id, into / f"{record_id}.yaml")
        # The same schema modeline as 'add' and 'new' write, so editors check imported records too;
        # an updated record keeps the comment lines a maintainer wrote above its fields.
        header = _leading_comments(path) if path.exists() else ""
        if "yaml-language-server:" not in header:
            header = modeline(path, into) + header
        writes[path] = dump_record(record, header=header)
    if plan.new_topics:
        topics_file = into / TOPICS_FILE
        before = topics_file.read_text(encoding="utf-8") if topics_file.exists() else ""
        if before and not before.endswith("\n"):
            before += "\n"
        writes[topics_file] = before + _topics_text(plan.new_topics, bootstrap or not before)
    write_all_atomically(writes)  # all files or none


def _leading_comments(path: Path) -> str:
    """The comment and blank lines at the top of a record file, before its first field."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        kept.append(line)
    return "".join(kept).rstrip("\n") + "\n" if "".join(kept).strip() else ""


def _report(plan: ImportPlan, parsed: list[tuple[Path, str, ParsedList]], existing: int, into: Path,
            dry_run: bool, elapsed: float) -> str:
    lines = []
    for file, format_name, result in parsed:
        shown = display_path(file)
        outcomes = [o for o in plan.outcomes if o.entry.path == shown]
        counts = {action: sum(o.action == action for o in outcomes)
                  for action in ("created", "merged", "unchanged", "skipped")}
        read = result.read
        # Every entry read is accounted for exactly once; anything else is a bug in the importer.
        assert read == sum(counts.values()), (shown, read, counts)
        lines.append(f"{shown} ({format_name}, \"{result.name}\"): {read} entries read: "
                     f"{counts['created']} new records, {counts['merged']} merged, "
                     f"{counts['unchanged']} unchanged, {counts['skipped']} skipped")
        for outcome in outcomes:
            if outcome.action == "skipped":
                lines.append(f"  skipped line {outcome.entry.line}: {outcome.reason}: {outcome.entry.title}")
        for note in result.warnings:
            lines.append(f"  corrected line {note.line}: {note.reason}: {note.text}")
    if plan.unmapped:
        lines.append("Headings not in the topics map:")
        lines += [f"  {heading}: {what}" for heading, what in sorted(plan.unmapped.items())]
    if plan.new_topics:
        lines.append(f"New topics: {', '.join(t.id for t in plan.new_topics)}")
    unchanged = existing - len(plan.updated)
    verb = "would be written to" if dry_run else "written to"
    lines.append(f"Records: {len(plan.created)} created, {len(plan.updated)} updated, {unchanged} already "
                 f"there unchanged; {verb} {display_path(into)}/ ({elapsed:.2f} s).")
    return "\n".join(lines)
