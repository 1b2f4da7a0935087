"""Incremental builds: a rebuild redoes only what changed, and writes the same site as a build from scratch."""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenomena_catalog import cache_store, list_filters, paper_texts, plan, records, render, urls, validate
from phenomena_catalog import catalog as catalog_module
from phenomena_catalog.build_cache import CACHE_FOLDER, KNOWN_LENGTH, BuildCache, Fingerprints, cache_file, read_cache
from phenomena_catalog.catalog import TERM_KINDS, Catalog, Term, TopicEntry, index
from phenomena_catalog.commands.build import BuildResult, build_site, summary
from phenomena_catalog.config import load_config
from phenomena_catalog.errors import UserError
from phenomena_catalog.executors import ProcessExecutor, share_out
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.related import related_in_catalog
from phenomena_catalog.validate import CheckMemo, check
from phenomena_catalog.write import MARKER

from conftest import TEMPLATES, build_copy, copy_fixture_catalog, site_files

PAPER = "power2022grokking"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A private copy of the fixture catalog and of the templates, built once (cache written)."""
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    build_copy(source, source / "site")
    return source


def stamps(site: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: both stay when a file is not rewritten."""
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(site.rglob("*")) if p.is_file()}


def assert_same_as_a_build_from_scratch(source: Path) -> None:
    reference = source.parent / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    build_copy(source, reference, use_cache=False)
    assert site_files(source / "site") == site_files(reference)


def test_a_build_with_nothing_changed_renders_and_writes_nothing(catalog: Path) -> None:
    before = stamps(catalog / "site")
    result = build_copy(catalog, catalog / "site")
    assert (result.incremental, result.rendered) == (True, 0)
    assert summary(result, Path("site")).endswith(f": 0 re-rendered, {result.pages:,} unchanged.")
    assert stamps(catalog / "site") == before


def test_editing_one_record_rerenders_only_the_pages_that_show_it(catalog: Path) -> None:
    site = catalog / "site"
    before, before_stamps = site_files(site), stamps(site)
    # The pages that show the paper: its own, and every list and data file naming it (the example
    # file name in "suggest a paper" links is not the paper).
    mention = re.compile(rf"(?<!e\.g\.%20){PAPER}".encode())
    showing = {name for name, content in before.items() if mention.search(content)}
    record = catalog / "papers" / f"{PAPER}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Edited:"),
                      encoding="utf-8")

    result = build_copy(catalog, site)

    after = site_files(site)
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
    result = build_copy(catalog, catalog / "site")
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
    result = build_copy(catalog, catalog / "site")
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
    result = build_copy(catalog, catalog / "site")
    assert not result.incremental and result.rendered == result.pages
    assert_same_as_a_build_from_scratch(catalog)
    # ... and the cache it left is good again.
    assert build_copy(catalog, catalog / "site").rendered == 0


def test_a_site_replaced_behind_the_caches_back_is_built_from_scratch(catalog: Path) -> None:
    shutil.rmtree(catalog / "site")
    build_copy(catalog, catalog / "other")
    shutil.copytree(catalog / "other", catalog / "site")  # a copy: other files than the cache knows
    assert not build_copy(catalog, catalog / "site").incremental


def test_a_failed_incremental_build_leaves_the_last_good_site_and_cache(catalog: Path) -> None:
    site = catalog / "site"
    before, cache_before = site_files(site), cache_file(site).read_bytes()
    template = catalog / "templates" / "paper.html"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ paper.title }}</h1>",
                                                                     "{{ paper.no_such_field }}</h1>"),
                        encoding="utf-8")
    with pytest.raises(UserError, match="no_such_field"):
        build_copy(catalog, site)
    assert site_files(site) == before and cache_file(site).read_bytes() == cache_before
    assert sorted(p.name for p in catalog.iterdir() if p.name.startswith(".")) == [CACHE_FOLDER]


def test_a_settings_edit_rerenders_every_page(catalog: Path) -> None:
    settings = catalog / "catalog.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "recent: 3\n", encoding="utf-8")
    result = build_copy(catalog, catalog / "site")
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
        build_copy(catalog, catalog / "site")
    with pytest.raises(UserError) as from_scratch:
        build_copy(catalog, catalog.parent / "reference", use_cache=False)
    reported = incremental.value.report()
    assert "chen2021sparse.yaml" in reported and "near-identical title" in reported
    assert "zhang2017understanding.yaml:" in reported and "period" in reported
    assert reported == from_scratch.value.report()

    for record, text in originals.items():
        record.write_text(text, encoding="utf-8")
    assert build_copy(catalog, catalog / "site").rendered == 0
    assert_same_as_a_build_from_scratch(catalog)


