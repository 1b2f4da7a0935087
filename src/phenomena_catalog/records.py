"""Load stage: YAML files -> models, with file and line for every problem.

Only this module reads ``papers/``. Each file is parsed with libyaml (``CSafeLoader``) through a
constructor that remembers the line of every key and list item, so a validation error on
``links.code`` can be reported at the line where ``code:`` stands, without parsing the file twice.
Problems are collected across all files; the caller decides when to stop.
"""

from __future__ import annotations

import difflib
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.models import ID_PATTERN, KeywordEntry, Paper, PaperRecord, Topic
from phenomena_catalog.urls import RESERVED_NAMES, slugify
from phenomena_catalog.write import write_atomically

TOPICS_FILE = "_topics.yaml"
KEYWORDS_FILE = "_keywords.yaml"


class LineDict(dict[Any, Any]):
    """A mapping that remembers the 1-based line of each of its keys."""

    __slots__ = ("line", "lines")

    line: int
    lines: dict[Any, int]


class LineList(list[Any]):
    """A list that remembers the 1-based line of each of its items."""

    __slots__ = ("line", "lines")

    line: int
    lines: list[int]


class DuplicateKeyError(yaml.MarkedYAMLError):
    """YAML itself allows a repeated key (the last one wins); in a record it is always a mistake."""

    key: str = ""


class _LineLoader(yaml.CSafeLoader):
    """libyaml's parser with constructors that record lines and reject duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=False)
        try:
            duplicate = key in data
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            ) from None
        if duplicate:
            error = DuplicateKeyError(
                None, None, "this field appears twice in the same block; keep only one", key_node.start_mark
            )
            error.key = str(key)
            raise error
        data[key] = loader.construct_object(value_node, deep=False)
        data.lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=False) for child in node.value)


class YamlFloat(float):
    """A float that keeps the text it was written as ("2201.02170" must not become 2201.0217)."""

    text: str


def _construct_float(loader: _LineLoader, node: yaml.ScalarNode) -> YamlFloat:
    number = YamlFloat(loader.construct_yaml_float(node))
    number.text = node.value
    return number


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date (2022-13-01) would otherwise raise from deep inside PyYAML; keep the text
    # so validation can report it at its line like any other bad value.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)

_YAML_HINTS = {
    "mapping values are not allowed in this context": (
        "a value contains ': ' (a colon followed by a space); put the whole value in double quotes"
    ),
    "found character '\\t' that cannot start any token": (
        "a tab character is used for indentation; YAML needs spaces"
    ),
    "could not find expected ':'": (
        "expected 'field: value' here; check the indentation, and quote text that spans lines"
    ),
    "expected <block end>, but found '-'": "a list item ('- ...') is not indented like its neighbours",
    "expected <block end>, but found '<block mapping start>'": (
        "this line is indented differently from the fields around it"
    ),
    "found a tab character that violates indentation": (
        "a tab character is used for indentation; YAML needs spaces"
    ),
    "did not find expected key": (
        "this line is not indented like the fields around it; indent with spaces, "
        "and quote text that spans lines"
    ),
    "found unexpected end of stream": "a quoted value is never closed; add the closing quote",
    "found unknown escape character": (
        "a backslash in double quotes starts an escape; use single quotes or write \\\\"
    ),
}


def _describe_bad_start(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    char = lines[line][column : column + 1] if line < len(lines) else ""
    if char == "\t":
        return "found character '\\t' that cannot start any token"
    return f"'{char}' cannot start a value; put the whole value in double quotes"


_KEY_AT_START = re.compile(r"\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:(?:\s|$)")


def _key_on_line(text: str, line: int | None) -> str:
    """The field a broken line starts with ("title" in 'title: Grokking: ...'), if any."""
    if line is None:
        return ""
    lines = text.splitlines()
    found = _KEY_AT_START.match(lines[line - 1]) if 0 < line <= len(lines) else None
    return found.group(1) if found else ""


def parse_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document, turning YAML's own errors into plain-language problems."""
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except DuplicateKeyError as err:
        mark = err.problem_mark
        return None, [Problem(path, mark.line + 1 if mark else None, err.key, str(err.problem))]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or "the YAML is malformed"
        if problem == "found character that cannot start any token" and mark is not None:
            problem = _describe_bad_start(text, mark.line, mark.column)
        message = _YAML_HINTS.get(problem)
        if message is None:
            message = next(
                (hint for key, hint in _YAML_HINTS.items() if problem.startswith(key)),
                f"this is not valid YAML ({problem})",
            )
        return None, [Problem(path, line, _key_on_line(text, line), message)]
    except yaml.YAMLError as err:
        return None, [Problem(path, None, "", f"this is not valid YAML ({err})")]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 60 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a block of fields"
    if value is None:
        return "nothing"
    return type(value).__name__


