"""YAML text -> Python data that remembers the line of every key and list item.

Each file is parsed with libyaml (``CSafeLoader``) and built into Python data that records the line of
every key and list item, so a later problem with ``links.code`` can be reported at the line where
``code:`` stands without parsing the file twice. YAML's own errors become plain-language
``Problem``s; a file that cannot be read becomes one too, never a traceback.

Records are plain blocks of scalars and lists, so the data is built straight from libyaml's events
(``_build``): half the cost of PyYAML's node graph and constructors, which stay the reference for
everything else (anchors, tags, merge keys, duplicate keys, several documents, errors).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml._yaml import CParser

from phenomena_catalog.errors import Problem
from phenomena_catalog.yaml_mistakes import explain_error, silent_mistakes


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
        if type(key) is not str and isinstance(key_node, yaml.ScalarNode):
            key = key_node.value  # see _build: a key is named as it is written
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



class _Unusual(Exception):
    """A construct ``_build`` leaves to the full loader, which handles it (or reports it) exactly."""


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_IMPLICIT = {first: tuple(resolvers) for first, resolvers in _LineLoader.yaml_implicit_resolvers.items()}
_ANY_FIRST = _IMPLICIT.pop(None, ())
_INT = "tag:yaml.org,2002:int"


def _scalar(event: Any) -> Any:
    """A scalar's value, resolved and constructed as ``_LineLoader`` does (plain scalars only get a type)."""
    if event.anchor is not None or event.tag is not None:
        raise _Unusual
    value: str = event.value
    if not event.implicit[0]:
        return value  # quoted or block text: always a string
    found = _PLAIN.get(value, _UNSEEN)
    if found is _UNSEEN:
        found = _plain(value)
        if len(_PLAIN) < _PLAIN_KEPT:
            _PLAIN[value] = found
    return found


def _plain(value: str) -> Any:
    """A plain scalar's value: its text resolved to a type (``_LineLoader``'s implicit resolvers) and
    constructed. A function of the text alone."""
    for tag, pattern in _IMPLICIT.get(value[:1], ()) + _ANY_FIRST:  # noqa: B007 (tag is used after the loop)
        if pattern.match(value):
            break
    else:
        return value
    if tag == _INT and value.isdecimal() and value.isascii() and (value[0] != "0" or value == "0"):
        return int(value)
    node = yaml.ScalarNode(tag, value)
    constructor = _LineLoader.yaml_constructors.get(tag)
    if constructor is None or tag.endswith((":merge", ":value", ":yaml")):
        raise _Unusual
    return constructor(_CONSTRUCTOR, node)


_PLAIN: dict[str, Any] = {}
"""Plain scalars' values by their text, as met in this process: records repeat field names, topic
ids, keywords, venues, years and dates (10,000 records: 250,000 plain scalars, 11,600 texts), and
resolving each (regular expressions, PyYAML's date constructor) was a fifth of building the data.
The values are immutable (text, numbers, dates), so records can share them."""
_PLAIN_KEPT = 100_000
"""At most this many texts are kept (a few MB)."""
_UNSEEN: Any = object()


Outline = tuple[list[Any], list[int]]
"""A parsed document's shape and lines, in document order, as ``_build`` meets them: the shape
lists each block's keys (closed by ``END``) and each list's start (``LIST``, then ``ITEM`` before
each item, closed by ``END``);
the lines list the line of each key and list item. Two documents of the same shape have the same
dotted paths (``records.line_table``): scalar keys are always kept as their text."""

LIST: Any = type("LIST", (), {"__repr__": lambda self: "LIST"})()
ITEM: Any = type("ITEM", (), {"__repr__": lambda self: "ITEM"})()
END: Any = type("END", (), {"__repr__": lambda self: "END"})()


def _build(get: Callable[[], Any], event: Any, shape: list[Any], line_of: list[int]) -> Any:
    """The value that starts with ``event``; ``get`` reads the parser's next event. Its keys and
    lists are added to ``shape`` and their lines to ``line_of`` (an ``Outline``)."""
    kind = type(event)
    if kind is yaml.ScalarEvent:
        return _scalar(event)
    if event.anchor is not None or event.tag is not None:
        raise _Unusual
    if kind is yaml.MappingStartEvent:
        mapping = LineDict()
        mapping.line = event.start_mark.line + 1
        lines: dict[Any, int] = {}
        mapping.lines = lines
        while True:
            key_event: Any = get()
            key_line = key_event.start_mark.line + 1
            if type(key_event) is not yaml.ScalarEvent:
                if type(key_event) is yaml.MappingEndEvent:
                    shape.append(END)
                    return mapping
                raise _Unusual  # a block or list as a key, or an alias
            key = _scalar(key_event)
            if type(key) is not str:
                # A key is a field's name, so it stays as it is written: `true:` or `2020:` is then an
                # unknown field named as the contributor typed it (pydantic would say "1" or "None").
                key = key_event.value
            if key in mapping:
                raise _Unusual  # the full loader names the duplicate
            shape.append(key)
            line_of.append(key_line)
            mapping[key] = _build(get, get(), shape, line_of)
            lines[key] = key_line
    if kind is yaml.SequenceStartEvent:
        sequence = LineList()
        sequence.line = event.start_mark.line + 1
        item_lines: list[int] = []
        sequence.lines = item_lines
        shape.append(LIST)
        while True:
            event = get()
            if type(event) is yaml.SequenceEndEvent:
                shape.append(END)
                return sequence
            item_line = event.start_mark.line + 1
            item_lines.append(item_line)
            shape.append(ITEM)
            line_of.append(item_line)
            sequence.append(_build(get, event, shape, line_of))
    raise _Unusual  # an alias


