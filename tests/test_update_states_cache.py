"""The related-papers and search-index update states as the build cache keeps them: tables of
immutable rows (``packed``) by paper and by term, so that an edit to one record writes small deltas
of the rows it changed instead of the whole state (tens of MB at 10,000 papers)."""

from __future__ import annotations

import doctest
import errno
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phenomena_catalog import build_cache, cache_store, packed
from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import load_config
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import ProcessExecutor

from conftest import TEMPLATES, build_copy, copy_fixture_catalog, site_files

WORDS = ["grokking", "double", "descent", "lottery", "ticket", "sparse", "network", "kernel", "regime", "feature",
         "learning", "width", "depth", "noise", "label", "memorization", "phase", "transition", "loss", "landscape",
         "sharpness", "gradient", "flow"]
TOPICS = ["generalization", "double-descent", "grokking", "lottery-ticket-hypothesis"]


def test_docstring_examples() -> None:
    assert doctest.testmod(packed).failed == 0


@given(st.lists(st.lists(st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(0, 65535)), max_size=5), max_size=12),
       st.integers(1, 5))
def test_rows_packed_and_unpacked_are_the_rows_they_were(rows: list[list[tuple[int, int]]], block: int) -> None:
    dtype = np.dtype([("col", "<i4"), ("count", "<u2")])
    indptr = np.concatenate([[0], np.cumsum([len(row) for row in rows])]).astype(np.int64)
    fields = {"col": np.array([c for row in rows for c, _ in row], dtype=np.int64),
              "count": np.array([n for row in rows for _, n in row], dtype=np.int64)}
    table = packed.pack_rows(indptr, fields, dtype, block)
    assert sorted(table) == list(range(-(-len(rows) // block)))  # a block of rows an entry
    back_indptr, back = packed.unpack_rows(table, len(rows), dtype, block)
    assert back_indptr.tolist() == indptr.tolist()
    assert back["col"].tolist() == fields["col"].tolist() and back["count"].tolist() == fields["count"].tolist()
    column = packed.column(back, "col")
    column += 1  # (writable, and a copy)
    assert packed.unpack_rows(table, len(rows), dtype, block)[1]["col"].tolist() == fields["col"].tolist()
    assert packed.unblocks(packed.blocks([str(k) for k in range(len(rows))], block), len(rows), block) == [
        str(k) for k in range(len(rows))]


_ROW = st.lists(st.tuples(st.integers(-3, 3), st.sampled_from([0.0, -0.0, 0.5, 1.0, float("nan")])), max_size=4)


@given(st.lists(_ROW, max_size=12), st.lists(st.tuples(st.integers(0, 14), st.one_of(st.none(), _ROW)), max_size=4),
       st.integers(-3, 3), st.integers(1, 5))
def test_rows_packed_again_after_an_edit_are_packed_as_afresh_and_reuse_the_unchanged_blocks_read(
        rows: list[list[tuple[int, float]]], edits: list[tuple[int, list[tuple[int, float]] | None]], grow: int,
        block: int) -> None:
    # An update state read from the cache and written again (``packed.repack_rows``): each block is
    # what packing afresh gives, bit for bit (-0.0 is not 0.0), and a block whose rows are as they
    # were read is the very block read, which the cache neither compares nor writes.
    dtype = np.dtype([("col", "<i4"), ("weight", "<f4")])

    def table_of(rows: list[list[tuple[int, float]]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        indptr = np.concatenate([[0], np.cumsum([len(row) for row in rows])]).astype(np.int64)
        return indptr, {"col": np.array([c for row in rows for c, _ in row], dtype=np.int64),
                        "weight": np.array([w for row in rows for _, w in row], dtype=np.float64)}

    read = packed.pack_rows(*table_of(rows), dtype, block)
    kept = packed.unpack_kept(read, len(rows), dtype, block)
    edited = [list(row) for row in rows][: max(len(rows) + grow, 0)] + [[(1, 1.0)]] * max(grow, 0)
    for at, row in edits:
        if at < len(edited) and row is not None:
            edited[at] = row
    again = packed.repack_rows(*table_of(edited), dtype, kept, block)
    afresh = packed.pack_rows(*table_of(edited), dtype, block)
    assert {n: tuple(map(bytes, b)) for n, b in again.items()} == {n: tuple(map(bytes, b)) for n, b in afresh.items()}
    for number, found in again.items():
        # (by repr: -0.0 == 0.0, but its bits differ)
        rows_of = slice(number * block, number * block + block)
        same_rows = repr(edited[rows_of]) == repr(rows[rows_of])
        bits_same = number in read and tuple(map(bytes, read[number])) == tuple(map(bytes, afresh[number]))
        assert (found is read.get(number)) == bits_same
        if same_rows and not any(w != w for row in edited for _, w in row):  # (nan is not equal to itself)
            assert found is read[number]
    assert packed.repack_rows(*table_of(edited), dtype, None, block).keys() == afresh.keys()


def test_counts_are_kept_in_16_bits_unless_one_does_not_fit() -> None:
    assert packed.compact_counts(np.array([1.0, 2.0, 65535.0])).dtype == np.uint16
    assert packed.compact_counts(np.array([1.0, 65536.0])).dtype == np.float32
    assert packed.compact_counts(np.array([0.5])).dtype == np.float32
    assert packed.compact_counts(np.zeros(0)).dtype == np.uint16


@pytest.fixture(params=["here", "forked"])
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """The fixture catalog and 240 made-up records, built once (cache written), in blocks of 4 rows:
    in this process, or with the search index made (and its state written to the cache) in another
    process beside related papers, as a large catalog's first build does."""
    monkeypatch.setattr(cache_store, "TABLE_MIN", 16)
    monkeypatch.setattr(packed, "BLOCK", 4)  # (62 blocks of the 248 papers' rows: as at 8,000 papers)
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    for number in range(240):
        words = [WORDS[(number * 7 + k * k) % len(WORDS)] for k in range(40)]
        title = " ".join(WORDS[(number + k * 3) % len(WORDS)] for k in range(5)).capitalize()
        (source / "papers" / f"made{number:03d}.yaml").write_text(
            f'title: "{title} {number}"\nauthors: [Author {number % 37}, Author {number % 11 + 40}]\n'
            f"year: {2015 + number % 10}\ntopics: [{TOPICS[number % len(TOPICS)]}]\n"
            f"keywords: [{WORDS[number % len(WORDS)]} {WORDS[(number + 5) % len(WORDS)]}]\n"
            f"digest: {' '.join(words)}\nadded: 2026-11-23\n", encoding="utf-8")
    if request.param == "here":
        build_copy(source, source / "site")
    else:
        build_site(source / "papers", source / "templates", source / "site", load_config(source / "catalog.yaml"),
                   executor=ProcessExecutor(2, threshold=0, background_threshold=0))
    return source


def state_segments(source: Path) -> dict[str, list[int]]:
    """The sizes of each segment (base first) of the update states' fields and tables."""
    index = cache_store.Store.open(cache_store.cache_folder(source / "site")).index
    found = {name: [segment.size] for name, segment in index.fields.items() if name in ("related_index", "memos")}
    found.update({name: [segment.size for segment in segments] for name, segments in index.tables.items()
                  if name.startswith(("related_index/", "memos/search/"))})
    return found


def test_a_digest_edit_writes_small_deltas_of_the_update_states_not_the_whole_states(catalog: Path) -> None:
    before = state_segments(catalog)
    # Each state is mostly tables: its rows by paper and by term.
    assert {"related_index/rows", "related_index/slots", "related_index/postings", "related_index/digests",
            "memos/search/terms", "memos/search/digests"} <= set(before)
    tables = sum(sizes[0] for name, sizes in before.items() if "/" in name)
    assert sum(sizes[0] for name, sizes in before.items() if "/" not in name) < tables / 4
    record = catalog / "papers" / "made007.yaml"
    text = record.read_text(encoding="utf-8")
    # New words: a rare word moves no other term's weight, which here (248 papers) would recompute everything.
    record.write_text(text.replace("digest: ", "digest: Zorbly quintic. ", 1), encoding="utf-8")
    assert build_copy(catalog, catalog / "site").incremental
    after = state_segments(catalog)
    assert set(after) == set(before)
    written = 0
    for name, sizes in after.items():
        if "/" in name:  # a table: kept, or its base kept and a delta added
            assert sizes[: len(before[name])] == before[name] and len(sizes) <= len(before[name]) + 1, name
            written += sum(sizes[len(before[name]):])
    # The edited paper's rows, the rows of papers whose similar papers changed, its terms' rows.
    assert {"related_index/rows", "related_index/slots", "memos/search/terms"} <= {
        name for name, sizes in after.items() if len(sizes) > len(before[name])}
    assert written < tables / 10
    reference = catalog.parent / "reference"
    build_copy(catalog, reference, use_cache=False)
    assert site_files(catalog / "site") == site_files(reference)


@pytest.mark.parametrize("processes", ["here", "forked"])
@pytest.mark.parametrize("failure", ["check", "render"])
def test_a_first_build_that_fails_leaves_no_state_written_ahead_behind(tmp_path: Path, failure: str,
                                                                       processes: str) -> None:
    # A first build writes its update states (and its parse results, index and plan) to the next
    # cache before it renders, some in other processes; if it fails, no index ever names them: each
    # failed attempt would leave them behind (~200 MB at 50,000 papers). Forked, as a large
    # catalog's first build runs them, the check runs in a process of its own beside the index
    # stage, and still reports its problems.
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    if failure == "check":  # two records of one paper: the check fails once related papers are made
        shutil.copy(source / "papers" / "chen2021sparse.yaml", source / "papers" / "chen2021sparse-copy.yaml")
    else:  # a name no page defines: rendering fails once both states are written ahead
        page = source / "templates" / "base.html"
        page.write_text(page.read_text(encoding="utf-8") + "{{ no_such_name }}\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(UserError) as raised:
            if processes == "here":
                build_copy(source, source / "site")
            else:
                build_site(source / "papers", source / "templates", source / "site",
                           load_config(source / "catalog.yaml"),
                           executor=ProcessExecutor(2, threshold=0, background_threshold=0))
        if failure == "check":
            assert "chen2021sparse-copy.yaml (same DOI); keep one record and delete the other" in str(raised.value)
    assert sorted(path.name for path in cache_store.cache_folder(source / "site").glob("*.seg")) == []


def test_a_first_build_writes_its_cache_ahead_in_its_other_processes_and_it_is_the_cache_written_at_the_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The parse results are written by a process of their own while the build indexes the records, the
    # index, plan and check memo by the first render worker before it claims pages, the data files'
    # pieces and the list entries by the build once it has made them all, before it claims pages:
    # none at its end. The cache read back is the one a build in one process writes.
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    # (files are trusted by their stamps at once: else the stamps kept depend on whether a build
    # started more than SETTLED_NS after the copy, and the two builds below would differ by the clock)
    monkeypatch.setattr(cache_store, "SETTLED_NS", 0)
    log = tmp_path / "written-ahead"
    write_ahead = build_cache.write_ahead

    def logged(out: Path, fields: dict[str, object]) -> dict[str, cache_store.Written]:
        written = write_ahead(out, fields)
        with log.open("a", encoding="utf-8") as handle:  # (from whichever process wrote them)
            segments = " ".join(w.field.name for w in written.values())
            handle.write(f"{os.getpid()}|{' '.join(sorted(written))}|{segments}\n")
        return written

    monkeypatch.setattr(build_cache, "write_ahead", logged)
    build_site(source / "papers", source / "templates", source / "forked", load_config(source / "catalog.yaml"),
               executor=ProcessExecutor(2, threshold=0, background_threshold=0))
    writers = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, names, segments = line.split("|")
        writers[names] = (int(pid), segments.split())
    assert set(writers) == {"parsed stamps", "checked indexed planned", "entries texts", "related_index", "memos"}
    assert writers["parsed stamps"][0] != os.getpid() and writers["checked indexed planned"][0] != os.getpid()
    assert writers["entries texts"][0] == os.getpid()
    index = cache_store.Store.open(cache_store.cache_folder(source / "forked")).index
    ahead = ("checked", "entries", "indexed", "parsed", "planned", "stamps", "texts")
    assert {index.fields[name].name for name in ahead} == {
        *writers["parsed stamps"][1], *writers["checked indexed planned"][1], *writers["entries texts"][1]}
    build_copy(source, source / "here")
    forked, here = build_cache.read_cache(source / "forked"), build_cache.read_cache(source / "here")
    assert not forked.discarded and not here.discarded
    for name in ("parsed", "stamps", "checked", "indexed", "planned"):
        assert getattr(forked, name) == getattr(here, name), name
    for name in ("texts", "entries"):  # (no __eq__: what they keep)
        assert getattr(forked, name).__getstate__() == getattr(here, name).__getstate__(), name
    assert len(forked.texts) > 0 and len(forked.entries) > 0
    assert site_files(source / "forked") == site_files(source / "here")
    record = source / "papers" / "chen2021sparse.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("digest: ", "digest: Edited. ", 1), encoding="utf-8")
    assert build_copy(source, source / "forked").incremental
    build_copy(source, source / "reference", use_cache=False)
    assert site_files(source / "forked") == site_files(source / "reference")


def test_a_cache_that_cannot_be_saved_leaves_no_state_written_ahead_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The states written ahead took their room already when the disk fills at the cache's save: the
    # build says the cache was not saved, and takes them away with the rest.
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")

    def full(self: cache_store.Store, index: cache_store.Index) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_store.Store, "_commit", full)
    build_copy(source, source / "site")
    assert "the build cache could not be saved (No space left on device)" in capsys.readouterr().err
    assert (source / "site" / "index.html").is_file()
    assert sorted(path.name for path in cache_store.cache_folder(source / "site").glob("*.seg")) == []