def _friendly_message(error: ErrorDetails, model: type[BaseModel], loc_field: str) -> str:
    """Say what is wrong in the words of someone who has never seen pydantic."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        known = _known_fields(model, error["loc"][:-1])
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1, cutoff=0.6)
        if close:
            return f"unknown field; did you mean '{close[0]}'?"
        return "unknown field; the fields allowed here are: " + ", ".join(known)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {_type_name(value)}"
    if kind == "string_type":
        if loc_field in ("arxiv", "doi") and isinstance(value, (int, float)):
            text = getattr(value, "text", value)
            return f'write it in quotes, {loc_field}: "{text}", or YAML reads it as a number'
        return f"expected text, got {_type_name(value)}"
    if kind == "list_type":
        if loc_field == "authors" and isinstance(value, str):
            return "write one author per item, e.g. authors: [Ada Lovelace, Alan Turing]"
        return f"expected a list (one '- item' per line, or [a, b]), got {_type_name(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a block of fields, got {_type_name(value)}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{value!r} is out of range ({_range_text(model, error['loc'])})"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        suggestion = slugify(str(value))
        hint = f"; did you mean '{suggestion}'?" if suggestion != value else ""
        return f"{value!r} is not a valid id: use lowercase letters, digits and dashes{hint}"
    if kind == "too_short" and isinstance(value, list):
        return "this list must not be empty"
    if kind == "string_too_short":
        return "must not be empty"
    if kind.startswith("date"):
        return f"expected a date written YYYY-MM-DD, got {_type_name(value)}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def _range_text(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    info = model.model_fields.get(str(loc[0])) if len(loc) == 1 else None
    if info is None:
        return "see the record format"
    bounds = {type(m).__name__: m for m in info.metadata}
    low, high = bounds.get("Ge"), bounds.get("Le")
    return f"{getattr(low, 'ge', '?')} to {getattr(high, 'le', '?')}"


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    for part in loc:
        info = model.model_fields.get(str(part))
        annotation = getattr(info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return [name for name in model.model_fields if name not in ("id", "path")]


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest key or item along ``loc`` that exists in the parsed YAML."""
    line = getattr(data, "line", None)
    for part in loc:
        if isinstance(data, LineDict) and part in data:  # noqa: SIM114 (one branch per container type reads better)
            line = data.lines[part]
            data = data[part]
        elif isinstance(data, LineList) and isinstance(part, int) and 0 <= part < len(data):
            line = data.lines[part]
            data = data[part]
        else:
            break
    return line


def validation_problems(err: ValidationError, model: type[BaseModel], data: Any, path: str) -> list[Problem]:
    """One plain-language problem per pydantic error, each at the line it concerns."""
    problems = []
    for error in err.errors(include_url=False):
        # Drop pydantic's union/type tags (e.g. 'function-after[...]') that are not field names.
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        field_name = ".".join(str(p) for p in loc)
        message = _friendly_message(error, model, str(loc[0]) if loc else "")
        problems.append(Problem(path, _line_of(data, loc), field_name, message))
    return problems


