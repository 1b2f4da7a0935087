"""One module per command, and the registry ``--help`` lists them from.

A command module is imported only when its command runs (or its own ``--help`` is asked for):
``phenomena-catalog --help`` reads this registry alone, and so starts in a few tens of milliseconds
instead of importing pydantic, Jinja and every importer. Each module exposes ``NAME``,
``DESCRIPTION``, ``configure(parser)`` and ``run(args) -> int``; its one-line help lives here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Command:
    """A command: its name, its module in this package, and its one-line help."""

    name: str
    module: str
    help: str
    collector_paused: bool = False
    """Whether the command runs with the cyclic garbage collector off (``cli.main``): one that makes
    mostly long-lived objects and then exits, whose stages turn the collector on where they make
    garbage cycles (``executors.collector_frozen``). Never one that runs until stopped (``serve``).
    (``validate`` at 10,000 records: the collector spent 0.2-0.27 s of CPU rescanning them, and
    found 1,172 objects to free.)"""

    def load(self) -> ModuleType:
        """The command's module (``NAME``, ``DESCRIPTION``, ``configure``, ``run``)."""
        return importlib.import_module(f"phenomena_catalog.commands.{self.module}")


REGISTRY = (
    Command("init", "init",
            "start a new catalog in a folder: settings, starter taxonomy, schema, GitHub workflow, docs"),
    Command("build", "build",
            "build the static site from the records", collector_paused=True),
    Command("serve", "serve",
            "build the site, serve it on 127.0.0.1 and rebuild on every change"),
    Command("validate", "validate",
            "check every record and the taxonomy; write nothing", collector_paused=True),
    Command("new", "new",
            "start a new record: a commented template, or questions when run in a terminal"),
    Command("add", "add",
            "add a paper from arXiv: fetch its metadata and write its record"),
    Command("enrich", "enrich",
            "fill missing authors, month, venue, DOI and arXiv id from arXiv and OpenAlex"),
    Command("check-links", "check_links",
            "check that every record's links still answer; report broken ones as FILE:LINE"),
    Command("import", "import_",
            "import paper lists (awesome lists, Markdown, DokuWiki, BibTeX) into records"),
    Command("export", "export",
            "write the catalog as an awesome-list README, BibTeX, JSON or CSL-JSON"),
    Command("report", "report",
            "print how complete the records are (per field and source list) and the papers per topic"),
    Command("schema", "schema",
            "write the JSON Schema of a record file, for editor completion and checks"),
    Command("theme", "theme",
            "list the default theme's templates and assets, or copy one into templates/ to customise it"),
)
"""Every command, in the order ``--help`` shows them."""


def __getattr__(name: str) -> Any:
    # ``COMMANDS``: every command's module, for tests and documentation checks (imports them all).
    if name == "COMMANDS":
        return [command.load() for command in REGISTRY]
    raise AttributeError(name)