def test_record_files_that_did_not_change_are_not_read_again(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file's size, times and inode are trusted once they are SETTLED_NS old; these were written just now.
    monkeypatch.setattr(cache_store, "SETTLED_NS", 0)
    site = catalog / "site"
    cache_before = cache_file(site).read_bytes()
    assert build_copy(catalog, site).rendered == 0
    assert cache_file(site).read_bytes() != cache_before  # it now knows what the files look like
    cache_before = cache_file(site).read_bytes()
    assert build_copy(catalog, site).rendered == 0
    assert cache_file(site).read_bytes() == cache_before  # nothing new to keep: not written again

    read: list[str] = []
    real = records.read_user_bytes_opened
    monkeypatch.setattr(records, "read_user_bytes_opened",
                        lambda file, shown, opened: (read.append(os.path.basename(file)), real(file, shown, opened))[1])
    time.sleep(0.05)  # past the file system's clock tick: a write now gets a new change time
    record = catalog / "papers" / f"{PAPER}.yaml"
    stat, text = record.stat(), record.read_text(encoding="utf-8")
    # The same size and, put back, the same modification time: only the change time tells.
    record.write_text(text.replace("Grokking: Generalization", "Grokking: Generalisation"), encoding="utf-8")
    os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert record.stat().st_size == stat.st_size

    result = build_copy(catalog, site)

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
    before = site_files(catalog / "site")
    result = build_copy(catalog, catalog / "site")
    assert result.rendered == result.pages and site_files(catalog / "site") != before
    assert_same_as_a_build_from_scratch(catalog)
    assert build_copy(catalog, catalog / "site").rendered == 0  # and the cache it left is good


class EveryShareInAWorker:
    """Every share in a forked worker process, the first one too (``ProcessExecutor`` keeps that one,
    with the data files, in the build's process): what a worker made comes back only as its result."""

    def map_shares(self, work, items, *, cost=None, together=None, share_from=None):  # type: ignore[no-untyped-def]
        return self._forked([work, work], [[items[i] for i in share] for share in share_out(items, 2, cost, together)])

    def map_claimed(self, work, items, *, here, cost=None, share_from=None, first=None):  # type: ignore[no-untyped-def]
        return self._forked([work, first or work],
                            [[item for item in items if here(item)], [item for item in items if not here(item)]])

    def _forked(self, works, shares):  # type: ignore[no-untyped-def]
        results = []
        for work, share in zip(works, shares, strict=True):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(read)
                with os.fdopen(write, "wb") as handle:
                    pickle.dump(work(share), handle)
                os._exit(0)
            os.close(write)
            with os.fdopen(read, "rb") as handle:
                results.append(pickle.load(handle))
            assert os.waitpid(pid, 0)[1] == 0
        return results

    def start(self, work, size):  # type: ignore[no-untyped-def]
        """Work started beside the build in a forked process of its own, whatever its size."""
        return ProcessExecutor(2, background_threshold=0).start(work, size)


def test_after_one_edit_the_whole_catalog_data_files_make_that_papers_pieces_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    site = source / "site"
    # Built from scratch in forked workers, which hand back the pieces they made for the cache.
    build_site(source / "papers", source / "templates", site, load_config(source / "catalog.yaml"),
               executor=EveryShareInAWorker())
    made: list[tuple[str, str]] = []

    def counted(kind: str, make):  # type: ignore[no-untyped-def]
        def count(paper, *args):  # type: ignore[no-untyped-def]
            made.append((kind, paper.id))
            return make(paper, *args)
        return count

    monkeypatch.setattr(paper_texts, "paper_json", counted("json", paper_texts.paper_json))
    monkeypatch.setattr(paper_texts, "csl_item_json", counted("csl", paper_texts.csl_item_json))
    bibtex = paper_texts.PaperTexts.bibtex  # (the .bib files' entries: not the paper pages')
    monkeypatch.setattr(paper_texts.PaperTexts, "bibtex",
                        lambda self, paper, make: bibtex(self, paper, counted("bibtex", make)))
    record = source / "papers" / f"{PAPER}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Edited:")
                      .replace("keywords: [Grokking, ", "keywords: [Grokking, Sparsity, "), encoding="utf-8")

    result = build_copy(source, site)

    assert result.incremental
    # papers.json, papers.csl.json and the .bib of the paper's topic and of its parent.
    assert sorted(set(made)) == [("bibtex", PAPER), ("csl", PAPER), ("json", PAPER)]
    reference = source.parent / "reference"
    build_copy(source, reference, use_cache=False)
    for name in (urls.CATALOG_JSON, urls.CSL_JSON, urls.topic_bibtex_url("grokking"),
                 urls.topic_bibtex_url("generalization")):
        text = (site / name).read_text(encoding="utf-8")
        assert "Grokking Edited:" in text
        assert text == (reference / name).read_text(encoding="utf-8")
    # The added keyword, as the vocabulary spells it.
    csl = (site / urls.CSL_JSON).read_text(encoding="utf-8")
    assert '"keyword": "Grokking, Sparse Networks, Algorithmic Datasets"' in csl
    assert site_files(site) == site_files(reference)


def test_after_one_edit_the_list_pages_render_that_papers_entry_only(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The other papers' entries on the pages listing the edited paper are the last build's
    # (render.ListEntries, in the build cache), until a template they are rendered with changes.
    entries: list[str] = []
    render_template = jinja2.Template.render

    def counted(self: jinja2.Template, *args: object, **kwargs: Any) -> str:
        if self.name == render.ITEM_TEMPLATE:
            entries.append(kwargs["paper"].id)
        return render_template(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", counted)
    record = catalog / "papers" / f"{PAPER}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Edited:"),
                      encoding="utf-8")
    listed = {paper.id for paper in read_catalog(catalog / "papers").papers}

    result = build_copy(catalog, catalog / "site")

    assert result.incremental and set(entries) == {PAPER}
    assert_same_as_a_build_from_scratch(catalog)
    entries.clear()
    item = catalog / "templates" / render.ITEM_TEMPLATE
    item.write_text(item.read_text(encoding="utf-8").replace("paper-meta", "paper-meta edited"), encoding="utf-8")
    build_copy(catalog, catalog / "site")
    assert set(entries) == listed
    assert_same_as_a_build_from_scratch(catalog)


