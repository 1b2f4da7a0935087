"""Load stage: the papers folder -> ``Records`` (validated papers, taxonomy, keywords, problems).

Only this module reads ``papers/``: every record file, ``_topics.yaml`` and ``_keywords.yaml``.
Each file is parsed once (``yaml_lines``), validated on its own against the record format
(``models``), and its problems are collected with file and line; the caller decides when to stop.
The line of every field of a valid record is kept (``Records.lines_of``), so the check stage can
point at a field without reading the file again.
"""

from __future__ import annotations

import functools
import hashlib
import mmap
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from phenomena_catalog.cache_store import Listing, Stamp, file_stamp, settled
from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.executors import Executor, Pending, SerialExecutor
from phenomena_catalog.model_errors import validation_problems
from phenomena_catalog.models import ID_PATTERN, KeywordEntry, Paper, PaperRecord, Topic
from phenomena_catalog.stray_files import stray_files, walk_folder
from phenomena_catalog.urls import RESERVED_NAMES
from phenomena_catalog.yaml_lines import (
    LineDict,
    LineList,
    Outline,
    decode_user_text,
    parse_yaml,
    read_user_bytes_opened,
    read_user_text,
    read_yaml_file,
)

TOPICS_FILE = "_topics.yaml"
KEYWORDS_FILE = "_keywords.yaml"

LineTable = tuple[tuple[str, ...], bytes | tuple[int, ...]]
"""A record's field lines: the dotted paths of its keys and list items (one tuple shared by every
record of the same shape), and the line of each (bytes when every line is below 256). About 0.1 KB
a record; turned into a dict only for the few records a problem concerns."""
NO_LINES: LineTable = ((), b"")


@dataclass(frozen=True)
class Records:
    """Everything the load stage read from the papers folder, each file validated on its own."""

    papers: list[Paper] = field(default_factory=list)
    """Every valid record, in file order."""
    problems: list[Problem] = field(default_factory=list)
    """Every problem found while reading and validating the files."""
    lines: dict[str, LineTable] = field(default_factory=dict, repr=False)
    """For each paper id, the line of each of its fields (see ``lines_of``)."""
    digests: dict[str, str] = field(default_factory=dict, repr=False)
    """For each paper id, the ``content_digest`` of its file: what its paper was made from."""
    parsed: dict[str, ParseResult] = field(default_factory=dict, repr=False)
    """Each record file's parse result by ``content_digest``, for the next build to reuse."""
    stamps: dict[str, tuple[Stamp, str]] = field(default_factory=dict, repr=False)
    """Each record file's ``Stamp`` and ``content_digest`` by path as shown, for the next build to
    skip reading the files that did not change (see ``load_papers``)."""
    topics: list[Topic] = field(default_factory=list)
    topic_lines: list[int] = field(default_factory=list)
    """The line of each topic in ``_topics.yaml``."""
    keywords: list[KeywordEntry] = field(default_factory=list)
    keyword_lines: list[int] = field(default_factory=list)
    topics_path: str = TOPICS_FILE
    """The taxonomy file, as shown in messages."""
    keywords_path: str = KEYWORDS_FILE
    """The keyword vocabulary file, as shown in messages."""

    def lines_of(self, paper_id: str) -> dict[str, int]:
        """The line of each key and list item of one record by dotted path (``title``,
        ``links.paper``, ``authors.2``); empty for an unknown id."""
        paths, lines = self.lines.get(paper_id, NO_LINES)
        return dict(zip(paths, lines, strict=True))


def line_table(data: LineDict, outline: Outline | None = None) -> LineTable:
    """The line of every key and list item of parsed YAML, as a ``LineTable``. ``outline``: the
    data's, as parsed (``yaml_lines.Outline``); a record of a shape met before then takes its dotted
    paths from the first such record, and only a new shape's are made."""
    if outline and outline[1]:
        shape_key, lines = tuple(outline[0]), outline[1]
        shape = _BY_OUTLINE.get(shape_key)
        if shape is None:
            shape = _BY_OUTLINE[shape_key] = line_table(data)[0]
    else:
        paths: list[str] = []
        lines = []
        _visit(data, "", paths, lines)
        shape = tuple(paths)
        shape = _SHAPES.setdefault(shape, shape)
    try:
        packed: bytes | tuple[int, ...] = bytes(lines)
    except ValueError:  # a line past 255
        packed = tuple(lines)
    return shape, packed