@dataclass(frozen=True)
class LoadedRecords:
    """Everything read from the papers folder, each file validated on its own."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def lines(self) -> RecordLines:
        """For each paper id, the line of each key and list item by dotted path (``title``,
        ``links.paper``, ``authors.2``), so later stages can point at a field."""
        return RecordLines({paper.id: paper.path for paper in self.papers})


class RecordLines:
    """Line numbers of valid records' fields, found again only for the records a problem concerns.

    Keeping every record's line table would cost about 1.6 KB a record (80 MB at 50,000) for the
    rare cross-record problem; re-parsing one file when a message needs its lines costs < 1 ms.
    """

    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = paths
        self._found: dict[str, dict[str, int]] = {}

    def get(self, paper_id: str, default: dict[str, int] | None = None) -> dict[str, int]:
        """The line table of one record; ``default`` (or {}) for an unknown id or unreadable file."""
        if paper_id not in self._found:
            path = self._paths.get(paper_id)
            data = None
            if path is not None:
                try:
                    data, _ = parse_yaml(Path(path).read_text(encoding="utf-8"), path)
                except OSError:
                    data = None
            self._found[paper_id] = key_lines(data) if isinstance(data, LineDict) else {}
        return self._found[paper_id] or (default if default is not None else {})


def key_lines(data: LineDict) -> dict[str, int]:
    """The line of every key and list item, by dotted path ("title", "links.paper", "authors.2")."""
    lines: dict[str, int] = {}

    def visit(node: Any, prefix: str) -> None:
        if isinstance(node, LineDict):
            for key, value in node.items():
                lines[f"{prefix}{key}"] = node.lines[key]
                visit(value, f"{prefix}{key}.")
        elif isinstance(node, LineList):
            for index, value in enumerate(node):
                lines[f"{prefix}{index}"] = node.lines[index]
                visit(value, f"{prefix}{index}.")

    visit(data, "")
    return lines


def record_files(papers_dir: Path) -> list[Path]:
    """Every paper record in ``papers_dir``, sorted; files starting with ``_`` are catalog data.

    The folder is flat: a record's id is its file name, and its place in the repository
    (``papers/ID.yaml``) is what "edit this record" links to.
    """
    return sorted(p for p in papers_dir.glob("*.yaml") if not p.name.startswith("_"))


def read_user_text(file: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """A user's file as text, or the reason it cannot be read, in words (never a traceback)."""
    try:
        return file.read_text(encoding="utf-8"), []
    except UnicodeDecodeError:
        return None, [Problem(shown, None, "", "the file is not UTF-8 text; save it as UTF-8")]
    except IsADirectoryError:
        return None, [Problem(shown, None, "", "this is a folder, not a file")]
    except OSError as err:
        return None, [Problem(shown, None, "", f"cannot read this file ({err.strerror or err})")]


