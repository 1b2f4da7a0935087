"""YAML mistakes that contributors make and YAML either accepts silently or blames on the wrong cause.

Accepted silently (``silent_mistakes``, run on text that parsed)::

    authors:
      - Ada Lovelace
       - Alan Turing           -> one author "Ada Lovelace - Alan Turing"
    title: Grokking #1 result  -> the title "Grokking" (" #" starts a comment)

Blamed on the wrong cause (``explain_error``, run when parsing failed)::

    title: Field indented
      year: 2022               -> YAML: "mapping values are not allowed" (a colon in a value?)
    title: "Grokking" beyond   -> YAML: "did not find expected key" (indentation?)
    authors: [Ada, Alan        -> YAML: reported on the next line

Both return problems in the words of ``Problem`` (file, line, field, what to do). Pure functions of
the text; each is one regular-expression scan, cheap enough for every file of every build.
"""

from __future__ import annotations

import re

from phenomena_catalog.errors import Problem

# "- value" followed by a more indented "- ": YAML folds the second line into the first item.
_DEEPER_ITEM = re.compile(r"^( *)- (?P<first>(?![^\n]*: )[^\n]*[^\s:\n])\n(?P<deeper>\1 +)- (?P<second>[^\n]*)$",
                          re.MULTILINE)
# What every _DEEPER_ITEM match contains (with a newline before the text), found by a fast scan.
_MAYBE_DEEPER_ITEM = re.compile(r"\n( *)- [^\n]*\n\1 +- ")
# An unquoted value with " #" right before a non-space: a comment YAML cuts off, where the writer
# meant text ("Grokking #1 result"). Real comments are written "value  # note".
_HASH_IN_VALUE = re.compile(
    r"^(?P<indent> *)(?:- |(?P<key>[A-Za-z_][\w-]*): +)(?P<value>[^\s'\"\[{>|#&*!%@`][^\n#]*?\S) #(?P<after>\S[^\n]*)$",
    re.MULTILINE,
)
_KEY_LINE = re.compile(r"^(?P<indent> *)(?:- +)?(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s|$)")
_QUOTED_THEN_TEXT = re.compile(
    r"^\s*(?:- +)?(?:(?P<key>[A-Za-z_][\w-]*)\s*: +)?(?P<value>([\"'])(?:(?!\3).)*\3\s*[^\s#].*)$")


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _owner_key(lines: list[str], line: int, indent: int) -> str:
    """The key above line ``line`` (1-based) that is less indented: the field a list item belongs to."""
    for index in range(line - 2, -1, -1):
        found = _KEY_LINE.match(lines[index])
        if found and len(found["indent"]) < indent:
            return found["key"]
    return ""


_BLOCK_START = re.compile(r"^(?P<indent> *)(?:- +)?(?:[A-Za-z_][\w-]*\s*:\s*)?[|>][-+0-9]*\s*(?:#.*)?$")


def _without_block_scalars(text: str) -> str:
    """The text with the lines of ``|`` and ``>`` blocks emptied: their '- ' and '#' are plain text."""
    lines = text.split("\n")
    block_indent: int | None = None
    for index, line in enumerate(lines):
        if block_indent is not None:
            if not line.strip() or len(line) - len(line.lstrip(" ")) > block_indent:
                lines[index] = ""
                continue
            block_indent = None
        start = _BLOCK_START.match(line)
        if start:
            block_indent = len(start["indent"])
    return "\n".join(lines)


def silent_mistakes(text: str, path: str) -> list[Problem]:
    """Mistakes in text YAML parsed without complaint, each with its line, field and fix."""
    # Both are rare: a test as fast as a string search, true of every text that has one, comes first.
    if " #" not in text and not _MAYBE_DEEPER_ITEM.search("\n" + text):
        return []
    if "|" in text or ">" in text:
        text = _without_block_scalars(text)
    problems = []
    lines = text.splitlines()
    for match in _DEEPER_ITEM.finditer(text):
        line = _line_at(text, match.start("deeper"))
        key = _owner_key(lines, line, len(match.group(1)) + 1)
        joined = f"{match['first']} - {match['second']}"
        problems.append(Problem(path, line, key, (
            f"this '- ' item is indented more than the one above it, so YAML reads the two as one item "
            f"('{joined[:60]}'); start every '- ' of the list at the same column")))
    for match in _HASH_IN_VALUE.finditer(text):
        line = _line_at(text, match.start())
        key = match["key"] or _owner_key(lines, line, len(match["indent"]) + 1)
        whole = f"{match['value']} #{match['after']}".replace('"', '\\"')
        problems.append(Problem(path, line, key, (
            f"' #' starts a comment in YAML, so the value is cut to '{match['value']}'; "
            f"put the whole value in double quotes: \"{whole}\"")))
    return sorted(problems, key=lambda p: p.line or 0)


def explain_error(text: str, problem: str, line: int | None) -> tuple[int | None, str, str] | None:
    """A better (line, field, message) for a YAML parse error whose usual hint names the wrong cause."""
    if line is None:
        return None
    lines = text.splitlines()
    if problem.startswith(("did not find expected ',' or ']'", "did not find expected ',' or '}'",
                           "found unexpected end of stream", "did not find expected node content")):
        opener, closer = ("{", "}") if "'}'" in problem else ("[", "]")
        for index in range(min(line, len(lines)) - 1, -1, -1):
            if lines[index].count(opener) > lines[index].count(closer):
                found = _KEY_LINE.match(lines[index])
                return index + 1, found["key"] if found else "", (
                    f"this list opens with '{opener}' but is never closed; add '{closer}' at the end of the line")
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    if problem.startswith("mapping values are not allowed"):
        found = _KEY_LINE.match(current)
        previous = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip()), "")
        above = _KEY_LINE.match(previous)
        if found and above and len(found["indent"]) > len(above["indent"]) and previous.rstrip()[-1:] != ":":
            return line, found["key"], (
                f"this field is indented more than '{above['key']}' above it; start it at the same column "
                "as the other fields")
    if problem.startswith(("did not find expected key", "could not find expected ':'",
                           "expected <block end>")):
        for candidate in (line, line - 1):
            text_line = lines[candidate - 1] if 0 < candidate <= len(lines) else ""
            quoted = _QUOTED_THEN_TEXT.match(text_line)
            if quoted:
                value = quoted["value"].strip()
                fix = "'" + value.replace("'", "''") + "'" if value[0] == '"' else '"' + value.replace('"', '\\"') + '"'
                return candidate, quoted["key"] or "", (
                    "the value starts with a quoted part and goes on after the closing quote; "
                    f"quote the whole value: {fix}")
    return None