def _visit(node: Any, prefix: str, paths: list[str], lines: list[int]) -> None:
    # A function of the module, not one nested in ``line_table``: a nested function that calls
    # itself is a reference cycle (function, cell) holding the lists it appends to, so every record
    # left ~2 KB of garbage that only the cyclic collector frees, and the build pauses it while
    # loading, then freezes it (``executors``): 100 MB kept to the end at 50,000 records.
    if isinstance(node, LineDict):
        for key, value in node.items():
            paths.append(f"{prefix}{key}")
            lines.append(node.lines[key])
            _visit(value, f"{prefix}{key}.", paths, lines)
    elif isinstance(node, LineList):
        for index, value in enumerate(node):
            paths.append(f"{prefix}{index}")
            lines.append(node.lines[index])
            _visit(value, f"{prefix}{index}.", paths, lines)


_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}
"""Each shape of record met in this process (its dotted paths), kept once."""
_BY_OUTLINE: dict[tuple[Any, ...], tuple[str, ...]] = {}
"""The dotted paths of each shape of ``Outline`` met in this process."""


def _share_field_sets(paper: Paper) -> Paper:
    """``paper`` holding the one set of field names that every paper setting the same fields holds.

    Pydantic keeps, in each model instance, the set of fields its input had (0.7 KB a paper and
    0.2 KB its links, a fifth of a loaded paper). Papers and their links are frozen, so that set
    is never changed in place (a copy gets a copy) and papers can share it.
    """
    for model in (paper, paper.links):
        fields_set = model.__pydantic_fields_set__
        shared = _FIELD_SETS.setdefault(frozenset(fields_set), fields_set)
        if shared is not fields_set:
            object.__setattr__(model, "__pydantic_fields_set__", shared)
    return paper


_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def record_files(papers_dir: Path) -> list[Path]:
    """Every paper record in ``papers_dir``, sorted; files starting with ``_`` are catalog data, and
    hidden ones an editor's (emacs's ``.#x.yaml`` lock, a ``.x.yaml`` scratch copy), not records.

    The folder is flat: a record's id is its file name, and its place in the repository
    (``papers/ID.yaml``) is what "edit this record" links to.
    """
    return sorted(p for p in papers_dir.glob("*.yaml") if is_record_name(p.name))


def is_record_name(name: str) -> bool:
    """Whether a name in the papers folder is a record's (``record_files``): ``x.yaml``, not
    ``_x.yaml`` (catalog data) or a hidden ``.x.yaml`` (an editor's)."""
    return name.endswith(".yaml") and not name.startswith(("_", "."))


def load_paper(file: Path, shown: str) -> tuple[Paper | None, list[Problem]]:
    """Read and validate one record file."""
    text, problems = read_user_text(file, shown)
    if text is None:
        return None, problems
    paper, problems, _ = _parse_paper(text, file, shown)
    return paper, problems


ParseResult = tuple[Paper | None, list[Problem], LineTable]
"""One record file's paper (None when invalid), its problems and its field lines."""


def content_digest(data: bytes, shown: str) -> str:
    """What a record's parse result depends on: its bytes and its name (the id, and messages' path)."""
    return hashlib.blake2b(shown.encode() + b"\0" + data, digest_size=16).hexdigest()


