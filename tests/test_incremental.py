"""Incremental builds: a rebuild redoes only what changed, and writes the same site as a build from scratch."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import time
from pathlib import Path

import pytest

from phenomena_catalog import cache_store, paper_texts, records, render, urls
from phenomena_catalog.build_cache import CACHE_FOLDER, cache_file
from phenomena_catalog.commands.build import BuildResult, build_site, summary
from phenomena_catalog.config import load_config
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import ProcessExecutor, SerialExecutor
from phenomena_catalog.write import MARKER

from conftest import TEMPLATES, copy_fixture_catalog

PAPER = "power2022grokking"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A private copy of the fixture catalog and of the templates, built once (cache written)."""
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    build(source, source / "site")
    return source


def build(source: Path, out: Path, use_cache: bool = True) -> BuildResult:
    return build_site(source / "papers", source / "templates", out, load_config(source / "catalog.yaml"),
                      executor=SerialExecutor(), use_cache=use_cache)


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def stamps(site: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: both stay when a file is not rewritten."""
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(site.rglob("*")) if p.is_file()}


def assert_same_as_a_build_from_scratch(source: Path) -> None:
    reference = source.parent / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    build(source, reference, use_cache=False)
    assert files(source / "site") == files(reference)


def test_a_build_with_nothing_changed_renders_and_writes_nothing(catalog: Path) -> None:
    before = stamps(catalog / "site")
    result = build(catalog, catalog / "site")
    assert (result.incremental, result.rendered) == (True, 0)
    assert summary(result, Path("site")).endswith(f": 0 re-rendered, {result.pages:,} unchanged.")
    assert stamps(catalog / "site") == before


def test_editing_one_record_rerenders_only_the_pages_that_show_it(catalog: Path) -> None:
    site = catalog / "site"
    before, before_stamps = files(site), stamps(site)
    # The pages that show the paper: its own, and every list and data file naming it (the example
    # file name in "suggest a paper" links is not the paper).
    mention = re.compile(rf"(?<!e\.g\.%20){PAPER}".encode())
    showing = {name for name, content in before.items() if mention.search(content)}
    record = catalog / "papers" / f"{PAPER}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Edited:"),
                      encoding="utf-8")

    result = build(catalog, site)

    after = files(site)
    changed = {name for name in after if after[name] != before.get(name)}
    # The search index's term shards and manifest name papers by number, not id: those whose
    # terms or scores the edit changed are rewritten too, and no other.
    showing |= {name for name in changed if name.startswith("search/")}
    assert result.incremental and result.rendered == len(showing)
    assert changed <= showing and f"papers/{PAPER}.html" in changed
    after_stamps = stamps(site)
    # (The folder's marker file is replaced on every update: the old build cache no longer matches it.)
    assert all(after_stamps[name] == before_stamps[name] for name in after if name not in showing | {MARKER})
    assert_same_as_a_build_from_scratch(catalog)


def test_a_template_edit_rerenders_the_pages_that_use_it(catalog: Path) -> None:
    template = catalog / "templates" / "paper.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<h2 id=\"bibtex-heading\">Cite</h2>",
                                                                     "<h2 id=\"bibtex-heading\">Cite this</h2>"),
                        encoding="utf-8")
    result = build(catalog, catalog / "site")
    assert (result.incremental, result.rendered) == (True, result.papers)
    assert_same_as_a_build_from_scratch(catalog)


def test_added_removed_records_and_assets_give_the_site_a_build_from_scratch_gives(catalog: Path) -> None:
    papers = catalog / "papers"
    (papers / "chen2021sparse.yaml").unlink()
    (papers / "power2023again.yaml").write_text(
        (papers / f"{PAPER}.yaml").read_text(encoding="utf-8")
        .replace("Grokking: Generalization Beyond Overfitting", "Another Grokking Paper")
        .replace("2201.02177", "2301.02177").replace("year: 2022", "year: 2023"),
        encoding="utf-8")
    (catalog / "templates" / "assets" / "extra.txt").write_text("new asset\n", encoding="utf-8")
    (catalog / "templates" / "assets" / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    result = build(catalog, catalog / "site")
    assert result.incremental
    assert not (catalog / "site" / "papers" / "chen2021sparse.html").exists()
    assert_same_as_a_build_from_scratch(catalog)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other version"])
def test_a_corrupt_or_stale_cache_is_discarded_and_the_site_built_from_scratch(
        catalog: Path, damage: str) -> None:
    file = cache_file(catalog / "site")
    if damage == "garbage":
        file.write_bytes(b"not a pickle at all")
    elif damage == "truncated":
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    else:
        with open(file, "wb") as handle:
            pickle.dump(("phenomena-catalog build cache", 0, "an older version"), handle)
            pickle.dump({"whatever": 1}, handle)
    result = build(catalog, catalog / "site")
    assert not result.incremental and result.rendered == result.pages
    assert_same_as_a_build_from_scratch(catalog)
    # ... and the cache it left is good again.
    assert build(catalog, catalog / "site").rendered == 0


def test_a_site_replaced_behind_the_caches_back_is_built_from_scratch(catalog: Path) -> None:
    shutil.rmtree(catalog / "site")
    build(catalog, catalog / "other")
    shutil.copytree(catalog / "other", catalog / "site")  # a copy: other files than the cache knows
    assert not build(catalog, catalog / "site").incremental


def test_a_failed_incremental_build_leaves_the_last_good_site_and_cache(catalog: Path) -> None:
    site = catalog / "site"
    before, cache_before = files(site), cache_file(site).read_bytes()
    template = catalog / "templates" / "paper.html"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ paper.title }}</h1>",
                                                                     "{{ paper.no_such_field }}</h1>"),
                        encoding="utf-8")
    with pytest.raises(UserError, match="no_such_field"):
        build(catalog, site)
    assert files(site) == before and cache_file(site).read_bytes() == cache_before
    assert sorted(p.name for p in catalog.iterdir() if p.name.startswith(".")) == [CACHE_FOLDER]


def test_a_settings_edit_rerenders_every_page(catalog: Path) -> None:
    settings = catalog / "catalog.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "recent: 3\n", encoding="utf-8")
    result = build(catalog, catalog / "site")
    # Every page changes: the site is built afresh, without comparing each page's fingerprint first.
    assert (result.incremental, result.rendered) == (False, result.pages)
    assert_same_as_a_build_from_scratch(catalog)


def test_an_incremental_build_finds_the_problems_a_build_from_scratch_finds(catalog: Path) -> None:
    # The check stage keeps what it found in each record (by content) and the near-identical
    # titles: edits must still be checked, on their own and against every other record.
    papers = catalog / "papers"
    edits = {
        "chen2021sparse": ('"Sparse networks <b>everywhere</b> & the \\"lottery\\""',
                           "\"Deep Double Descent: Where Bigger Models and More Data Hurts\""),
        "zhang2017understanding": ("rethinking generalization", "rethinking generalization."),
    }
    originals = {}
    for paper_id, (old, new) in edits.items():
        record = papers / f"{paper_id}.yaml"
        originals[record] = record.read_text(encoding="utf-8")
        assert old in originals[record]
        record.write_text(originals[record].replace(old, new), encoding="utf-8")
    with pytest.raises(UserError) as incremental:
        build(catalog, catalog / "site")
    with pytest.raises(UserError) as from_scratch:
        build(catalog, catalog.parent / "reference", use_cache=False)
    reported = incremental.value.report()
    assert "chen2021sparse.yaml" in reported and "near-identical title" in reported
    assert "zhang2017understanding.yaml:" in reported and "period" in reported
    assert reported == from_scratch.value.report()

    for record, text in originals.items():
        record.write_text(text, encoding="utf-8")
    assert build(catalog, catalog / "site").rendered == 0
    assert_same_as_a_build_from_scratch(catalog)


def test_record_files_that_did_not_change_are_not_read_again(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file's size, times and inode are trusted once they are SETTLED_NS old; these were written just now.
    monkeypatch.setattr(cache_store, "SETTLED_NS", 0)
    site = catalog / "site"
    cache_before = cache_file(site).read_bytes()
    assert build(catalog, site).rendered == 0
    assert cache_file(site).read_bytes() != cache_before  # it now knows what the files look like
    cache_before = cache_file(site).read_bytes()
    assert build(catalog, site).rendered == 0
    assert cache_file(site).read_bytes() == cache_before  # nothing new to keep: not written again

    read: list[str] = []
    real = records.read_user_bytes
    monkeypatch.setattr(records, "read_user_bytes",
                        lambda file, shown: (read.append(file.name), real(file, shown))[1])
    time.sleep(0.05)  # past the file system's clock tick: a write now gets a new change time
    record = catalog / "papers" / f"{PAPER}.yaml"
    stat, text = record.stat(), record.read_text(encoding="utf-8")
    # The same size and, put back, the same modification time: only the change time tells.
    record.write_text(text.replace("Grokking: Generalization", "Grokking: Generalisation"), encoding="utf-8")
    os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert record.stat().st_size == stat.st_size

    result = build(catalog, site)

    assert read == [f"{PAPER}.yaml"]
    assert result.rendered > 0 and "Generalisation" in (site / "papers" / f"{PAPER}.html").read_text(encoding="utf-8")
    assert_same_as_a_build_from_scratch(catalog)


@pytest.mark.parametrize("edit", ["topic title", "topic moved", "new topic", "keyword alias"])
def test_taxonomy_and_vocabulary_edits_give_the_site_a_build_from_scratch_gives(catalog: Path, edit: str) -> None:
    topics, keywords = catalog / "papers" / "_topics.yaml", catalog / "papers" / "_keywords.yaml"
    if edit == "topic title":
        topics.write_text(topics.read_text(encoding="utf-8").replace("title: Grokking", "title: Grokking (delayed)"),
                          encoding="utf-8")
    elif edit == "topic moved":
        topics.write_text(topics.read_text(encoding="utf-8").replace(
            "  title: Grokking\n  parent: generalization\n", "  title: Grokking\n"), encoding="utf-8")
    elif edit == "new topic":
        topics.write_text(topics.read_text(encoding="utf-8") + "- id: new-topic\n  title: A new topic\n"
                          "  parent: grokking\n  description: Nothing filed here yet.\n", encoding="utf-8")
    else:
        keywords.write_text(keywords.read_text(encoding="utf-8").replace(
            "aliases: [Sparse Network, Sparsity]", "aliases: [Sparse Network]"), encoding="utf-8")
    before = files(catalog / "site")
    result = build(catalog, catalog / "site")
    assert result.rendered == result.pages and files(catalog / "site") != before
    assert_same_as_a_build_from_scratch(catalog)
    assert build(catalog, catalog / "site").rendered == 0  # and the cache it left is good


def test_after_one_edit_the_whole_catalog_data_files_make_that_papers_pieces_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    site = source / "site"
    # Built from scratch in forked workers, which hand back the pieces they made for the cache.
    build_site(source / "papers", source / "templates", site, load_config(source / "catalog.yaml"),
               executor=ProcessExecutor(2, threshold=0))
    made: list[tuple[str, str]] = []

    def counted(kind: str, make):  # type: ignore[no-untyped-def]
        def count(paper, *args):  # type: ignore[no-untyped-def]
            made.append((kind, paper.id))
            return make(paper, *args)
        return count

    monkeypatch.setattr(paper_texts, "paper_json", counted("json", paper_texts.paper_json))
    monkeypatch.setattr(paper_texts, "csl_item_json", counted("csl", paper_texts.csl_item_json))
    monkeypatch.setattr(render, "bibtex_of", counted("bibtex", render.bibtex_of))
    record = source / "papers" / f"{PAPER}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Edited:")
                      .replace("keywords: [Grokking, ", "keywords: [Grokking, Sparsity, "), encoding="utf-8")

    result = build(source, site)

    assert result.incremental
    # papers.json, papers.csl.json and the .bib of the paper's topic and of its parent.
    assert sorted(set(made)) == [("bibtex", PAPER), ("csl", PAPER), ("json", PAPER)]
    reference = source.parent / "reference"
    build(source, reference, use_cache=False)
    for name in (urls.CATALOG_JSON, urls.CSL_JSON, urls.topic_bibtex_url("grokking"),
                 urls.topic_bibtex_url("generalization")):
        text = (site / name).read_text(encoding="utf-8")
        assert "Grokking Edited:" in text
        assert text == (reference / name).read_text(encoding="utf-8")
    # The added keyword, as the vocabulary spells it.
    csl = (site / urls.CSL_JSON).read_text(encoding="utf-8")
    assert '"keyword": "Grokking, Sparse Networks, Algorithmic Datasets"' in csl
    assert files(site) == files(reference)