def read_yaml_file(file: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Read and parse one YAML file, every failure as a problem."""
    text, problems = read_user_text(file, shown)
    if text is None:
        return None, problems
    return parse_yaml(text, shown)


def load_paper(file: Path, shown: str) -> tuple[Paper | None, list[Problem]]:
    """Read and validate one record file."""
    data, problems = read_yaml_file(file, shown)
    if problems:
        return None, problems
    if data is None:
        return None, [Problem(shown, 1, "", "the file is empty; a record needs title, year, topics and added")]
    if not isinstance(data, LineDict):
        return None, [Problem(shown, 1, "", "a record must be a block of 'field: value' lines")]
    problems = []
    stem = file.name[: -len(".yaml")]
    for reserved in ("id", "path"):
        if reserved in data:
            problems.append(
                Problem(shown, data.lines[reserved], reserved, "remove this field: the id is the file name")
            )
            del data[reserved]
    try:
        record = PaperRecord.model_validate(data)
    except ValidationError as err:
        return None, problems + validation_problems(err, PaperRecord, data, shown)
    if problems:
        return None, problems
    if not re.match(ID_PATTERN, stem):
        return None, [
            Problem(shown, None, "", f"the file name '{file.name}' must be lowercase letters, digits and "
                    "dashes, ending in .yaml (e.g. power2022grokking.yaml)")
        ]
    if stem in RESERVED_NAMES:
        return None, [
            Problem(shown, None, "", f"the file name '{file.name}' is reserved for the site's list of "
                    "papers; name the file after the paper, e.g. power2022grokking.yaml")
        ]
    if _PLACEHOLDER_NAME.match(stem):
        return None, [
            Problem(shown, None, "", "rename this file after the paper: first author's family name, year "
                    "and first word of the title, e.g. power2022grokking.yaml")
        ]
    paper = Paper.model_construct(**dict(record), id=stem, path=shown)
    return paper, []


# The names `phenomena-catalog new` gives a template until its author renames it.
_PLACEHOLDER_NAME = re.compile(r"^new-paper(-\d+)?$")


def require_folder(papers_dir: Path) -> None:
    """Stop with a clear message when the records folder is not there."""
    if not papers_dir.is_dir():
        raise UserError(f"{display_path(papers_dir)}: no such folder; run this from the catalog's folder "
                        "(the one holding papers/), or pass --papers DIR")


def misnamed_files(papers_dir: Path) -> list[Problem]:
    """Record-like files the loader would skip silently: a ``.yml`` is never read."""
    return [
        Problem(display_path(file), None, "", f"records must end in .yaml; rename it to {file.stem}.yaml")
        for file in sorted(papers_dir.glob("*.yml"))
    ]


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


# Below this many files, starting worker processes costs more than parsing in one.
PARALLEL_THRESHOLD = 2000


def load_papers(files: Iterable[Path], jobs: int = 1) -> LoadedRecords:
    """Load the given record files, collecting every problem; large catalogs over ``jobs`` processes."""
    files = list(files)
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs > 1 and len(files) >= PARALLEL_THRESHOLD and can_fork:
        # libyaml parses in C but builds the Python objects in Python: half the files per core.
        shares = [files[i::jobs] for i in range(jobs)]
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_load_share, shares))
        papers = [p for part in parts for p in part.papers]
        papers.sort(key=lambda p: p.path)
        return LoadedRecords(papers=papers, problems=[p for part in parts for p in part.problems])
    return _load_share(files)


def _load_share(files: list[Path]) -> LoadedRecords:
    papers, problems = [], []
    shown_folders: dict[Path, str] = {}
    for file in files:
        # Resolving each file's display path costs two syscalls a file; folders are few.
        folder = shown_folders.get(file.parent)
        if folder is None:
            folder = shown_folders[file.parent] = display_path(file.parent)
        shown = file.name if folder == "." else f"{folder}/{file.name}"
        paper, file_problems = load_paper(file, shown)
        problems.extend(file_problems)
        if paper is not None:
            papers.append(paper)
    return LoadedRecords(papers=papers, problems=problems)


class _RecordDumper(yaml.SafeDumper):
    """Writes records the way a person would: block lists, multi-line text as ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        # Literal blocks cannot keep trailing spaces on a line; they would be dropped silently.
        text = "\n".join(line.rstrip() for line in value.splitlines()) + "\n"
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_RecordDumper.add_representer(str, _represent_str)


def dump_record(record: PaperRecord, header: str = "") -> str:
    """A record as YAML text in field order, leaving out empty fields; ``header`` lines go on top."""
    data = record.model_dump(exclude_none=True, exclude={"id", "path"})
    data = {key: value for key, value in data.items() if value not in ([], {}, "")}
    if data.get("kind") == "paper":
        del data["kind"]  # the default: most records are papers, so their files do not say it
    return header + dump_fields(data)


def dump_fields(data: dict[str, Any]) -> str:
    """Fields as record YAML, in the given order, written the way ``dump_record`` writes them."""
    return yaml.dump(data, Dumper=_RecordDumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def write_record(record: PaperRecord, path: Path, header: str = "") -> None:
    """Write one record file atomically, so an interrupted write never leaves half a record."""
    write_atomically(path, dump_record(record, header))