def test_a_kept_entry_showing_a_terms_name_follows_that_name_when_another_paper_changes_it(catalog: Path) -> None:
    # A term's name is its most frequent spelling among its papers: an edit to one paper can rename
    # the venue another paper's entry shows, though that paper's record did not change.
    papers = catalog / "papers"
    for paper, venue in (("frankle2019lottery", "ICLR 2019"), ("nakkiran2020deep", "ICLR 2019"),
                         ("zhang2017understanding", "iclr 2019")):
        record = papers / f"{paper}.yaml"
        record.write_text(re.sub(r"(?m)^venue: .*$", f"venue: {venue}", record.read_text(encoding="utf-8")),
                          encoding="utf-8")
    item = catalog / "templates" / render.ITEM_TEMPLATE
    item.write_text(item.read_text(encoding="utf-8").replace(
        '<span class="venue-year">', '<span class="venue-name">{{ terms.venue.name if terms.venue }}</span> '
        '<span class="venue-year">'), encoding="utf-8")
    build_copy(catalog, catalog / "site")
    assert (catalog / "site" / urls.ALL_PAPERS).read_text(encoding="utf-8").count(
        '<span class="venue-name">ICLR</span>') == 3
    record = papers / "nakkiran2020deep.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("venue: ICLR 2019", "venue: iclr 2019"),
                      encoding="utf-8")

    build_copy(catalog, catalog / "site")

    shown = (catalog / "site" / urls.ALL_PAPERS).read_text(encoding="utf-8")
    assert shown.count('<span class="venue-name">iclr</span>') == 3
    assert_same_as_a_build_from_scratch(catalog)


# Incremental planning: a rebuild plans only the pages whose inputs changed (``plan.Unit``,
# ``plan.PlanState``); the others keep the last build's fingerprints. A page whose inputs were
# not declared would keep a stale page: these tests edit a catalog whose lists run over several
# pages, in every way that moves papers between pages, terms and related lists, and compare
# both the site and every page's fingerprint with a build from scratch.

WORDS = ["sharp", "flat", "minima", "noise", "label", "kernel", "regime", "width", "depth", "scaling", "sparse",
         "pruning", "ticket", "lottery", "collapse", "grokking", "descent", "double", "implicit", "bias",
         "memorization", "attention", "transformer", "emergence", "phase", "transition", "momentum", "batch",
         "curvature", "spectrum", "margin"]
AUTHORS = ["Ana Silva", "Boaz Chen", "Dana Kim", "Eli Novak", "Fei Wang", "Gal Cohen", "Hana Sato", "Ilya Petrov"]
VENUES = ["NeurIPS", "ICLR", "ICML", "COLT"]
TOPIC_IDS = ["generalization", "double-descent", "grokking", "lottery-ticket-hypothesis", "information-bottleneck"]
KEYWORDS = ["Sharpness", "Label Noise", "Kernel Regime", "Pruning", "Scaling"]


def synthetic_record(rng: random.Random, number: int) -> dict[str, object]:
    """A valid record whose every field shares values with others (authors, venues, keywords...)."""
    year = rng.randint(2015, 2024)
    return {
        "title": " ".join(rng.sample(WORDS, 5)).capitalize() + f" (part {number})",
        "authors": rng.sample(AUTHORS, rng.randint(1, 3)),
        "year": year,
        "venue": f"{rng.choice(VENUES)} {year}" if rng.random() < 0.7 else None,
        "topics": rng.sample(TOPIC_IDS, rng.randint(1, 2)),
        "keywords": rng.sample(KEYWORDS, rng.randint(0, 2)),
        "code": rng.random() < 0.3,
        "digest": " ".join(rng.choices(WORDS, k=12)).capitalize() + ".",
        "added": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
    }


def write_record(papers: Path, paper_id: str, record: dict[str, object]) -> None:
    lines = [f"title: {json.dumps(record['title'])}", f"authors: {json.dumps(record['authors'], ensure_ascii=False)}",
             f"year: {record['year']}", f"topics: {json.dumps(record['topics'])}",
             f"keywords: {json.dumps(record['keywords'])}", f"added: {record['added']}",
             f"digest: {json.dumps(record['digest'])}", "links:", f"  paper: https://example.org/{paper_id}"]
    if record["code"]:
        lines.append(f"  code: https://example.org/{paper_id}/code")
    if record["venue"]:
        lines.append(f"venue: {record['venue']}")
    if record.get("note"):
        lines.append(f"note: {json.dumps(record['note'])}")
    if record.get("arxiv"):
        lines.append(f"arxiv: '{record['arxiv']}'")
    (papers / f"{paper_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def edit_record(rng: random.Random, kind: str, record: dict[str, object]) -> None:
    """One edit of the kinds that move a paper between list pages, terms or related lists."""
    if kind == "year":
        record["year"] = rng.randint(2015, 2024)  # other pages of every list it is on; another year term
        if record["venue"]:
            record["venue"] = f"{str(record['venue']).rsplit(' ', 1)[0]} {record['year']}"
    elif kind == "venue":
        record["venue"] = rng.choice([None, *(f"{venue} {record['year']}" for venue in VENUES)])
    elif kind == "title":  # the order of every list, and others' related papers
        record["title"] = " ".join(rng.sample(WORDS, 5)).capitalize() + f" (edited {rng.randint(0, 99)})"
    elif kind == "keyword":
        keywords = list(record["keywords"])  # type: ignore[call-overload]
        choice = rng.choice([*KEYWORDS, "Brand New Keyword"])
        record["keywords"] = [k for k in keywords if k != choice] if choice in keywords else [*keywords, choice]
    elif kind == "author":  # another author, or a spelling that may rename the author's page for all
        authors = list(record["authors"])  # type: ignore[call-overload]
        index = rng.randrange(len(authors))
        authors[index] = rng.choice([*AUTHORS, "Ana Silvá", "Dana Kím", "Newcomer Author"])
        record["authors"] = list(dict.fromkeys(authors))
    elif kind == "topics":
        record["topics"] = rng.sample(TOPIC_IDS, rng.randint(1, 2))
    elif kind == "digest":
        record["digest"] = " ".join(rng.choices(WORDS, k=12)).capitalize() + "."
    elif kind == "added":  # often onto the home page's recent papers or off them (or the feed's)
        record["added"] = rng.choice([f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}", "2026-11-28",
                                      "2025-01-01"])
    elif kind == "code":
        record["code"] = not record["code"]
    elif kind == "note":
        record["note"] = rng.choice([None, f"A note ({rng.randint(0, 99)})."])


