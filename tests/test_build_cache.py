"""The build cache on disk (``cache_store``): a build reads only what it needs and writes only what
changed; a damaged cache, or one a killed build left, is never trusted wrongly; a build with
nothing changed reads the cache's index alone and imports no pipeline module."""

from __future__ import annotations

import copy
import gc
import itertools
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phenomena_catalog import cache_store

from conftest import FIXTURES, TEMPLATES, build_copy, copy_fixture_catalog, site_files

PAPER = "power2022grokking"


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the fixture catalog, built once (cache written), every dict of its cache a table."""
    monkeypatch.setattr(cache_store, "TABLE_MIN", 1)
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    build_copy(source, source / "site")
    return source


def assert_same_as_a_build_from_scratch(source: Path) -> None:
    reference = source.parent / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    build_copy(source, reference, use_cache=False)
    assert site_files(source / "site") == site_files(reference)


def segments(source: Path) -> dict[str, int]:
    """Each segment file of the cache of ``source/site`` and its size."""
    folder = cache_store.cache_folder(source / "site")
    return {p.name: p.stat().st_size for p in folder.glob("*.seg")}


def named_segments(source: Path) -> set[str]:
    index = cache_store.Store.open(cache_store.cache_folder(source / "site")).index
    return {s.name for s in (*index.fields.values(), *(s for t in index.tables.values() for s in t))}


def edit(source: Path, paper: str, old: str, new: str) -> None:
    record = source / "papers" / f"{paper}.yaml"
    text = record.read_text(encoding="utf-8")
    assert old in text
    record.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_writes_a_small_delta_of_each_table_it_changed_and_nothing_else(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every stamp trusted at once: else the edited record's, first kept once the file is 2 s old,
    # is a change the build with nothing changed below keeps when the builds before it took 2 s
    # (on a busy machine), and that build writes the cache.
    monkeypatch.setattr(cache_store, "SETTLED_NS", -1)
    before = segments(catalog)
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    result = build_copy(catalog, catalog / "site")
    assert result.incremental
    after = segments(catalog)
    new = {name: size for name, size in after.items() if name not in before}
    # The parse results, check memo, data-file pieces and page fingerprints gained a delta
    # segment each, holding the edited record's entries only; the other segments were kept as they were.
    tables = {name.split(".")[0] for name in new}
    assert {"parsed", "checked", "texts", "site"} <= tables
    for table in ("parsed", "texts.json", "checked.papers"):
        base = max(size for name, size in before.items() if name.rsplit(".", 2)[0] == table)
        assert [size for name, size in new.items() if name.rsplit(".", 2)[0] == table] < [base // 2]
    assert set(after) == named_segments(catalog)  # (no segment left that the index does not name)
    assert_same_as_a_build_from_scratch(catalog)
    # A build with nothing changed writes nothing.
    index = cache_store.index_file(catalog / "site").read_bytes()
    assert build_copy(catalog, catalog / "site").rendered == 0
    assert cache_store.index_file(catalog / "site").read_bytes() == index and segments(catalog) == after


def test_edits_keep_one_delta_of_each_table_and_every_build_reads_what_the_last_one_wrote(catalog: Path) -> None:
    papers = sorted(p.stem for p in (catalog / "papers").glob("[!_]*.yaml"))
    for number, paper in enumerate(papers[:20]):
        record = catalog / "papers" / f"{paper}.yaml"
        record.write_text(record.read_text(encoding="utf-8") + f"# edit {number}\n", encoding="utf-8")
        assert build_copy(catalog, catalog / "site").incremental
        index = cache_store.Store.open(cache_store.cache_folder(catalog / "site")).index
        assert all(len(segments) <= 2 for segments in index.tables.values())  # (a base and at most one delta)
    assert_same_as_a_build_from_scratch(catalog)


def test_a_table_changed_write_after_write_keeps_one_delta_since_its_base_until_it_is_folded_into_a_new_base(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_store, "DELTA_SLACK", 0)  # (folded once the delta outgrows a quarter of the base)
    folder = tmp_path / "cache"
    table = {f"k{n}": str(n) for n in range(400)}
    cache_store.Store(folder).write({"table": dict(table), "plain": 0}, None)
    base = cache_store.Store.open(folder).index.tables["table"][0]
    for write in range(1, 100):
        store = cache_store.Store.open(folder)  # (a new build)
        read = store.fields()["table"]
        assert list(read.items()) == list(table.items())
        # A value changed, an entry added, one removed, one added by an earlier write removed again.
        table[f"k{write}"] = f"changed {write}"
        table[f"new{write}"] = "added"
        del table[f"k{399 - write}"]
        if write > 1:
            del table[f"new{write - 1}"]
        read[f"k{write}"] = f"changed {write}"
        read[f"new{write}"] = "added"
        del read[f"k{399 - write}"]
        if write > 1:
            del read[f"new{write - 1}"]
        store.write({"table": read, "plain": write}, None)
        segments = store.index.tables["table"]
        assert {p.name for p in folder.glob("*.seg")} == {
            s.name for s in (*store.index.fields.values(), *(s for t in store.index.tables.values() for s in t))}
        if segments[0] != base:  # folded: every entry in a new base, no delta
            assert len(segments) == 1 and segments[0].entries == len(table)
            assert 2 * write + 1 > base.entries // 4  # (no sooner than the delta outgrew a quarter of the base)
            break
        # One delta of what changed since the base: the values changed and the entries removed so
        # far, and the one entry added and not removed since.
        assert len(segments) == 2 and segments[1].entries == 2 * write + 1
    else:
        raise AssertionError("the delta was never folded into a new base")
    assert cache_store.Store.open(folder).fields() == {"table": table, "plain": write}


@pytest.mark.parametrize("damage", ["segment garbage", "segment truncated", "segment missing", "index truncated",
                                    "index of another version", "segment of another build",
                                    "parts of a segment cut", "parts of a segment garbled"])
def test_a_damaged_cache_is_discarded_whole_and_the_site_built_from_scratch(catalog: Path, damage: str) -> None:
    largest = max(segments(catalog).items(), key=lambda item: item[1])[0]
    segment = cache_store.cache_folder(catalog / "site") / largest
    index = cache_store.index_file(catalog / "site")
    if damage == "segment garbage":  # the same size: only the checksum tells
        segment.write_bytes(bytes(255 - b for b in segment.read_bytes()))
    elif damage == "segment truncated":
        segment.write_bytes(segment.read_bytes()[:-1])
    elif damage == "segment of another build":  # the parse results' base, from a build of other records
        edit(catalog, PAPER, "Grokking: Generalization", "Grokking, Elsewhere:")
        build_copy(catalog, catalog / "other")
        (parsed,) = cache_store.Store.open(cache_store.cache_folder(catalog / "site")).index.tables["parsed"]
        (other,) = cache_store.Store.open(cache_store.cache_folder(catalog / "other")).index.tables["parsed"]
        assert other.crc != parsed.crc
        other_file = cache_store.cache_folder(catalog / "other") / other.name
        (cache_store.cache_folder(catalog / "site") / parsed.name).write_bytes(other_file.read_bytes())
        edit(catalog, PAPER, "Grokking, Elsewhere:", "Grokking: Generalization")
    elif damage.startswith("parts of a segment"):
        # A table's large bytes follow its pickle, and a trailer says where (``cache_store._dump_chunk``):
        # one that says otherwise than its checksum is caught all the same, whatever was damaged.
        data = bytearray(segment.read_bytes())
        if damage == "parts of a segment cut":
            data[-16:] = b"\xff" * 16
        else:
            data[-40:-16] = bytes(24)
        crc = cache_store.zlib.crc32(data)
        store = cache_store.Store.open(cache_store.cache_folder(catalog / "site"))
        segment.write_bytes(data)
        # (the index made to agree, as if the damage had been written with it: only reading tells)
        store.index.tables.update({name: tuple(s._replace(crc=crc, checked=None) if s.name == largest else s
                                               for s in found) for name, found in store.index.tables.items()})
        store._commit(store.index)
    elif damage == "segment missing":
        segment.unlink()
    elif damage == "index truncated":
        index.write_bytes(index.read_bytes()[:-10])
    else:
        monkeypatch = pytest.MonkeyPatch()
        monkeypatch.setattr(cache_store, "FORMAT", cache_store.FORMAT + 1)
        cache_store.code_version.cache_clear()
        try:
            assert cache_store.read_fields(catalog / "site") == ({}, "written by another version")
        finally:
            monkeypatch.undo()
            cache_store.code_version.cache_clear()
        index.write_bytes(b"\x80\x05" + index.read_bytes()[2:].replace(b"phenomena-catalog", b"phenomena-katalog"))
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    result = build_copy(catalog, catalog / "site")
    assert not result.incremental and result.rendered == result.pages
    assert_same_as_a_build_from_scratch(catalog)
    # ... and the cache it left is good again.
    assert build_copy(catalog, catalog / "site").rendered == 0


def test_a_segment_found_right_once_is_trusted_by_its_stamp_and_a_write_to_it_is_still_caught(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_store, "SETTLED_NS", 0)  # (every stamp old enough to trust)
    folder = cache_store.cache_folder(catalog / "site")
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    assert build_copy(catalog, catalog / "site").incremental
    index = cache_store.Store.open(folder).index
    listed = [*index.fields.values(), *(s for t in index.tables.values() for s in t)]
    unchecked = {s.name for s in listed if s.checked is None}
    assert unchecked and len(unchecked) < len(listed) // 2  # (those the last build wrote)
    checked: list[int] = []
    crc32 = cache_store.zlib.crc32

    def counted(data: bytes | memoryview, start: int = 0) -> int:
        if isinstance(data, memoryview):  # (a segment read, not one written)
            checked.append(len(data))
        return crc32(data, start)

    monkeypatch.setattr(cache_store.zlib, "crc32", counted)
    edit(catalog, PAPER, "Grokking Edited:", "Grokking Edited Again:")
    assert build_copy(catalog, catalog / "site").incremental
    assert sorted(checked) == sorted(s.size for s in listed if s.name in unchecked)
    assert_same_as_a_build_from_scratch(catalog)
    # Any write to a segment changes its stamp: the checksum is looked at again, and tells.
    index = cache_store.Store.open(folder).index
    largest = max((s for t in index.tables.values() for s in t), key=lambda s: s.size)
    assert largest.checked is not None
    segment = folder / largest.name
    segment.write_bytes(bytes(255 - b for b in segment.read_bytes()))
    edit(catalog, PAPER, "Grokking Edited Again:", "Grokking:")
    result = build_copy(catalog, catalog / "site")
    assert not result.incremental and result.rendered == result.pages
    assert_same_as_a_build_from_scratch(catalog)


def test_a_build_killed_before_keeping_its_cache_leaves_none_a_later_build_trusts_wrongly(catalog: Path) -> None:
    index = cache_store.index_file(catalog / "site").read_bytes()
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    # The build updates the site, writes its new segments, and is killed before its new index replaces the old.
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from phenomena_catalog import cache_store\n"
        "from phenomena_catalog.commands.build import build_site\n"
        "from phenomena_catalog.config import load_config\n"
        "from phenomena_catalog.executors import SerialExecutor\n"
        "cache_store.TABLE_MIN = 1\n"
        "cache_store.Store._commit = lambda self, index: os._exit(9)\n"
        "source = Path(sys.argv[1])\n"
        "build_site(source / 'papers', source / 'templates', source / 'site', load_config(source / 'catalog.yaml'),"
        " executor=SerialExecutor())\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(catalog)], capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    assert "Grokking Edited:" in (catalog / "site" / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")
    assert cache_store.index_file(catalog / "site").read_bytes() == index
    assert set(segments(catalog)) > named_segments(catalog)  # the killed build's segments, named by no index
    # The edit is undone: the old cache must not say the edited pages are as it left them.
    edit(catalog, PAPER, "Grokking Edited:", "Grokking: Generalization")
    build_copy(catalog, catalog / "site")
    assert_same_as_a_build_from_scratch(catalog)
    assert set(segments(catalog)) == named_segments(catalog)  # the killed build's segments are gone


@pytest.fixture
def cli_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture catalog as a user has it (``papers/``, ``templates/``, ``catalog.yaml``), the
    working directory; files are trusted by their stamps at once (the test writes them just now)."""
    source = tmp_path  # (``run_cli`` runs there)
    shutil.copytree(FIXTURES / "catalog", source, dirs_exist_ok=True)
    shutil.copytree(TEMPLATES, source / "templates")
    monkeypatch.chdir(source)
    monkeypatch.setattr(cache_store, "SETTLED_NS", 0)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    return source


