"""What a build holds in memory: stages leave no garbage that only the cyclic collector frees.

The build pauses the collector while it loads, indexes and plans (``executors.collector_paused``) and
then freezes what exists (``collector_frozen``), so garbage in a reference cycle made by those stages
is never freed during the build: a nested function that calls itself, holding the lists it fills, left
2 KB per record (100 MB at 50,000 records). Memory itself is measured by ``bench/build_benchmark.py``.
"""

from __future__ import annotations

import gc
import shutil
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


def test_serve_keeps_no_renderer_of_an_earlier_rebuild(tmp_path: Path) -> None:
    # serve rebuilds in one process on every save: each rebuild's renderer (its templates, catalog
    # and rendered entries) must be freed by the next, or the process grows by a catalog a save.
    import weakref

    from phenomena_catalog.build_cache import read_cache
    from phenomena_catalog.config import load_config
    from phenomena_catalog.executors import SerialExecutor
    from phenomena_catalog.pipeline import build
    from phenomena_catalog.render import Renderer

    from conftest import TEMPLATES, copy_fixture_catalog

    catalog = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, catalog / "templates")
    site, config = catalog / "site", load_config(catalog / "catalog.yaml")
    made: list[weakref.ref[Renderer]] = []
    original = Renderer.__init__

    def remembered(self: Renderer, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(weakref.ref(self))

    Renderer.__init__ = remembered  # type: ignore[method-assign]
    try:
        cache = read_cache(site)
        record = catalog / "papers" / "chen2021sparse.yaml"
        for edit in range(3):
            record.write_text(record.read_text(encoding="utf-8").replace(
                "digest: |\n", f"digest: |\n  Edit {edit}.\n"), encoding="utf-8")
            _, cache = build(catalog / "papers", catalog / "templates", site, config, SerialExecutor(), cache)
    finally:
        Renderer.__init__ = original  # type: ignore[method-assign]
    gc.collect()
    assert len(made) >= 3
    assert [ref() is None for ref in made[:-1]] == [True] * (len(made) - 1)