EDITS = ("year", "venue", "title", "keyword", "author", "rename", "topics", "digest", "added", "code", "note", "add",
         "remove")
RARE_AUTHOR = ("Zoe Rare", "Zoë Rare")
"""Two spellings of one author, one paper each: the first in sorted order names the author's page
(``catalog.group_terms``), so respelling one record renames the author on the other's page."""
RARE_VENUE = ("Deep Learning Workshop", "Deep learning workshop")


def synthetic_catalog(folder: Path, count: int = 40, sitemap: bool = True) -> dict[str, dict[str, object]]:
    """A catalog of ``count`` records whose lists run over several pages, with a sitemap (the
    site's address is known) unless told otherwise."""
    source = copy_fixture_catalog(folder)
    shutil.copytree(TEMPLATES, source / "templates")
    for record in (source / "papers").glob("[!_]*.yaml"):
        record.unlink()
    address = "base_url: https://example.org/catalog/\n" if sitemap else ""
    (source / "catalog.yaml").write_text(f"title: Synthetic\n{address}papers_per_page: 10\nrecent: 5\n",
                                         encoding="utf-8")
    rng = random.Random(7)
    made = {f"paper{number:03d}": synthetic_record(rng, number) for number in range(count)}
    for paper_id, author, venue in zip(("paper001", "paper002"), RARE_AUTHOR, RARE_VENUE, strict=True):
        made[paper_id]["authors"] = [*made[paper_id]["authors"], author]  # type: ignore[misc]
        made[paper_id]["venue"] = f"{venue} {made[paper_id]['year']}"
    for paper_id, record in made.items():
        write_record(source / "papers", paper_id, record)
    return made


def apply_edit(source: Path, made: dict[str, dict[str, object]], kind: str, rng: random.Random) -> None:
    papers = source / "papers"
    if kind == "add":
        paper_id = f"added{len(made):03d}"
        made[paper_id] = synthetic_record(rng, len(made) + 100)
        write_record(papers, paper_id, made[paper_id])
    elif kind == "remove":
        paper_id = rng.choice(sorted(made))
        del made[paper_id]
        (papers / f"{paper_id}.yaml").unlink()
    elif kind == "rename":  # respell the rare author and venue in one of their two records
        paper_id = rng.choice([paper_id for paper_id in ("paper001", "paper002") if paper_id in made])
        record = made[paper_id]
        spell = dict([RARE_AUTHOR, RARE_AUTHOR[::-1]])
        record["authors"] = [spell.get(author, author) for author in record["authors"]]  # type: ignore[attr-defined]
        venue = next((v for v in RARE_VENUE if str(record["venue"]).startswith(v)), RARE_VENUE[1])
        record["venue"] = f"{dict([RARE_VENUE, RARE_VENUE[::-1]])[venue]} {record['year']}"
        write_record(papers, paper_id, record)
    else:
        paper_id = rng.choice(sorted(made))
        edit_record(rng, kind, made[paper_id])
        write_record(papers, paper_id, made[paper_id])


def assert_same_site_and_fingerprints_as_from_scratch(source: Path) -> None:
    """The site equals a build from scratch, and so does every page's fingerprint in the cache (a
    page kept with a stale fingerprint could still happen to be right; its fingerprint would not),
    and every unit's inputs the plan state keeps (which tell whether a page fingerprinted by its
    templates only, in a build from scratch, is the same in the next: ``Fingerprints.same``).

    The reference takes every page's whole fingerprint (as an incremental build does the pages it
    plans); a page whose fingerprint is its ``known`` part only must begin the reference's."""
    reference = source.parent / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    cache_file(reference).unlink(missing_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Fingerprints, "from_scratch", Fingerprints.page)
        assert not build_copy(source, reference).incremental
    assert site_files(source / "site") == site_files(reference)
    ours, theirs = read_cache(source / "site"), read_cache(reference)
    assert ours.site is not None and theirs.site is not None
    assert ours.site.files.keys() == theirs.site.files.keys()
    assert all(len(theirs.site.files[url]) > KNOWN_LENGTH for url in theirs.site.files if url.endswith(".html"))
    whole = theirs.site.files
    assert ours.site.files == {url: whole[url] if len(fingerprint) > KNOWN_LENGTH else whole[url][:KNOWN_LENGTH]
                               for url, fingerprint in ours.site.files.items()}
    assert ours.planned is not None and theirs.planned is not None
    assert ours.planned.inputs == theirs.planned.inputs


@pytest.mark.parametrize("sitemap", [True, False], ids=["sitemap", "no sitemap"])
@pytest.mark.parametrize("kind", EDITS)
def test_each_kind_of_edit_gives_the_site_and_fingerprints_a_build_from_scratch_gives(
        tmp_path: Path, kind: str, sitemap: bool) -> None:
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, sitemap=sitemap)
    build_copy(source, source / "site")
    rng = random.Random(EDITS.index(kind))
    for _ in range(3):
        apply_edit(source, made, kind, rng)
        result = build_copy(source, source / "site")
        assert result.incremental and result.rendered < result.pages
    assert_same_site_and_fingerprints_as_from_scratch(source)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 2**32)), min_size=1, max_size=4),
       sitemap=st.booleans())