def _parse_paper(text: str, file: Path | str, shown: str) -> ParseResult:
    outline: Outline = ([], [])
    data, problems = parse_yaml(text, shown, outline)
    if problems:
        return None, problems, NO_LINES
    if data is None:
        return None, [Problem(shown, 1, "", "the file is empty; a record needs title, year, topics and added")
                      ], NO_LINES
    if not isinstance(data, LineDict):
        return None, [Problem(shown, 1, "", "a record must be a block of 'field: value' lines")], NO_LINES
    problems = []
    name = file.name if isinstance(file, Path) else os.path.basename(file)
    stem = name[: -len(".yaml")]
    for reserved in ("id", "path"):
        if reserved in data:
            problems.append(
                Problem(shown, data.lines[reserved], reserved, "remove this field: the id is the file name")
            )
            del data[reserved]
    good_name = _ID.match(stem) is not None
    try:
        # One validation makes the Paper (a PaperRecord first, copied into a Paper, cost twice as
        # much); a file name that is no id is reported below, once the content is valid.
        paper = (Paper.model_validate({**data, "id": stem, "path": shown}) if good_name
                 else PaperRecord.model_validate(data))
    except ValidationError as err:
        return None, problems + validation_problems(err, PaperRecord, data, shown), NO_LINES
    if problems:
        return None, problems, NO_LINES
    if not good_name:
        return None, [
            Problem(shown, None, "", f"the file name '{name}' must be lowercase letters, digits and "
                    "dashes, ending in .yaml (e.g. power2022grokking.yaml)")
        ], NO_LINES
    if stem in RESERVED_NAMES:
        return None, [
            Problem(shown, None, "", f"the file name '{name}' is reserved for the site's list of "
                    "papers; name the file after the paper, e.g. power2022grokking.yaml")
        ], NO_LINES
    if _PLACEHOLDER_NAME.match(stem):
        return None, [
            Problem(shown, None, "", "rename this file after the paper: first author's family name, year "
                    "and first word of the title, e.g. power2022grokking.yaml")
        ], NO_LINES
    assert isinstance(paper, Paper)
    return _share_field_sets(paper), [], line_table(data, outline)


_ID = re.compile(ID_PATTERN)
# The names `phenomena-catalog new` gives a template until its author renames it.
_PLACEHOLDER_NAME = re.compile(r"^new-paper(-\d+)?$")


def require_folder(papers_dir: Path) -> None:
    """Stop with a clear message when the records folder is not there."""
    if not papers_dir.is_dir():
        raise UserError(f"{display_path(papers_dir)}: no such folder; run this from the catalog's folder "
                        "(the one holding papers/), or pass --papers DIR")


def misnamed_files(papers_dir: Path, listing: Listing | None = None) -> list[Problem]:
    """Files the loader would skip silently (``x.YAML``, ``x``, ``_x.yaml``, ``sub/x.yaml``...)."""
    return stray_files(papers_dir, None if listing is None else listing.walk)


def _load_list(file: Path, model: type[BaseModel], what: str) -> tuple[list[Any], list[int], list[Problem]]:
    """Validate every item of a YAML list file; returns the items, their lines and the problems."""
    shown = display_path(file)
    if not file.exists():
        return [], [], [Problem(shown, None, "", f"the {what} file is missing")]
    data, problems = read_yaml_file(file, shown)
    if problems:
        return [], [], problems
    if data is None:
        return [], [], []
    if not isinstance(data, LineList):
        return [], [], [Problem(shown, 1, "", f"the {what} file must be a list ('- ...' items)")]
    items, lines, problems = [], [], []
    for index, item in enumerate(data):
        try:
            items.append(model.model_validate(item))
            lines.append(data.lines[index])
        except ValidationError as err:
            problems += [Problem(shown, p.line or data.lines[index], p.field, p.message)
                         for p in validation_problems(err, model, item, shown)]
    return items, lines, problems


def load_topics(papers_dir: Path) -> tuple[list[Topic], list[int], list[Problem]]:
    """The taxonomy, from ``papers/_topics.yaml``: topics, the line of each, problems."""
    return _load_list(papers_dir / TOPICS_FILE, Topic, "topics")


