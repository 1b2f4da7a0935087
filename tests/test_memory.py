"""What a build holds in memory: stages leave no garbage that only the cyclic collector frees.

The build pauses the collector while it loads, indexes and plans (``executors.collector_paused``) and
then freezes what exists (``collector_frozen``), so garbage in a reference cycle made by those stages
is never freed during the build: a nested function that calls itself, holding the lists it fills, left
2 KB per record (100 MB at 50,000 records). Memory itself is measured by ``bench/build_benchmark.py``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from phenomena_catalog.catalog import index
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.plan import TextMemos, plan
from phenomena_catalog.records import load
from phenomena_catalog.search_index import build_search_index

CATALOG = Path(__file__).parent / "fixtures" / "catalog" / "papers"


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cyclic_garbage(stage: Callable[[], Any]) -> list[str]:
    """The types of the objects ``stage`` left in reference cycles (its result kept alive)."""
    gc.collect()
    result = stage()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sorted({type(item).__name__ for item in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    del result
    return found


def test_loading_leaves_no_cyclic_garbage(collector_off: None) -> None:
    assert cyclic_garbage(lambda: load(CATALOG)) == []


def test_indexing_and_planning_leave_no_cyclic_garbage(collector_off: None) -> None:
    catalog = index(load(CATALOG))
    plan(catalog, SiteConfig())  # (the first plan imports modules, whose objects do hold each other)
    assert cyclic_garbage(lambda: build_search_index(catalog)) == []
    assert cyclic_garbage(lambda: plan(catalog, SiteConfig(), memos=TextMemos())) == []
