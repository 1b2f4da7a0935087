"""The docs that are generated from the code are up to date, and the README's commands are real."""

from __future__ import annotations

import importlib.util
import re
import shlex
from types import ModuleType

from phenomena_catalog.cli import build_parser
from phenomena_catalog.commands import COMMANDS

from conftest import REPO

README = REPO / "README.md"


def command_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("command_reference", REPO / "scripts" / "command_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_command_reference_is_generated_from_the_current_help() -> None:
    script = command_reference()
    assert (REPO / "docs" / "commands.md").read_text(encoding="utf-8") == script.reference(), (
        "docs/commands.md is out of date: run python scripts/command_reference.py")
    for command in COMMANDS:
        assert f"\n## {command.NAME}\n" in script.reference()


def test_the_readme_command_table_names_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Commands"):]
    table = table[: table.index("\n\n", table.index("| command |"))]
    for command in COMMANDS:
        assert re.search(rf"`{re.escape(command.NAME)}[ `]", table), f"README.md's command table lacks {command.NAME}"


def test_every_command_line_in_the_readme_parses() -> None:
    parser = build_parser()
    lines = re.findall(r"^ {4}(?:.*&& )?phenomena-catalog (.+)$", README.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(lines) > 5
    for line in lines:
        argv = shlex.split(line, comments=True)
        assert parser.parse_args(argv).command in {c.NAME for c in COMMANDS}, line


def test_the_readme_installs_into_a_virtual_environment() -> None:
    text = README.read_text(encoding="utf-8")
    assert ("    python3 -m venv .venv && . .venv/bin/activate && python -m pip install -e . "
            "&& phenomena-catalog serve\n") in text
    assert "\n    scripts/test\n" in text
    assert "## Start your own catalog" in text
    assert "pip install -e ." not in text.replace("python -m pip install -e . &&", "")