def load_keywords(papers_dir: Path) -> tuple[list[KeywordEntry], list[int], list[Problem]]:
    """The keyword vocabulary, from ``papers/_keywords.yaml`` (optional): entries, lines, problems."""
    file = papers_dir / KEYWORDS_FILE
    if not file.exists():
        return [], [], []
    return _load_list(file, KeywordEntry, "keywords")




def load_papers(files: Iterable[Path | str], executor: Executor | None = None,
                known: Mapping[str, ParseResult] | None = None,
                stamps: Mapping[str, tuple[Stamp, str]] | None = None,
                seen: Mapping[str, Stamp | None] | None = None) -> Records:
    """Load the given record files, collecting every problem; ``executor`` may share them out.

    A file whose ``content_digest`` is in ``known`` (a previous build's ``Records.parsed``) is not
    parsed again; one whose ``Stamp`` is as ``stamps`` (a previous build's ``Records.stamps``) says,
    with that digest in ``known``, is not even read. Those are found here, in this process (one
    stat a file, or none: ``seen`` holds the stamps the build took of its inputs before reading
    any, by path); only the other files are shared out, so an unchanged record's paper never
    travels between processes.
    """
    known, stamps, seen, now = known or {}, stamps or {}, seen or {}, time.time_ns()
    files = list(files)
    shown = _shown_paths(files)
    found: list[_FileResult | list[Problem] | None] = []
    kept: list[tuple[Stamp, str] | None] = []
    """For each file found as the last build left it, its entry in ``stamps`` (kept as it is)."""
    by_path = seen if seen else {}
    for file, name in zip(files, shown, strict=True):
        stamp = by_path.get(file, _UNSEEN) if type(file) is str else _UNSEEN
        if stamp is _UNSEEN:
            stamp = file_stamp(file)
        last = stamps.get(name)
        result = known.get(last[1]) if last is not None and last[0] == stamp else None
        if result is None or last is None:
            found.append(None)
            kept.append(None)
        else:
            found.append((stamp, last[1], result))
            kept.append(last)
    unread = [index for index, item in enumerate(found) if item is None]
    work = functools.partial(_read_share, known=known, shown=shown)
    for share in (executor or SerialExecutor()).map_shares(work, [(files[i], i) for i in unread]):
        for index, done in share:
            found[index] = done
    return _assembled(shown, found, kept, now)


def _assembled(shown: list[str], found: list[_FileResult | list[Problem] | None],
               kept: list[tuple[Stamp, str] | None], now: int) -> Records:
    """The records of the files ``shown``, each ``found`` read (or ``kept`` as the last build left
    it); ``now``: when the first was looked at."""
    papers, problems, lines, digests, parsed, new_stamps = [], [], {}, {}, {}, {}
    for name, item, last in zip(shown, found, kept, strict=True):
        if isinstance(item, list):  # (the file could not be read)
            problems += item
            continue
        assert item is not None
        stamp, digest, result = item
        if last is not None:  # (its stamp was settled when it was kept)
            new_stamps[name] = last
        elif stamp is not None and settled(stamp, now):
            new_stamps[name] = (stamp, digest)
        parsed[digest] = result
        paper, file_problems, table = result
        if file_problems:
            problems.extend(file_problems)
        if paper is not None:
            papers.append(paper)
            lines[paper.id] = table
            digests[paper.id] = digest
    return Records(papers=papers, problems=problems, lines=lines, digests=digests, parsed=parsed, stamps=new_stamps)


_UNSEEN: Any = object()

_FileResult = tuple[Stamp | None, str, ParseResult]
"""One record file's stamp (taken before it was read), ``content_digest`` and parse result."""


def _shown_paths(files: list[Path | str] | list[str]) -> list[str]:
    """Each file's path as messages show it (resolving a path costs two syscalls; folders are few,
    and a file's folder and name are split from its text: pathlib's ``parent`` and ``name`` cost
    more than the rest of a stamp-unchanged file's work)."""
    folders: dict[str, str] = {}
    shown = []
    for file in files:
        folder, _, name = str(file).rpartition(os.sep)
        found = folders.get(folder)
        if found is None:
            found = folders[folder] = display_path(Path(file).parent)
        shown.append(name if found == "." else f"{found}/{name}")
    return shown


