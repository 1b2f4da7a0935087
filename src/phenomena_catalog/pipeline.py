"""The stages of a build, in order, and the compositions commands share.

    load(papers_dir)        -> Records      records.py   (the only stage that reads papers/)
    check(records)          -> [Problem]    validate.py
    index(records)          -> Catalog      catalog.py
    plan(catalog, config)   -> [Page]       plan.py      (each page: a typed context, its inputs:
                                                          plan_units; a rebuild plans the changed ones)
    render(page)            -> text         render.py    (Jinja; presentation rules: presentation.py)
    write(pages)            -> the site     write.py     (the only stage that writes the output)

Parallelism and garbage-collector tuning are ``executors``, handed to the stages that use them;
``build_cache`` lets a build skip what did not change since the last one.
``commands/build.py`` runs every stage; ``validate``, ``export`` and ``import`` stop after index or check.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from phenomena_catalog.catalog import Catalog, index
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import Executor
from phenomena_catalog.records import ParseResult, Records, load
from phenomena_catalog.validate import check


def load_checked(papers_dir: Path, executor: Executor | None = None,
                 known: Mapping[str, ParseResult] | None = None) -> Records:
    """Load and check every file in ``papers_dir``; raises UserError listing every problem.

    ``known``: parse results of an earlier build (see ``records.load_papers``).
    """
    records = load(papers_dir, executor, known)
    problems = records.problems + check(records)
    if problems:
        raise UserError(problems)
    return records


def read_catalog(papers_dir: Path, executor: Executor | None = None) -> Catalog:
    """Load, check and index the catalog in ``papers_dir``; every problem at once as a UserError."""
    return index(load_checked(papers_dir, executor))
