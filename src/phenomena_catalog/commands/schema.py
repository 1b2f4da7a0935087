"""``phenomena-catalog schema``: the record format as JSON Schema, for editors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phenomena_catalog.errors import UserError, display_path
from phenomena_catalog.schema import schema_text
from phenomena_catalog.write import write_atomically

NAME = "schema"
DESCRIPTION = """\
Print (or write to FILE) the JSON Schema of a paper record, generated from the record models:
every field with its description, unknown fields rejected. Records written by 'add' and 'new'
start with a yaml-language-server modeline pointing at schema/paper.schema.json, so editors with a
YAML language server complete field names and flag typos while you type.

example:
  phenomena-catalog schema --out schema/paper.schema.json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write the schema to FILE instead of printing it")


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out: Path = args.out
    if out.is_dir():
        raise UserError(f"{display_path(out)}: is a folder; pass a file name such as {out / 'paper.schema.json'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, text)
    print(f"wrote {display_path(out)}")
    return 0