def _read_share(share: list[tuple[Path | str, int]], known: Mapping[str, ParseResult], shown: list[str],
                ) -> list[tuple[int, _FileResult | list[Problem]]]:
    """Read and parse each file of ``share`` (each with its index in ``shown``): its ``_FileResult``,
    or the problems that kept it from being read."""
    return [(index, _read_file(path, shown[index], known)) for path, index in share]


def _read_file(path: Path | str, name: str, known: Mapping[str, ParseResult]) -> _FileResult | list[Problem]:
    """Read and parse one record file (shown as ``name``): its ``_FileResult``, or the problems
    that kept it from being read."""
    data, unreadable, stamp = read_user_bytes_opened(path, name, file_stamp)
    if data is None:
        return unreadable
    digest = content_digest(data, name)
    result = known.get(digest)
    if result is None:
        text, undecodable = decode_user_text(data, name)
        result = _parse_paper(text, path, name) if text is not None else (None, undecodable, NO_LINES)
    return stamp, digest, result


def load(papers_dir: Path, executor: Executor | None = None,
         known: Mapping[str, ParseResult] | None = None,
         stamps: Mapping[str, tuple[Stamp, str]] | None = None,
         listing: Listing | None = None) -> Records:
    """The load stage: every file of ``papers_dir`` read and validated on its own, with its problems.

    ``known`` holds parse results of earlier builds by content digest, ``stamps`` what their files
    looked like (see ``load_papers``). ``listing``: the folder as the build saw it before reading
    anything (``cache_store.Inputs.listing``), so it is neither listed nor stat-ed again; without
    it the folder is listed once here.
    """
    require_folder(papers_dir)
    files, listing = _record_paths(papers_dir, listing)
    return _with_catalog_files(papers_dir, listing, load_papers(files, executor, known, stamps, listing.stamps))


def _record_paths(papers_dir: Path, listing: Listing | None) -> tuple[list[str], Listing]:
    """The path of every record file in ``papers_dir``, in order, and the folder's ``Listing``."""
    if listing is None:
        listing = Listing(tuple(walk_folder(papers_dir)), {})
    top = os.fspath(papers_dir)
    names = [name for root, folders, files in listing.walk[:1] if root == top for name in (*files, *folders)
             if is_record_name(name)]
    prefix = os.path.join(top, "_")[:-1]  # (``os.path.join(top, name)`` for each, without a call each)
    return [prefix + name for name in sorted(names)], listing


def _with_catalog_files(papers_dir: Path, listing: Listing, loaded: Records) -> Records:
    """``loaded`` (the records) with the taxonomy, the keyword vocabulary and their problems, and
    the files the loader skips."""
    topics, topic_lines, topic_problems = load_topics(papers_dir)
    keywords, keyword_lines, keyword_problems = load_keywords(papers_dir)
    problems = topic_problems + keyword_problems + loaded.problems + misnamed_files(papers_dir, listing)
    return Records(
        papers=loaded.papers, problems=problems, lines=loaded.lines, digests=loaded.digests, parsed=loaded.parsed,
        stamps=loaded.stamps,
        topics=topics, topic_lines=topic_lines, keywords=keywords, keyword_lines=keyword_lines,
        topics_path=display_path(papers_dir / TOPICS_FILE), keywords_path=display_path(papers_dir / KEYWORDS_FILE),
    )