def _load(text: str, outline: Outline | None = None) -> Any:
    """``yaml.load(text, Loader=_LineLoader)``, built from events when the text allows it; then
    ``outline`` (if given) is filled in, else it is left empty (the full loader made the data)."""
    shape, line_of = outline if outline is not None else ([], [])
    parser = CParser(text)
    try:
        get = parser.get_event
        get()  # the stream's start
        event = get()
        if type(event) is yaml.StreamEndEvent:
            return None
        data = _build(get, get(), shape, line_of)  # after the document's start
        get()  # the document's end
        if type(get()) is yaml.StreamEndEvent:
            return data
    except (_Unusual, yaml.YAMLError):
        pass
    finally:
        parser.dispose()
    # Several documents, an error, or YAML that records never use: the full loader, which says why.
    del shape[:], line_of[:]
    return yaml.load(text, Loader=_LineLoader)


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


def parse_yaml(text: str, path: str, outline: Outline | None = None) -> tuple[Any, list[Problem]]:
    """Parse one YAML document, turning YAML's own errors into plain-language problems.
    ``outline``: two empty lists, given the parsed data's ``Outline`` (left empty when it was not
    made from events: see ``_load``)."""
    try:
        data = _load(text, outline)
    except DuplicateKeyError as err:
        mark = err.problem_mark
        return None, [Problem(path, mark.line + 1 if mark else None, err.key, str(err.problem))]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or "the YAML is malformed"
        if (err.context == "while scanning a quoted scalar" and err.context_mark is not None
                and problem.startswith(("found unexpected end of stream", "found unexpected document"))):
            # YAML reports the end of the file (or a later line) where the quote it never found a
            # closing for would end: the mistake is where the quote opens.
            opened = err.context_mark
            quote = text[opened.index:opened.index + 1] if opened.index < len(text) else '"'
            return None, [Problem(path, opened.line + 1, _key_on_line(text, opened.line + 1),
                                  f"this value opens a quote ({quote}) that is never closed; "
                                  f"add the closing {quote} at the end of the value")]
        if problem == "found character that cannot start any token" and mark is not None:
            problem = _describe_bad_start(text, mark.line, mark.column)
        better = explain_error(text, problem, line)
        if better is not None:
            return None, [Problem(path, better[0], better[1], better[2])]
        message = _YAML_HINTS.get(problem)
        if message is None:
            message = next(
                (hint for key, hint in _YAML_HINTS.items() if problem.startswith(key)),
                f"this is not valid YAML ({problem})",
            )
        return None, [Problem(path, line, _key_on_line(text, line), message)]
    except yaml.YAMLError as err:
        return None, [Problem(path, None, "", f"this is not valid YAML ({err})")]
    # YAML accepts a few mistakes silently (a '- ' indented too far, ' #' cutting a value).
    mistakes = silent_mistakes(text, path)
    if mistakes:
        return None, mistakes
    return data, []

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


def read_user_bytes(file: Path | str, shown: str) -> tuple[bytes | None, list[Problem]]:
    """A user's file as bytes, or the reason it cannot be read, in words (never a traceback)."""
    data, problems, _ = read_user_bytes_opened(file, shown, None)
    return data, problems


_Opened = TypeVar("_Opened")


def read_user_bytes_opened(file: Path | str, shown: str, opened: Callable[[int], _Opened] | None,
                           ) -> tuple[bytes | None, list[Problem], _Opened | None]:
    """``read_user_bytes``, and ``opened`` of the open file's descriptor before it is read (a stamp
    of the file read, not of whatever the name meant a moment before), or None when it could not
    be opened. Plain ``os`` calls: a record file is small, and pathlib's and ``open()``'s layers cost
    more than the read (0.06 s against 0.15 s for 10,000 files)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as err:
        return None, [_unreadable(err, shown)], None
    try:
        seen = opened(fd) if opened is not None else None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), [], seen
    except OSError as err:
        return None, [_unreadable(err, shown)], None
    finally:
        os.close(fd)


def _unreadable(err: OSError, shown: str) -> Problem:
    if isinstance(err, IsADirectoryError):
        return Problem(shown, None, "", "this is a folder, not a file")
    return Problem(shown, None, "", f"cannot read this file ({err.strerror or err})")


def decode_user_text(data: bytes, shown: str) -> tuple[str | None, list[Problem]]:
    """A file's bytes as text with universal newlines (as ``open()`` reads it), or why not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(shown, None, "", "the file is not UTF-8 text; save it as UTF-8")]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def read_user_text(file: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """A user's file as text, or the reason it cannot be read, in words (never a traceback)."""
    data, problems = read_user_bytes(file, shown)
    if data is None:
        return None, problems
    return decode_user_text(data, shown)


def read_yaml_file(file: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Read and parse one YAML file, every failure as a problem."""
    text, problems = read_user_text(file, shown)
    if text is None:
        return None, problems
    return parse_yaml(text, shown)

