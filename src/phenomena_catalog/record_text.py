"""Edit a record file's text in place: set some top-level fields, keep every other byte.

A maintainer's record has comments, a field order and a quoting style of its own; re-dumping the
whole record (``record_writer.dump_record``) would lose them. ``set_fields`` changes only the lines
of the fields it sets: an existing field's lines are replaced, a new field is inserted after the
field that precedes it in the record format's order (``models.PaperRecord``). Values are written as
``record_writer.dump_fields`` writes them::

    title: Deep Double Descent          title: Deep Double Descent
    # reviewed by hand                  # reviewed by hand
    year: 2020               ->         year: 2020
    topics: [double-descent]            month: 12
                                        topics: [double-descent]

Comment and blank lines between two fields stay with the field below them. Pure: text in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phenomena_catalog.errors import UserError
from phenomena_catalog.models import PaperRecord
from phenomena_catalog.record_writer import dump_fields
from phenomena_catalog.yaml_lines import LineDict, parse_yaml

FIELD_ORDER = [name for name in PaperRecord.model_fields]


def set_fields(text: str, values: Mapping[str, Any], path: str) -> str:
    """``text`` with each top-level field of ``values`` set, everything else kept as it was."""
    data, problems = parse_yaml(text, path)
    if problems:
        raise UserError(problems)
    if not isinstance(data, LineDict):
        raise UserError(f"{path}: a record must be a block of 'field: value' lines")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    starts = sorted((line - 1, key) for key, line in data.lines.items())
    if len({start for start, _ in starts}) != len(starts):
        raise UserError(f"{path}: this record is written on one line ({{...}}); write one field per line "
                        "so it can be edited in place")
    spans: dict[str, tuple[int, int]] = {}
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        # Blank and comment lines before the next field belong to that field.
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        spans[str(key)] = (start, end)

    edits: list[tuple[int, int, int, str]] = []  # (start, end, order, new text)
    for key, value in values.items():
        order = FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
        new_text = dump_fields({key: value})
        if key in spans:
            start, end = spans[key]
            edits.append((start, end, order, new_text))
        else:
            at = _insertion_line(key, spans, starts[0][0] if starts else len(lines))
            edits.append((at, at, order, new_text))

    out: list[str] = []
    position = 0
    for start, end, _, new_text in sorted(edits):
        out.extend(lines[position:start])
        out.append(new_text)
        position = max(position, end)
    out.extend(lines[position:])
    return "".join(out)


def _insertion_line(key: str, spans: Mapping[str, tuple[int, int]], first_field: int) -> int:
    """Where a new field goes: after the nearest field before it in the format's order."""
    order = FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
    for earlier in reversed(FIELD_ORDER[:order]):
        if earlier in spans:
            return spans[earlier][1]
    return first_field