def test_random_edits_give_the_site_and_fingerprints_a_build_from_scratch_gives(
        tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]], sitemap: bool) -> None:
    # (without a sitemap, an edit that files a paper again is planned without listing every unit)
    source = tmp_path_factory.mktemp("random") / "catalog"
    made = synthetic_catalog(source, count=30, sitemap=sitemap)
    build_copy(source, source / "site")
    for kind, seed in edits:
        apply_edit(source, made, kind, random.Random(seed))
        assert build_copy(source, source / "site").incremental
    assert_same_site_and_fingerprints_as_from_scratch(source)


def names_replanned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the pages the next builds plan through PlanState.replan (filled as they run)."""
    planned: list[str] = []
    real = plan.PlanState.replan

    def replan(self, *args):  # type: ignore[no-untyped-def]
        found = real(self, *args)
        assert found is not None
        planned.extend(unit.name for unit in found[0] if unit.shape is not None)
        return found

    monkeypatch.setattr(plan.PlanState, "replan", replan)
    return planned


def test_a_one_record_edit_plans_only_the_pages_that_show_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "catalog"
    made = synthetic_catalog(source)
    build_copy(source, source / "site")
    planned = names_replanned(monkeypatch)
    # A digest edit changes nothing the index files the paper by: no unit is listed but those that show it.
    monkeypatch.setattr(plan.Planner, "units", lambda self: pytest.fail("every unit listed"))
    made["paper005"]["digest"] = "An edited digest."
    write_record(source / "papers", "paper005", made["paper005"])
    build_copy(source, source / "site")
    monkeypatch.undo()
    # Its own page, pages of the lists it is on, and the pages that show it among related papers;
    # not the other papers' pages, and of the terms' pages only its own terms'.
    catalog = read_catalog(source / "papers")
    others = {urls.paper_url(paper_id) for paper_id in made if paper_id != "paper005"}
    assert urls.paper_url("paper005") in planned
    assert 0 < len(others & set(planned)) < len(others) / 2
    terms = catalog.paper_terms["paper005"]
    own = [term.url.removesuffix(".html") for term in (*terms.authors, *terms.keywords, terms.year, terms.venue)
           if term is not None]
    listed = [name for name in planned if name.startswith(("authors/", "keywords/", "venues/", "years/"))]
    assert listed and all(name.removesuffix(".html").split(".page-")[0] in own for name in listed)
    assert_same_site_and_fingerprints_as_from_scratch(source)



# Incremental indexing: the index stage updates the last build's outline (``catalog.IndexState``)
# for the records that changed. Each step of a sequence of edits must give the outline, and the
# catalog made from it, that indexing every record from scratch gives.


def catalog_view(catalog: Catalog) -> object:
    """Everything a page can read of a catalog, as plain values."""
    def term(term: Term) -> object:
        return (term.kind, term.name, term.slug, term.sort_key, term.ids, tuple(p.id for p in term.papers), term.url)

    def entry(entry: TopicEntry) -> object:
        return (entry.id, tuple(p.id for p in entry.papers), entry.total, entry.parent_id,
                tuple(child.id for child in entry.children))

    return ([p.id for p in catalog.papers], catalog.paper_ids, [entry(e) for e in catalog.topics],
            [entry(e) for e in catalog.roots], {kind: [term(t) for t in catalog.terms[kind]] for kind in TERM_KINDS},
            {paper_id: ([entry(e) for e in found.topics], [term(t) for t in found.authors], term(found.year),
                        term(found.venue) if found.venue else None, [term(t) for t in found.keywords],
                        catalog.keyword_names(paper_id))
             for paper_id, found in catalog.paper_terms.items()})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 2**32)), min_size=1, max_size=3),
                      min_size=1, max_size=4))
def test_an_incremental_index_gives_the_catalog_indexing_from_scratch_gives(
        tmp_path_factory: pytest.TempPathFactory, edits: list[list[tuple[str, int]]]) -> None:
    source = tmp_path_factory.mktemp("index") / "catalog"
    made = synthetic_catalog(source, count=30)
    last = index(records.load(source / "papers")).state
    for step in edits:
        for kind, seed in step:
            apply_edit(source, made, kind, random.Random(seed))
        loaded = records.load(source / "papers")
        updated, fresh = index(loaded, last), index(loaded)
        assert updated.state is not None and fresh.state is not None
        for name in ("ids", "digests", "keys", "filed", "terms", "direct", "context"):
            assert getattr(updated.state, name) == getattr(fresh.state, name), name
        assert catalog_view(updated) == catalog_view(fresh)
        assert [updated.term_count(kind) for kind in TERM_KINDS] == [len(fresh.terms[kind]) for kind in TERM_KINDS]
        # (every paper's keywords at once, as the CSL-JSON file reads them, are each paper's)
        ids = list(updated.paper_terms)
        assert updated.keyword_names_of(ids) == {paper_id: updated.keyword_names(paper_id) for paper_id in ids}
        last = updated.state


def test_an_edit_files_again_only_the_records_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "catalog"
    made = synthetic_catalog(source)
    last = index(records.load(source / "papers")).state
    made["paper005"]["authors"] = ["Newcomer Author"]
    made["paper007"]["digest"] = "An edited digest."
    write_record(source / "papers", "paper005", made["paper005"])
    write_record(source / "papers", "paper007", made["paper007"])
    loaded = records.load(source / "papers")
    looked_at: list[str] = []
    real_key = catalog_module.index_key

    def index_key(paper):  # type: ignore[no-untyped-def]
        looked_at.append(paper.id)
        return real_key(paper)

    ordered: list[str] = []
    real_order = catalog_module.paper_order

    def paper_order(paper):  # type: ignore[no-untyped-def]
        ordered.append(paper.id)
        return real_order(paper)

    monkeypatch.setattr(catalog_module, "index_key", index_key)
    monkeypatch.setattr(catalog_module, "paper_order", paper_order)
    monkeypatch.setattr(catalog_module.IndexState, "of", lambda *args: pytest.fail("every record filed again"))
    catalog = index(loaded, last)
    # The papers' terms are made when asked for: none yet.
    assert catalog.paper_terms._papers == {}  # type: ignore[attr-defined]
    assert sorted(looked_at) == ["paper005", "paper007"]
    # The paper filed again is placed among the others by a binary search, not a sort of them all.
    assert "paper005" in ordered and len(ordered) < len(made) / 2
    assert catalog.paper_terms["paper005"].authors[0].name == "Newcomer Author"
    assert catalog.terms["authors"][0].kind == "authors"
    monkeypatch.undo()
    assert catalog_view(catalog) == catalog_view(index(loaded))


@pytest.mark.parametrize("sitemap", [True, False], ids=["sitemap", "no sitemap"])
@pytest.mark.parametrize("kind", ["title", "author", "rename", "keyword", "topics", "year", "added", "add", "remove"])
def test_an_edit_that_files_a_paper_again_plans_without_listing_every_unit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, sitemap: bool) -> None:
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, count=60, sitemap=sitemap)
    build_copy(source, source / "site")
    last = read_cache(source / "site").planned
    written = read_cache(source / "site").site
    assert last is not None and written is not None
    planned = names_replanned(monkeypatch)
    monkeypatch.setattr(plan.Planner, "units", lambda self: pytest.fail("every unit listed"))
    apply_edit(source, made, kind, random.Random(3))
    assert build_copy(source, source / "site").incremental
    monkeypatch.undo()
    # The very units listing every unit finds stale (``PlanState.stale_units``), fewer than all.
    loaded = records.load(source / "papers")
    units = plan.plan_units(index(loaded), load_config(source / "catalog.yaml"))
    stale = last.stale_units(units, index(loaded), loaded.digests, written.files)
    assert sorted(planned) == sorted(unit.name for unit in stale if unit.shape is not None)
    assert len(planned) < len(last.inputs)
    if kind in ("add", "remove"):  # (a paper's page more or less: in the sitemap too)
        assert (urls.SITEMAP in planned) == sitemap
    assert_same_site_and_fingerprints_as_from_scratch(source)


@pytest.mark.parametrize("with_record", [False, True], ids=["template", "template and record"])
def test_a_template_edit_after_a_build_from_scratch_rerenders_what_it_must(tmp_path: Path, with_record: bool) -> None:
    # A build from scratch keeps each planned page's ``known`` fingerprint only; after a template
    # edit (and a record's, in the same build), the units' inputs tell which of the others changed.
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, count=30)
    build_copy(source, source / "site")
    template = source / "templates" / "term.html"
    template.write_text(template.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
    if with_record:
        apply_edit(source, made, "title", random.Random(5))
    result = build_copy(source, source / "site")
    assert result.incremental and 0 < result.rendered < result.pages
    assert_same_site_and_fingerprints_as_from_scratch(source)


@pytest.mark.parametrize("count", [3, 9, 60])
def test_the_sitemap_lists_what_the_units_it_is_planned_without_list(tmp_path: Path, count: int) -> None:
    # ``Planner.sitemap_urls`` finds the pages of listed units in plan order without making the units.
    source = tmp_path / "catalog"
    synthetic_catalog(source, count=count)
    catalog = index(records.load(source / "papers"))
    planner = plan.Planner(catalog, load_config(source / "catalog.yaml"), related_in_catalog(catalog), None)
    units = planner.units()
    assert units[-1].name == urls.SITEMAP
    assert planner.sitemap_urls() == tuple(unit.name for unit in units if unit.listed)

# Incremental checking: after a check that found nothing, the next looks only at the records that
# changed, unless one changed what checks across records read (``validate.CleanCheck``). Each step
# of a sequence of edits, some of which make problems on their own or with another record and some
# of which fix them, must find the very problems a check from scratch finds.

CHECK_EDITS = ("digest", "code", "period", "comma author", "same title", "same arxiv", "near title", "clash",
               "fix", "title", "author", "add", "remove")


def apply_check_edit(source: Path, made: dict[str, dict[str, object]], kind: str, rng: random.Random,
                     originals: dict[str, dict[str, object]]) -> None:
    papers = source / "papers"
    if kind in ("add", "remove"):
        apply_edit(source, made, kind, rng)
        return
    paper_id, other = rng.sample(sorted(made), 2)
    record = made[paper_id]
    originals.setdefault(paper_id, dict(record))
    if kind == "period":  # a problem of the record on its own
        record["title"] = f"{record['title']}."
    elif kind == "comma author":
        record["authors"] = ["Silva, Ana"]
    elif kind == "same title":  # a problem with another record
        record["title"] = made[other]["title"]
    elif kind == "same arxiv":
        record["arxiv"] = made[other].setdefault("arxiv", f"2101.{rng.randint(10000, 99999)}")
        write_record(papers, other, made[other])
    elif kind == "near title":
        record["title"] = str(made[other]["title"])[:-1] + "x)"
    elif kind == "clash":  # two names that would share one author page ("wangwei"), the other's first
        originals.setdefault(other, dict(made[other]))
        made[other]["authors"] = [*made[other]["authors"], "王伟"]  # type: ignore[misc]
        write_record(papers, other, made[other])
        record["authors"] = [*record["authors"], "汪伟"]  # type: ignore[misc]
    elif kind == "fix":
        if not originals:
            return
        paper_id = rng.choice(sorted(originals))
        if paper_id not in made:
            return
        record = made[paper_id] = originals.pop(paper_id)
    else:
        edit_record(rng, kind, record)
    write_record(papers, paper_id, record)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(CHECK_EDITS), st.integers(0, 2**32)), min_size=1, max_size=8))
def test_an_incremental_check_finds_the_problems_a_check_from_scratch_finds(
        tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int]]) -> None:
    source = tmp_path_factory.mktemp("check") / "catalog"
    made = synthetic_catalog(source, count=12)
    memo = CheckMemo()
    assert check(records.load(source / "papers"), memo) == []
    originals: dict[str, dict[str, object]] = {}
    for kind, seed in edits:
        apply_check_edit(source, made, kind, random.Random(seed), originals)
        loaded = records.load(source / "papers")
        assert check(loaded, memo) == check(loaded)


def test_an_incremental_check_checks_only_the_changed_records(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "catalog"
    made = synthetic_catalog(source)
    memo = CheckMemo()
    assert check(records.load(source / "papers"), memo) == []
    looked_at: list[str] = []
    real = validate.paper_facts
    monkeypatch.setattr(validate, "paper_facts", lambda paper: (looked_at.append(paper.id), real(paper))[1])
    monkeypatch.setattr(validate, "slug_clashes", lambda records: pytest.fail("names compared across records"))
    made["paper005"]["digest"] = "An edited digest."
    write_record(source / "papers", "paper005", made["paper005"])
    assert check(records.load(source / "papers"), memo) == []
    assert looked_at == ["paper005"]



def _failed_on_a_template_then_built(source: Path, cache: BuildCache) -> BuildResult:
    """As serve does with ``cache``: a build of ``source`` that fails on a template error (past the
    related papers' and search index's updates), then the template fixed and built again."""
    from phenomena_catalog.executors import SerialExecutor
    from phenomena_catalog.pipeline import build

    site, config = source / "site", load_config(source / "catalog.yaml")
    template = source / "templates" / "paper.html"
    good = template.read_text(encoding="utf-8")
    template.write_text(good.replace("{{ paper.title }}</h1>", "{{ paper.no_such_field }}</h1>"), encoding="utf-8")
    with pytest.raises(UserError, match="no_such_field"):
        build(source / "papers", source / "templates", site, config, SerialExecutor(), cache)
    template.write_text(good, encoding="utf-8")
    return build(source / "papers", source / "templates", site, config, SerialExecutor(), cache)[0]


def test_after_a_build_that_failed_past_the_search_index_the_next_writes_what_it_changed(catalog: Path) -> None:
    # serve keeps its cache through a failed build. The search index's state is updated before pages
    # render, so after a template error it is that build's, while the site is the last good one's:
    # the next build, with the state as it is, must still write every search file that differs.
    site = catalog / "site"
    cache = read_cache(site)
    record = catalog / "papers" / "chen2021sparse.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "digest: |\n", "digest: |\n  Zanzibar quokkas grokking hyperbolically.\n"), encoding="utf-8")
    assert _failed_on_a_template_then_built(catalog, cache).incremental
    assert b"quokka" in b"".join(data for url, data in site_files(site).items() if url.startswith("search/"))
    assert_same_as_a_build_from_scratch(catalog)


def test_after_a_build_that_failed_past_related_papers_the_next_writes_every_page_whose_list_changed(
        tmp_path: Path) -> None:
    # As above for related papers: their state is updated before pages render, so after a template
    # error the next build's update finds no change, while the site still shows the old lists.
    source = tmp_path / "catalog"
    made = synthetic_catalog(source)
    site = source / "site"
    build_copy(source, site)
    cache = read_cache(site)
    before = site_files(site)
    # paper005 now reads like paper017: both papers' related lists change, and others' with them.
    words = str(made["paper017"]["digest"]).rstrip(".").split()
    made["paper005"] = {**made["paper005"], "title": "Another look at " + " ".join(words[:6]),
                        "digest": made["paper017"]["digest"]}
    write_record(source / "papers", "paper005", made["paper005"])
    assert _failed_on_a_template_then_built(source, cache).incremental
    after = site_files(site)
    assert after["papers/paper017.html"] != before["papers/paper017.html"]  # (its list names paper005 now)
    assert_same_as_a_build_from_scratch(source)


def code_count(page: Path) -> int:
    """The "Has code (N)" count of a list page's filter bar (0 when it offers none)."""
    found = re.search(r"Has code \((\d+)\)", page.read_text(encoding="utf-8"))
    return int(found[1]) if found else 0