def cli_build(run_cli, *options: str) -> str:
    code, out, err = run_cli("build", "--jobs", "1", "--timings", *options)
    assert code == 0, err
    return out


def test_an_edit_build_runs_the_collector_only_while_it_renders_and_leaves_it_on(
        cli_catalog: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Imports and the build cache, read and saved, are long-lived objects: the collector scanning
    # them over and over cost an edit 0.15 s of CPU at 10,000 papers. Rendering makes garbage cycles.
    from contextlib import contextmanager

    from phenomena_catalog import executors

    frozen, rendering, outside = executors.collector_frozen, [False], []

    @contextmanager
    def noted() -> Iterator[None]:
        with frozen():
            rendering[0] = True
            try:
                yield
            finally:
                rendering[0] = False

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not rendering[0]:
            outside.append(info["generation"])

    monkeypatch.setattr(executors, "collector_frozen", noted)
    cli_build(run_cli)
    edit(cli_catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    gc.collect()
    gc.callbacks.append(collected)
    try:
        out = cli_build(run_cli)
    finally:
        gc.callbacks.remove(collected)
    assert "re-rendered" in out and "save cache" in out
    assert outside == []
    assert gc.isenabled()


def test_validate_runs_the_collector_not_at_all_and_leaves_it_on(
        cli_catalog: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from phenomena_catalog.commands import validate

    running, inside = [False], []
    run = validate.run

    def noted(args: object) -> int:
        running[0] = True
        try:
            return run(args)  # type: ignore[arg-type]
        finally:
            running[0] = False

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and running[0]:
            inside.append(info["generation"])

    monkeypatch.setattr(validate, "run", noted)
    gc.collect()
    gc.callbacks.append(collected)
    try:
        code, _out, err = run_cli("validate")
    finally:
        gc.callbacks.remove(collected)
    assert code == 0, err
    assert inside == []
    assert gc.isenabled()


def test_a_build_with_nothing_changed_reads_the_cache_index_alone_and_imports_no_pipeline(
        cli_catalog: Path, run_cli) -> None:
    cli_build(run_cli)
    time.sleep(0.05)  # (so that the build below starts on a later clock tick than any file written)
    out = cli_build(run_cli)
    assert ": 0 re-rendered" in out and "check inputs" in out
    script = ("import sys\nfrom phenomena_catalog import cache_store\ncache_store.SETTLED_NS = 0\n"
              "from phenomena_catalog.cli import main\nassert main(['build']) == 0\n"
              "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'jinja2', 'yaml', 'numpy',"
              " 'scipy', 'markdown_it'))\nprint(heavy, file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_REPOSITORY"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    assert ": 0 re-rendered" in result.stdout
    assert result.stderr.strip() == "[]"


@pytest.mark.parametrize("change", ["record", "record, same size and time", "template", "asset", "settings",
                                    "environment", "stray file", "out"])
def test_a_build_with_nothing_changed_is_told_from_one_with_any_input_changed(
        cli_catalog: Path, run_cli, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_build(run_cli)
    time.sleep(0.05)
    record = cli_catalog / "papers" / f"{PAPER}.yaml"
    out_options: tuple[str, ...] = ()
    if change == "record":
        edit(cli_catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    elif change == "record, same size and time":
        stat = record.stat()
        edit(cli_catalog, PAPER, "Grokking: Generalization", "Grokking: Generalisation")
        os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "template":
        template = cli_catalog / "templates" / "paper.html"
        template.write_text(template.read_text(encoding="utf-8").replace("Cite</h2>", "Cite this</h2>"),
                            encoding="utf-8")
    elif change == "asset":
        (cli_catalog / "templates" / "assets" / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    elif change == "settings":
        settings = cli_catalog / "catalog.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "recent: 3\n", encoding="utf-8")
    elif change == "environment":
        monkeypatch.setenv("GITHUB_REPOSITORY", "org/elsewhere")
    elif change == "stray file":
        (cli_catalog / "papers" / "notes.txt").write_text("a note\n", encoding="utf-8")
        code, _, err = run_cli("build")
        assert code == 1 and "papers/notes.txt" in err
        return
    else:  # the same inputs, built into another folder
        out_options = ("--out", "elsewhere")
    out = cli_build(run_cli, *out_options)
    assert "check inputs" not in out
    code, _, err = run_cli("build", "--no-cache", "--jobs", "1", "--out", "reference")
    assert code == 0, err
    site = cli_catalog / (out_options[1] if out_options else "site")
    assert site_files(site) == site_files(cli_catalog / "reference")
    time.sleep(0.05)
    assert "check inputs" in cli_build(run_cli, *out_options)  # (and the next build finds nothing changed)


def test_a_library_installed_anew_makes_the_next_build_discard_the_cache(
        catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A library the cache depends on (say Jinja, whose compiled templates it keeps), upgraded with
    # the cache kept: that cache is another version's, and the next build starts afresh.
    library = tmp_path / "libraries" / "fakelib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text('__version__ = "1.0"\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(library.parent))
    monkeypatch.setattr(cache_store, "LIBRARIES", (*cache_store.LIBRARIES, "fakelib"))
    cache_store.code_version.cache_clear()
    assert not build_copy(catalog, catalog / "site").incremental  # (the cache of other libraries)
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    assert build_copy(catalog, catalog / "site").incremental
    assert "fakelib" not in sys.modules  # (found, never imported)

    (library / "__init__.py").unlink()  # (the library upgraded: its files written anew)
    (library / "__init__.py").write_text('__version__ = "1.1"\n', encoding="utf-8")
    cache_store.code_version.cache_clear()  # (a new process)
    assert cache_store.read_fields(catalog / "site") == ({}, "written by another version")
    edit(catalog, PAPER, "Grokking Edited:", "Grokking Edited Again:")
    result = build_copy(catalog, catalog / "site")
    assert not result.incremental and result.rendered == result.pages
    assert_same_as_a_build_from_scratch(catalog)
    cache_store.code_version.cache_clear()


def test_files_changed_too_recently_to_trust_their_stamps_are_told_by_their_content(
        cli_catalog: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every file was written just now: none has a stamp to trust yet, all are compared by content.
    monkeypatch.setattr(cache_store, "SETTLED_NS", 10**12)
    monkeypatch.setattr(cache_store, "RECENT_MAX", 10**6)
    cli_build(run_cli)
    assert "check inputs" in cli_build(run_cli)
    record = cli_catalog / "papers" / f"{PAPER}.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text, encoding="utf-8")  # written again as it was: nothing changed
    assert "check inputs" in cli_build(run_cli)
    stat = record.stat()
    record.write_text(text.replace("Grokking: Generalization", "Grokking: Generalisation"), encoding="utf-8")
    os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same size and modification time
    out = cli_build(run_cli)
    assert "check inputs" not in out
    assert "Generalisation" in (cli_catalog / "site" / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")
    assert "check inputs" in cli_build(run_cli)
    # Too many such files: the next build looks inside the cache.
    monkeypatch.setattr(cache_store, "RECENT_MAX", 3)
    record.write_text(text, encoding="utf-8")
    assert "check inputs" not in cli_build(run_cli)
    assert "check inputs" not in cli_build(run_cli)


def test_a_table_is_pickled_a_chunk_at_a_time_and_read_back_whole(catalog: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # (a pickler keeps every object it wrote alive until it is done: a chunk at a time holds less)
    monkeypatch.setattr(cache_store, "TABLE_CHUNK", 3)
    shutil.rmtree(catalog / "site")
    cache_store.remove(catalog / "site")
    build_copy(catalog, catalog / "site")
    store = cache_store.Store.open(cache_store.cache_folder(catalog / "site"))
    (base,) = store.index.tables["parsed"]
    records = len(list((catalog / "papers").glob("[!_]*.yaml")))
    assert base.entries == records > 3
    data = memoryview((cache_store.cache_folder(catalog / "site") / base.name).read_bytes())
    chunks = [cache_store._load_chunk(data[start:end], base)[0] for start, end in itertools.pairwise((0, *base.chunks))]
    assert [len(chunk) for chunk in chunks] == [3] * (records // 3) + ([records % 3] if records % 3 else [])
    fields, discarded = cache_store.read_fields(catalog / "site")
    assert discarded == "" and len(fields["parsed"]) == records  # every chunk read back
    assert build_copy(catalog, catalog / "site").rendered == 0
    edit(catalog, PAPER, "Grokking", "Grokking, edited")
    assert build_copy(catalog, catalog / "site").incremental
    assert_same_as_a_build_from_scratch(catalog)


def test_a_write_after_another_process_rewrote_the_cache_keeps_a_whole_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_store, "TABLE_MIN", 1)
    folder = tmp_path / "cache"
    cache_store.Store(folder).write({"table": {"a": "1", "b": "2"}, "plain": 1}, None)
    first, second = cache_store.Store.open(folder), cache_store.Store.open(folder)
    assert first.fields() == second.fields() == {"table": {"a": "1", "b": "2"}, "plain": 1}
    # Another build (say, while serve runs) writes the table whole and removes the segments it replaced ...
    monkeypatch.setattr(cache_store, "DELTAS_MAX", 1)
    second.write({"table": {"a": "1", "b": "3"}, "plain": 1}, None)
    # ... and this one, which read the cache before, would write a delta of a base that is gone: it writes all.
    monkeypatch.setattr(cache_store, "DELTAS_MAX", 16)
    first.write({"table": {"a": "9", "b": "2"}, "plain": 2}, None)
    assert cache_store.Store.open(folder).fields() == {"table": {"a": "9", "b": "2"}, "plain": 2}
    assert {p.name for p in folder.glob("*.seg")} == {
        s.name for s in (*first.index.fields.values(), *(s for t in first.index.tables.values() for s in t))}


@pytest.mark.parametrize("kept_as", ["the dict read", "a copy"])
def test_a_table_changed_in_place_after_it_was_read_is_written_as_it_now_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept_as: str) -> None:
    # A table read is not copied: it notes what is set or deleted in it (as the data files' pieces
    # are, build after build), whatever way, and the next read gives it as it was written.
    monkeypatch.setattr(cache_store, "TABLE_MIN", 1)
    folder = tmp_path / "cache"
    cache_store.Store(folder).write({"table": {f"k{n}": str(n) for n in range(300)}}, None)
    store = cache_store.Store.open(folder)
    table = store.fields()["table"]
    table["k1"] = "set"
    table["new"] = "added"
    del table["k2"]
    assert table.pop("k3") == "3" and table.pop("none", None) is None
    assert table.setdefault("k4", "kept") == "4" and table.setdefault("other", "default") == "default"
    table.update({"k5": "updated"}, k6="updated too")
    table |= {"k7": "merged"}
    table["k8"] = "8"  # (set to what it was)
    table["k9"] = "changed"
    table["k9"] = "9"  # (and back)
    del table["new"]
    table["new"] = "added again"
    expected = dict(table)
    store.write({"table": table if kept_as == "the dict read" else dict(table)}, None)
    segments = store.index.tables["table"]
    assert len(segments) == 2  # (the base, and a delta of what changed)
    delta = pickle.loads((folder / segments[1].name).read_bytes())
    assert delta[0] == {"k1": "set", "new": "added again", "other": "default", "k5": "updated",
                        "k6": "updated too", "k7": "merged"} and sorted(delta[1]) == ["k2", "k3"]
    assert cache_store.Store.open(folder).fields() == {"table": expected}
    # A table read and cleared is written empty.
    store = cache_store.Store.open(folder)
    table = store.fields()["table"]
    table.clear()
    store.write({"table": table}, None)
    assert cache_store.Store.open(folder).fields() == {"table": {}}


def _templates_compiled_from_now_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """As in a new process, which has compiled no template yet: the names of the templates this one
    compiles from now on."""
    import jinja2

    from phenomena_catalog import template_env

    monkeypatch.setattr(template_env._COMPILED, "_code", {})
    compiled: list[str] = []
    compile_template = jinja2.Environment.compile

    def counted(env: jinja2.Environment, source: str, name: str | None = None, *args, **kwargs):
        compiled.append(name or "")
        return compile_template(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_a_build_in_a_new_process_reuses_the_templates_the_last_build_compiled(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phenomena_catalog import template_env

    # A new process: it has compiled nothing yet, so it can only use what the cache kept.
    compiled = _templates_compiled_from_now_on(monkeypatch)
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    assert build_copy(catalog, catalog / "site").incremental
    assert compiled == []
    # An edited template is compiled again (Jinja compares the source's checksum), the others are not.
    template = catalog / "templates" / "paper.html"
    template.write_text(template.read_text(encoding="utf-8").replace("Cite</h2>", "Cite this</h2>"),
                        encoding="utf-8")
    monkeypatch.setattr(template_env._COMPILED, "_code", {})
    build_copy(catalog, catalog / "site")
    assert compiled == ["paper.html"]
    assert "Cite this</h2>" in (catalog / "site" / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")
    assert_same_as_a_build_from_scratch(catalog)


def test_a_site_built_anew_compiles_its_templates_beside_its_imports_and_loads_them_here(
        cli_catalog: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from phenomena_catalog import template_env

    # A new process, which has compiled nothing: the build compiles the templates in another process
    # from its start (pipeline.compile_beside_imports) and this one only loads them.
    compiled = _templates_compiled_from_now_on(monkeypatch)
    code, _, err = run_cli("build", "--jobs", "2")
    assert code == 0, err
    assert compiled == []
    templates = template_env.page_templates(template_env.template_environment(cli_catalog / "templates"))
    assert len(template_env._COMPILED._code) == len(templates) > 10
    # In one process, each is compiled here, once, into the same site.
    monkeypatch.setattr(template_env._COMPILED, "_code", {})
    code, _, err = run_cli("build", "--jobs", "1", "--no-cache", "--out", "reference")
    assert code == 0, err
    assert sorted(compiled) == sorted(templates)
    assert site_files(cli_catalog / "reference") == site_files(cli_catalog / "site")


def test_the_templates_compile_in_a_process_that_imports_only_jinja() -> None:
    # That process starts before the build imports the pipeline (compile_beside_imports): were
    # compiling to import it (numpy, pydantic, the renderer, which compiled templates import), it
    # would take as long as the build's own imports, beside them on the other core.
    script = ("import sys\n"
              "from pathlib import Path\n"
              "from phenomena_catalog.pipeline import _compiled\n"
              f"assert len(_compiled(Path({str(TEMPLATES)!r}))) > 10\n"
              "heavy = {'numpy', 'pydantic', 'yaml', 'phenomena_catalog.render', 'phenomena_catalog.plan'}\n"
              "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_an_edit_build_lists_the_papers_folder_once_and_stats_each_unchanged_record_once(
        cli_catalog: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_build(run_cli)
    time.sleep(0.05)
    edit(cli_catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    papers = cli_catalog / "papers"
    records = sorted(p.name for p in papers.glob("[!_]*.yaml"))
    listed: list[str] = []
    stats: dict[str, int] = {}
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path=".") -> object:  # (a path, or an open folder's descriptor)
        listed.append(path if isinstance(path, int) else os.fspath(path))
        return real_scandir(path)

    def stat(path, *args, **kwargs) -> os.stat_result:
        if not isinstance(path, int):
            name = os.path.basename(os.fspath(path))
            stats[name] = stats.get(name, 0) + 1
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    out = cli_build(run_cli)
    monkeypatch.setattr(os, "scandir", real_scandir)
    monkeypatch.setattr(os, "stat", real_stat)
    assert "check inputs" not in out and "re-rendered" in out
    assert listed.count("papers") == 1
    assert {name: stats.get(name) for name in records if name != f"{PAPER}.yaml"} == dict.fromkeys(
        (name for name in records if name != f"{PAPER}.yaml"), 1)
    assert "Grokking Edited:" in (cli_catalog / "site" / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")
    code, _, err = run_cli("build", "--no-cache", "--jobs", "1", "--out", "reference")
    assert code == 0, err
    assert site_files(cli_catalog / "site") == site_files(cli_catalog / "reference")


@dataclass(frozen=True)
class _Held:
    """A table value whose equality cannot be told (an array inside)."""

    values: np.ndarray


def test_a_table_rebuilt_with_equal_values_is_kept_and_only_what_changed_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_store, "TABLE_MIN", 1)
    folder = tmp_path / "cache"
    table = {f"k{i}": f"value {i}".encode() for i in range(200)}
    cache_store.Store(folder).write({"table": table}, None)

    def rewrite(new: dict) -> tuple[dict, list]:
        """Write ``new`` through a store that read the cache; the delta it wrote (or None)."""
        store = cache_store.Store.open(folder)
        store.fields()
        before = store.index.tables["table"]
        store.write({"table": new}, None)
        after = cache_store.Store.open(folder)
        assert after.fields() == {"table": new}
        segments = after.index.tables["table"]
        if segments == before:
            return None
        assert len(segments) == 2 and segments[0] == before[0]  # (the base, and one delta since it)
        return pickle.loads((folder / segments[-1].name).read_bytes())

    # Every value equal but a new object (as an update state packs its rows afresh for every write).
    assert rewrite({key: bytes(bytearray(value)) for key, value in table.items()}) is None
    # One value changed, one added, one removed.
    changed = {**table, "k3": b"edited", "new": 1}
    del changed["k5"]
    assert rewrite(changed) == ({"k3": b"edited", "new": 1}, ["k5"])
    # A value of another type, equal to the one before (1 == True), while another one changed: the
    # delta holds what changed since the base, this write's changes and the last one's.
    assert rewrite({**changed, "k1": b"edited too", "new": True}) == (
        {"k3": b"edited", "k1": b"edited too", "new": True}, ["k5"])
    # Values whose equality raises are compared one by one, and counted as changed.
    held = {"a": _Held(np.arange(3)), "b": _Held(np.arange(4))}
    cache_store.Store(folder).write({"table": held}, None)
    store = cache_store.Store.open(folder)
    store.fields()
    store.write({"table": {**held, "b": _Held(np.arange(4))}}, None)
    assert len(store.index.tables["table"]) == 2  # the base, and a delta of "b"
    store = cache_store.Store.open(folder)
    assert list(store.fields()["table"]) == ["a", "b"]


def test_a_build_after_one_edit_does_not_import_the_title_comparison(cli_catalog: Path, run_cli) -> None:
    # (rapidfuzz compares the titles of records that might be the same paper: an edit that keeps
    # the record's title compares none)
    cli_build(run_cli)
    time.sleep(0.05)
    edit(cli_catalog, PAPER, "digest: |\n", "digest: |\n  Edited.\n")
    script = ("import sys\nfrom phenomena_catalog import cache_store\ncache_store.SETTLED_NS = 0\n"
              "from phenomena_catalog.cli import main\nassert main(['build', '--jobs', '1']) == 0\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'rapidfuzz', 'pydantic'}), file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_REPOSITORY"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    assert "re-rendered" in result.stdout
    assert result.stderr.strip() == "['pydantic']"  # (pydantic validates the edited record)
    assert "Edited." in (cli_catalog / "site" / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")


def test_the_data_files_pieces_are_kept_as_utf8_read_back_undecoded_and_are_the_files_pieces(catalog: Path) -> None:
    # Each paper's piece of papers.json (and of the CSL-JSON and BibTeX files) is kept as its UTF-8
    # bytes after its segment's pickle: read back, a part of the mapped file, decoded only when a
    # build asks for that paper's piece (a spliced data file asks for the edited papers' only).
    from phenomena_catalog.build_cache import read_cache

    texts = read_cache(catalog / "site").texts
    pieces = texts.__getstate__()["json"]
    assert pieces and all(type(piece) is memoryview for piece in pieces.values())
    written = (catalog / "site" / "papers.json").read_bytes()
    assert all(bytes(piece) in written for piece in pieces.values())
    assert any(not bytes(piece).isascii() for piece in pieces.values())  # (names with accents)
    # ... and an edit rebuilds the site a build from scratch builds.
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Édité:")
    assert build_copy(catalog, catalog / "site").incremental
    assert_same_as_a_build_from_scratch(catalog)


def test_papers_read_from_the_cache_are_made_whole_when_first_read_and_equal_the_papers_parsed(
        catalog: Path) -> None:
    from phenomena_catalog.build_cache import read_cache
    from phenomena_catalog.models import KEPT_FIELDS, Paper
    from phenomena_catalog.records import load

    def read() -> dict[str, Any]:
        return {paper.id: paper for paper, _, _ in read_cache(catalog / "site").parsed.values() if paper is not None}

    def held(paper: Paper) -> list[str]:
        return [name for name in paper.__dict__ if name in Paper.model_fields]

    parsed = load(catalog / "papers").papers
    papers = read()
    assert len(papers) == len(parsed) > 3
    # Until a field beyond those every list reads is asked for, a paper holds only those.
    assert all(held(paper) == list(KEPT_FIELDS) for paper in papers.values())
    first = parsed[0]
    kept = papers[first.id]
    assert (kept.id, kept.year, kept.added, kept.kind) == (first.id, first.year, first.added, first.kind)
    assert held(kept) == list(KEPT_FIELDS)
    assert kept.title == first.title and list(kept.__dict__) == list(first.__dict__)  # (in the fields' order)
    # Whatever reads a paper's fields whole (pydantic's dumps, comparison, repr, copies, pickling)
    # makes it whole first: each on a paper not yet whole gives what it gives for the parsed paper.
    readers = [lambda p: p.model_dump(mode="json"), lambda p: p.model_dump_json(exclude={"path"}), repr,
               lambda p: dict(p), lambda p: copy.copy(p).model_dump(), lambda p: copy.deepcopy(p).model_dump(),
               lambda p: p.model_copy(update={"year": 1999}).model_dump(), lambda p: p.model_fields_set,
               lambda p: pickle.loads(pickle.dumps(p)).model_dump(), lambda p: p.links.items(),
               lambda p: p == parsed[0], lambda p: parsed[0] == p]
    for reader in readers:
        fresh = read()
        assert [reader(fresh[paper.id]) for paper in parsed] == [reader(paper) for paper in parsed]
    fresh = read()
    assert [fresh[paper.id] != paper for paper in parsed] == [False] * len(parsed)


def test_a_table_read_whose_changed_value_is_mutable_is_written_as_no_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A table read from the cache is taken as one without looking at every value; a changed value
    # is looked at, and one that could change in place (a list) makes it no table, as if never read.
    monkeypatch.setattr(cache_store, "TABLE_MIN", 1)
    folder = tmp_path / "cache"
    cache_store.Store(folder).write({"field": {"table": {"a": "1", "b": ("2",)}, "other": {"c": "3"}}}, None)
    store = cache_store.Store.open(folder)
    assert set(store.index.tables) == {"field/table", "field/other"}
    value = store.fields()["field"]
    value["table"]["b"] = ["2", "changed"]
    value["other"]["c"] = "4"
    store.write({"field": value}, None)
    again = cache_store.Store.open(folder)
    assert set(again.index.tables) == {"field/other"}
    assert again.fields() == {"field": {"table": {"a": "1", "b": ["2", "changed"]}, "other": {"c": "4"}}}


def test_tables_kept_lazily_are_read_keys_first_and_an_edit_unpickles_few_of_their_values(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The data files' pieces and the check's facts are kept a value at a time: read back, a table
    # knows its keys, and unpickles a value when first asked for it (``cache_store._LazyTable``).
    from phenomena_catalog.build_cache import read_cache

    index = cache_store.Store.open(cache_store.cache_folder(catalog / "site")).index
    lazy = {name for name, found in index.tables.items() if found[0].lazy}
    assert lazy == {"texts/json", "texts/bibtex", "texts/csl", "checked/papers"}
    unpickled: list[int] = []
    unpickle = cache_store._LazyTable.unpickled
    monkeypatch.setattr(cache_store._LazyTable, "unpickled",  # (each value asked for)
                        lambda table, at: unpickled.append(at) or unpickle(table, at))
    cache = read_cache(catalog / "site")
    pieces = cache.texts.__getstate__()["json"]
    papers = len(list((catalog / "papers").glob("[!_]*.yaml")))
    assert type(pieces) is cache_store._LazyTable and len(pieces) == len(cache.checked.papers) == papers
    assert unpickled == []  # (keys only)
    written = (catalog / "site" / "papers.json").read_bytes()
    assert all(bytes(piece) in written for piece in pieces.values())  # (every piece, asked for)
    assert len(unpickled) == papers
    facts = cache.checked.papers
    assert facts == pickle.loads(pickle.dumps(facts)) and type(pickle.loads(pickle.dumps(facts))) is dict
    # An edit of a digest asks for none of them (a title's asks for every paper's facts: the
    # duplicate check compares titles), and writes small deltas of what it changed.
    unpickled.clear()
    edit(catalog, PAPER, "long after", "long, long after")
    assert build_copy(catalog, catalog / "site").incremental
    assert unpickled == []
    assert_same_as_a_build_from_scratch(catalog)
    index = cache_store.Store.open(cache_store.cache_folder(catalog / "site")).index
    assert all(len(index.tables[name]) == 2 and index.tables[name][1].entries <= 2 for name in lazy)
    # ... which the next build reads back: a value set by a delta, its base's others, one removed.
    unpickled.clear()
    cache = read_cache(catalog / "site")
    assert set(cache.checked.papers) == set(cache.texts.__getstate__()["csl"]) == set(cache.parsed)
    assert len(cache.parsed) == papers
    assert unpickled == []
    edit(catalog, PAPER, "Grokking: Generalization", "Grokking Edited:")
    assert build_copy(catalog, catalog / "site").incremental
    assert_same_as_a_build_from_scratch(catalog)


def test_a_lazy_table_notes_what_is_set_or_deleted_in_it_as_a_table_read_whole_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (``_LazyTable`` and ``_Table`` side by side: the same writes, the same table read back)
    monkeypatch.setattr(cache_store, "_LAZILY", ())
    cache_store.keep_lazily("lazy")
    values = {f"key{n}": (n, f"value {n}" * n) for n in range(300)}
    store = cache_store.Store(tmp_path)
    store.write({"lazy": dict(values), "whole": dict(values)}, None)
    for step in range(0, 30, 10):
        store = cache_store.Store.open(tmp_path)
        fields = store.fields()
        lazy, whole = fields["lazy"], fields["whole"]
        assert type(lazy) is cache_store._LazyTable and type(whole) is cache_store._Table
        for table in (lazy, whole):
            table[f"key{step + 1}"] = (1, "changed")
            del table[f"key{step + 2}"]
            table.pop(f"key{step + 3}")
            table[f"new{step}"] = (0, "new")
            table.setdefault(f"key{step + 4}", (4, "not set"))
            table.update({f"key{step + 5}": (5, "updated")})
            table[f"key{step + 6}"] = values[f"key{step + 6}"]  # (the same value again: no change)
        assert dict(lazy.items()) == dict(whole.items())
        assert lazy.as_read() == whole.as_read() == values
        store.write(fields, None)
        values = dict(whole)
        assert len(store.index.tables["lazy"]) == len(store.index.tables["whole"]) == 2
        assert store.index.tables["lazy"][1].entries == store.index.tables["whole"][1].entries == 5 + step // 2
        read = cache_store.Store.open(tmp_path).fields()
        assert dict(read["lazy"].items()) == dict(read["whole"].items()) == values