def start_load(papers_dir: Path, executor: Executor, listing: Listing | None = None) -> Deferred:
    """The load stage of a build from scratch (``load`` without earlier results), started now and
    collected with ``result()``: a worker (``Executor.start``) reads the record files from the
    first on while this process goes on with its own work (importing the rest of the pipeline:
    0.1-0.3 s); ``result()`` then reads them here from the last on until the two meet, and joins
    the worker's. However long this process was busy, the two end together, and each file's paper
    travels between processes at most once (a record the two reached at the same moment is read
    by both, and this process's kept). The records are those ``load`` gives.
    """
    if not papers_dir.is_dir():
        return Deferred(functools.partial(load, papers_dir, listing=listing))  # (it says what is wrong)
    now = time.time_ns()
    files, listing = _record_paths(papers_dir, listing)
    shown = _shown_paths(files)
    claims = mmap.mmap(-1, len(files) + 8)
    """Who reads each file (``_FRONT``, ``_BACK``; 0 when not yet claimed), then where this process
    has got to (``_at``), in memory the worker shares."""
    _at(claims, len(files), len(files))
    front = executor.start(functools.partial(_read_from_front, files, shown, claims), len(files))
    return Deferred(functools.partial(_joined, papers_dir, listing, files, shown, claims, front, now), len(files),
                    beside=front)


_FRONT, _BACK = 1, 2
HANDBACK = 0.12
"""Handing a worker's papers back takes about this share of the time it took to read them (pickling
there: 13 µs a record against 100 µs to read it): a worker that is that close to this process's
files stops, and pickles while this process reads the rest."""


def _at(claims: mmap.mmap, files: int, index: int | None = None) -> int:
    """The lowest index ``_joined`` has claimed (``files`` when none; past it once it no longer
    claims), after setting it to ``index`` if given."""
    if index is not None:
        claims[files:] = index.to_bytes(8, "little")
    return int.from_bytes(claims[files:], "little")


def _read_from_front(files: list[str], shown: list[str], claims: mmap.mmap,
                     ) -> list[tuple[int, _FileResult | list[Problem]]]:
    """Read the files from the first on (the worker's share), up to one that ``_joined`` claimed, or,
    once ``_joined`` claims, as soon as what is left between the two would take less time than
    handing this share back (``HANDBACK``); a file claimed by an earlier run of this (a worker that
    died) is read again."""
    done: list[tuple[int, _FileResult | list[Problem]]] = []
    total = len(files)
    for index, path in enumerate(files):
        if claims[index] == _BACK:
            break
        at = _at(claims, total)
        if at < total and at - index <= HANDBACK * len(done):
            break  # (``_joined`` claims, and reads what is left while this share is handed back)
        claims[index] = _FRONT
        done.append((index, _read_file(path, shown[index], {})))
    return done


def _joined(papers_dir: Path, listing: Listing, files: list[str], shown: list[str], claims: mmap.mmap,
            front: Pending[list[tuple[int, _FileResult | list[Problem]]]], now: int) -> Records:
    """The records of ``start_load``: the files read from the last on up to the worker's, here,
    and the worker's share."""
    found: list[_FileResult | list[Problem] | None] = [None] * len(files)
    total = len(files)
    for index in range(total - 1, -1, -1):
        if claims[index] == _FRONT:
            break
        claims[index] = _BACK
        _at(claims, total, index)
        found[index] = _read_file(files[index], shown[index], {})
    _at(claims, total, 2 * total + 1)  # (no longer claiming: a worker run again here reads up to the last claimed)
    for index, done in front.result():
        if found[index] is None:
            found[index] = done
    claims.close()
    return _with_catalog_files(papers_dir, listing, _assembled(shown, found, [None] * len(files), now))


class Deferred(Pending[Records]):
    """Records made when first asked for."""

    def __init__(self, make: Callable[[], Records], size: int = 0, beside: Pending[Any] | None = None) -> None:
        self._make: Callable[[], Records] | None = make
        self.size = size
        """How many record files there are (0: not known)."""
        self._records: Records | None = None
        self._beside = beside
        """The worker reading a share of the records (``start_load``), stopped by ``stop``."""

    def result(self) -> Records:
        if self._make is not None:
            make, self._make = self._make, None
            self._records = make()
        assert self._records is not None
        return self._records

    def stop(self) -> None:
        """Stop the worker reading records, if one does (the records are then not needed: a failed build)."""
        self._make = None
        if self._beside is not None:
            self._beside.stop()