@pytest.mark.parametrize("kind", ["code", "year and code"])
def test_an_edit_of_a_listed_paper_updates_its_lists_filter_counts_as_a_build_from_scratch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    # Each paper's facet values (year, venue, topics, kind, has code) are kept from build to build
    # (list_filters.KeptFacets): only the edited paper's are worked out again.
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, count=30, sitemap=False)
    site = source / "site"
    build_copy(source, site)
    years = [record["year"] for record in made.values()]
    paper_id = next(paper_id for paper_id, record in sorted(made.items()) if years.count(record["year"]) > 2)
    record = made[paper_id]
    # (lists of two papers or more have a filter bar)
    new_year = next(year for year in sorted(set(years)) if year != record["year"] and years.count(year) > 1)
    old_page, new_page = (site / urls.term_url("years", str(year)) for year in (record["year"], new_year))
    old_before, new_before = code_count(old_page), code_count(new_page)
    worked_out: list[str] = []
    missing = list_filters._FacetValues.__missing__
    monkeypatch.setattr(list_filters._FacetValues, "__missing__",
                        lambda self, paper_id: worked_out.append(paper_id) or missing(self, paper_id))

    if kind == "year and code":
        record["code"] = True
        record["year"] = new_year  # (so the page it joins counts one more paper with code)
        record["venue"] = None
    else:
        record["code"] = not record["code"]
    write_record(source / "papers", paper_id, record)
    assert build_copy(source, site).incremental

    assert worked_out == [paper_id]
    if kind == "year and code":
        assert code_count(new_page) == new_before + 1
    else:
        assert code_count(old_page) == old_before + (1 if record["code"] else -1)
    reference = tmp_path / "reference"
    build_copy(source, reference, use_cache=False)
    assert site_files(site) == site_files(reference)



