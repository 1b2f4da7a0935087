"""Record files written the way a person would write them: field order, block lists, ``|`` text.

The one way ``new``, ``add`` and ``import`` write a record; the write is atomic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from phenomena_catalog.models import PaperRecord
from phenomena_catalog.write import write_atomically


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
