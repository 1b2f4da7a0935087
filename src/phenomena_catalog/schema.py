"""The record format as JSON Schema, generated from the pydantic models, for editors.

Editors with a YAML language server (VS Code's YAML extension, JetBrains IDEs, Neovim's yamlls)
read the modeline at the top of a record and then complete field names, show each field's
docstring and underline typos such as ``autors:`` while typing::

    # yaml-language-server: $schema=../schema/paper.schema.json
    title: ...

The schema is committed at ``schema/paper.schema.json`` beside ``papers/``; regenerate it with
``phenomena-catalog schema --out schema/paper.schema.json`` after changing ``models.py`` (a test
fails until you do).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from phenomena_catalog.models import PaperRecord

SCHEMA_FILE = Path("schema") / "paper.schema.json"
"""Where the schema lives, relative to the catalog's root (the folder that holds ``papers/``)."""
SCHEMA_ID = "https://json-schema.org/draft/2020-12/schema"


def record_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one record file: field docstrings become descriptions."""
    body = PaperRecord.model_json_schema(mode="validation")
    body["title"] = "Paper record"
    body["description"] = (
        "One paper of the catalog, written as papers/<id>.yaml. Generated from "
        "phenomena_catalog.models.PaperRecord by 'phenomena-catalog schema'; do not edit by hand."
    )
    return {"$schema": SCHEMA_ID, **body}


def schema_text() -> str:
    """The schema as the JSON text that is committed: stable key order, two-space indents."""
    return json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"


def modeline(record_file: Path, papers_dir: Path) -> str:
    """The yaml-language-server comment that points ``record_file`` at the schema, relatively."""
    schema = papers_dir.resolve().parent / SCHEMA_FILE
    relative = Path(os.path.relpath(schema, record_file.resolve().parent)).as_posix()
    return f"# yaml-language-server: $schema={relative}\n"