def test_a_keyword_renamed_by_an_edit_of_most_of_its_papers_is_renamed_in_the_others_related_papers(
        tmp_path: Path) -> None:
    # A keyword term is named by its most frequent spelling: respelling it in most of its records
    # renames it in the others, whose records did not change, and so in their related papers (a
    # hyphen makes other words of it). Their keyword terms used to stay as they were until a build
    # from scratch. (Enough papers that an edit updates the related papers rather than computing
    # them afresh.)
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    rng = random.Random(7)
    words = ["kernel", "width", "depth", "noise", "label", "sharpness", "flat", "minima", "descent", "gradient",
             "feature", "lottery", "ticket"]
    for number in range(160):
        keywords = ["Loss Landscape" if number % 20 == 0 else rng.choice(words).title(), rng.choice(words).title()]
        (source / "papers" / f"made{number:03d}.yaml").write_text(
            f"title: {' '.join(rng.choices(words, k=6)).capitalize()} {number}\nauthors: [Ada Lovelace]\n"
            f"year: {2010 + number % 15}\ntopics: [grokking]\nkeywords: [{', '.join(keywords)}]\n"
            f"digest: {' '.join(rng.choices(words, k=30))}\nadded: 2024-01-01\n", encoding="utf-8")
    build_copy(source, source / "site")
    for number in range(0, 100, 20):  # (five of the eight papers that hold it)
        record = source / "papers" / f"made{number:03d}.yaml"
        record.write_text(record.read_text(encoding="utf-8").replace("Loss Landscape", "Loss-Landscape"),
                          encoding="utf-8")
    assert build_copy(source, source / "site").incremental
    assert "Loss-Landscape" in (source / "site" / "papers" / "made140.html").read_text(encoding="utf-8")
    assert_same_as_a_build_from_scratch(source)


