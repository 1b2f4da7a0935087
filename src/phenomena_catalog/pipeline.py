"""The stages of a build, in order, and the compositions commands share.

    load(papers_dir)        -> Records      records.py   (the only stage that reads papers/)
    check(records)          -> [Problem]    validate.py
    index(records)          -> Catalog      catalog.py
    plan(catalog, config)   -> [Page]       plan.py      (each page: a typed context, its inputs)
    render(page)            -> text         render.py    (Jinja; presentation rules: presentation.py)
    write(pages)            -> the site     write.py     (the only stage that writes the output)

Parallelism and garbage-collector tuning are ``executors``, handed to the stages that use them.
``commands/build.py`` runs every stage; ``validate``, ``export`` and ``import`` stop after index or check.
"""

from __future__ import annotations

from pathlib import Path

from phenomena_catalog.catalog import Catalog, index
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import Executor
from phenomena_catalog.records import Records, load
from phenomena_catalog.validate import check


def load_checked(papers_dir: Path, executor: Executor | None = None) -> Records:
    """Load and check every file in ``papers_dir``; raises UserError listing every problem."""
    records = load(papers_dir, executor)
    problems = records.problems + check(records)
    if problems:
        raise UserError(problems)
    return records


def read_catalog(papers_dir: Path, executor: Executor | None = None) -> Catalog:
    """Load, check and index the catalog in ``papers_dir``; every problem at once as a UserError."""
    return index(load_checked(papers_dir, executor))
