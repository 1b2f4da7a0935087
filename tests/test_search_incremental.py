"""The search index updated after edits is the index built from scratch, file for file."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenomena_catalog.catalog import Catalog, index_catalog
from phenomena_catalog.models import KeywordEntry, Paper
from phenomena_catalog.pipeline import load_checked
from phenomena_catalog.search_index import SearchIndexState, build_search_index

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "catalog" / "papers"
RECORDS = load_checked(FIXTURE)
# The fixture's papers and a few variants of each, so that one edit is a small share of the catalog.
START = [*RECORDS.papers, *(
    paper.model_copy(update={"id": f"{paper.id}-{n}", "title": f"{paper.title} {word}"})
    for n, word in enumerate(["revisited", "again", "networks"]) for paper in RECORDS.papers)]

WORDS = st.sampled_from(["grokking", "double", "descent", "lottery", "ticket", "Tickets", "neural", "collapse",
                         "kernel", "networks", "zebra", "quux", "Lénaïc", "2021", "a", "x", "deep"])
TEXT = st.lists(WORDS, max_size=12).map(" ".join)
KEYWORDS = st.sampled_from(["Grokking", "grokking", "Double Descent", "lottery tickets", "Sparse networks",
                            "zebra crossing"])
EDITS = st.one_of(
    st.tuples(st.just("digest"), st.integers(0, 10**6), TEXT),
    st.tuples(st.just("title"), st.integers(0, 10**6), TEXT.filter(bool)),
    st.tuples(st.just("authors"), st.integers(0, 10**6), st.lists(st.sampled_from(
        ["Alethea Power", "Lénaïc Chizat", "Yann Zebra", "A. Quux"]), max_size=3)),
    st.tuples(st.just("keywords"), st.integers(0, 10**6), st.lists(KEYWORDS, max_size=3)),
    st.tuples(st.just("venue"), st.integers(0, 10**6), st.sampled_from([None, "NeurIPS 2021", "ICLR 2023",
                                                                         "Zebra Workshop 2020"])),
    st.tuples(st.just("year"), st.integers(0, 10**6), st.integers(2015, 2024)),
    st.tuples(st.just("sources"), st.integers(0, 10**6), st.lists(st.sampled_from(["a", "b", "c"]), max_size=3,
                                                                   unique=True)),
    st.tuples(st.just("kind"), st.integers(0, 10**6), st.sampled_from(["paper", "book", "thesis"])),
    st.tuples(st.just("vocabulary"), st.integers(0, 10**6), st.none()),
    st.tuples(st.just("add"), st.integers(0, 10**6), TEXT),
    st.tuples(st.just("remove"), st.integers(0, 10**6), st.none()),
    st.tuples(st.just("replace"), st.integers(0, 10**6), TEXT),  # one removed, another added: as many
)


def catalog_of(papers: list[Paper], vocabulary: list[KeywordEntry] = RECORDS.keywords) -> Catalog:
    """The catalog of ``papers``, with each paper's digest of what it was made from."""
    digests = {p.id: hashlib.blake2b(p.model_dump_json().encode(), digest_size=16).hexdigest() for p in papers}
    return dataclasses.replace(index_catalog(papers, RECORDS.topics, vocabulary), digests=digests)


def edited(papers: list[Paper], edit: tuple[str, int, object], added: int) -> list[Paper]:
    field, which, value = edit
    papers = list(papers)
    number = which % len(papers)
    if field == "vocabulary":
        pass  # (see ``vocabulary_after``)
    elif field == "remove":
        if len(papers) > 1:
            del papers[number]
    elif field in ("add", "replace"):
        papers.append(papers[number].model_copy(update={"id": f"added-{added}", "digest": value}))
        if field == "replace":
            del papers[(number + 1) % (len(papers) - 1)]
    else:
        papers[number] = papers[number].model_copy(update={field: value})
    return papers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=8))
def test_edits_applied_one_by_one_give_the_index_a_build_from_scratch_gives(
        edits: list[tuple[str, int, object]]) -> None:
    papers, vocabulary = START, RECORDS.keywords
    state = SearchIndexState()
    before = dict(state.update(catalog_of(papers)).files)
    for added, edit in enumerate(edits):
        papers = edited(papers, edit, added)
        if edit[0] == "vocabulary":  # a keyword entry loses its aliases, or gets one back
            entry = vocabulary[edit[1] % len(vocabulary)]
            original = next(e for e in RECORDS.keywords if e.name == entry.name)
            vocabulary = [e if e is not entry else entry.model_copy(
                update={"aliases": [] if entry.aliases else original.aliases}) for e in vocabulary]
        state = pickle.loads(pickle.dumps(state))  # as the build cache keeps it between builds
        catalog = catalog_of(papers, vocabulary)
        updated = state.update(catalog)
        assert updated.files == build_search_index(catalog).files
        # ... and it says which files changed.
        assert updated.changed == {path for path, text in updated.files if before.get(path) != text}
        before = dict(updated.files)


def test_an_edit_that_changes_nothing_searchable_changes_no_file() -> None:
    state = SearchIndexState()
    state.update(catalog_of(START))
    papers = edited(START, ("doi", 0, "10.1145/3446776"), 0)
    assert state.update(catalog_of(papers)).changed == frozenset()