def test_a_cache_an_edit_updated_is_saved_by_a_build_that_rewrites_its_tables_whole(tmp_path: Path) -> None:
    # A cache table kept lazily (each paper's CSL item: a tuple holding the item's bytes) gets an
    # edit's entries in a delta segment, read back as parts of that file (memoryviews); an edit of
    # a quarter of the records or more writes the table whole again, entries from the delta among
    # its values. Pickling those made the save fail with a traceback once the site was written.
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, count=cache_store.TABLE_MIN + 44)  # (tables of their own in the cache)
    for record in made.values():
        record["digest"] = str(record["digest"]) * 4  # (CSL items long enough to be kept out of their pickle)
    for paper_id, record in made.items():
        write_record(source / "papers", paper_id, record)
    build_copy(source, source / "site")
    last = sorted(made)[-1]
    made[last]["title"] = f"Edited {made[last]['title']}"
    write_record(source / "papers", last, made[last])
    assert build_copy(source, source / "site").incremental
    for paper_id in sorted(made)[: len(made) // 3]:
        made[paper_id]["title"] = f"Edited {made[paper_id]['title']}"
        write_record(source / "papers", paper_id, made[paper_id])
    assert build_copy(source, source / "site").incremental
    assert read_cache(source / "site").site is not None  # (the cache was saved)
    assert build_copy(source, source / "site").rendered == 0  # (and describes the site as it is)
    assert_same_site_and_fingerprints_as_from_scratch(source)


def test_a_catalog_whose_cache_tables_shrink_below_a_table_is_still_saved(tmp_path: Path) -> None:
    # A table of fewer than TABLE_MIN entries is pickled inside its field, values read from the
    # cache as parts of its file (memoryviews) among them: deleting records down past that size
    # made every later build fail saving its cache with a traceback, until the cache was removed.
    source = tmp_path / "catalog"
    made = synthetic_catalog(source, count=cache_store.TABLE_MIN + 10)
    for record in made.values():
        record["digest"] = str(record["digest"]) * 4  # (pieces long enough to be kept out of their pickle)
    for paper_id, record in made.items():
        write_record(source / "papers", paper_id, record)
    build_copy(source, source / "site")
    for paper_id in sorted(made)[:20]:
        del made[paper_id]
        (source / "papers" / f"{paper_id}.yaml").unlink()
    assert build_copy(source, source / "site").incremental
    assert build_copy(source, source / "site").rendered == 0  # (the cache was saved, and describes the site)
    assert_same_site_and_fingerprints_as_from_scratch(source)
