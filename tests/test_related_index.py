"""Related papers updated after edits (``RelatedIndex``) are exactly those computed from scratch:
random sequences of edits to digests, titles, keywords, topics, authors and years, additions and
removals, applied one after the other to one index (kept in memory or pickled between builds, as
``serve`` and the build cache keep it), each checked against a fresh computation."""

from __future__ import annotations

import hashlib
import pickle
import shutil
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phenomena_catalog import related
from phenomena_catalog.catalog import index, keyword_names
from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import load_config
from phenomena_catalog.executors import Executor, ProcessExecutor, SerialExecutor
from phenomena_catalog.models import KeywordEntry, Paper, Topic
from phenomena_catalog.records import Records
from phenomena_catalog.related import RelatedIndex, RelatedPapers, related_papers, same_author_papers

from conftest import TEMPLATES, copy_fixture_catalog

WORDS = ("double", "descent", "grokking", "lottery", "ticket", "neural", "collapse", "kernel", "tangent", "scaling",
         "law", "sharpness", "edge", "stability", "memorization", "pruning", "sparse", "feature", "learning",
         "interpolation", "bias")
AUTHORS = ("Ann Lee", "Bo Chen", "Cy Dow", "Di Fox", "Ed Gray")
TOPICS = ("dd", "gk", "lt", "nc")


def _paper(pid: str, title: str, digest: str, keywords: list[str], authors: list[str], topics: list[str],
           year: int) -> Paper:
    return Paper(id=pid, path=f"papers/{pid}.yaml", title=title, authors=authors, year=year, topics=topics,
                 keywords=keywords, digest=digest or None, added="2026-11-23")


def _digest(paper: Paper) -> str:
    return hashlib.blake2b(paper.model_dump_json().encode(), digest_size=8).hexdigest()


def _shown(found: dict[str, RelatedPapers]) -> dict[str, tuple[list[str], list[str]]]:
    # Titles too: a list shows its papers as they are now, not as the index last saw them.
    return {paper_id: ([p.id for p in r.similar], [p.title for p in r.similar], [p.id for p in r.same_authors])
            for paper_id, r in found.items()}


words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)
papers = st.fixed_dictionaries({
    "title": words,
    "digest": st.lists(words, max_size=4).map(". ".join),
    "keywords": st.lists(words, max_size=3, unique=True),
    "authors": st.lists(st.sampled_from(AUTHORS), min_size=1, max_size=3, unique=True),
    "topics": st.lists(st.sampled_from(TOPICS), min_size=1, max_size=2, unique=True),
    "year": st.integers(2018, 2021),
})
FIELDS = ("title", "digest", "keywords", "authors", "topics", "year")


@pytest.mark.parametrize("small_caps", [False, True], ids=["as built", "small caps"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(papers, min_size=2, max_size=40),
       steps=st.lists(st.tuples(st.sampled_from(["edit"] * 6 + ["add", "remove"]), st.integers(0, 10**6),
                                st.sampled_from(FIELDS), papers, st.booleans()), min_size=1, max_size=12))
def test_an_index_updated_edit_by_edit_gives_what_a_computation_from_scratch_gives(
        small_caps: bool, start: list[dict], steps: list[tuple[str, int, str, dict, bool]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # However many rows an edit reaches, update them (a large catalog's path), not everything.
    monkeypatch.setattr(related, "_FULL_SHARE", 0)
    if small_caps:
        # Few query terms, short postings and little slack: the limits an edit runs into in a
        # large catalog (postings that change, kept candidates that run out) are reached here.
        monkeypatch.setattr(related, "QUERY_TERMS", 4)
        monkeypatch.setattr(related, "POSTING_CAP", 3)
        monkeypatch.setattr(related, "SLACK", 0)
        monkeypatch.setattr(related, "POSTING_SLACK", 1)
        limits = {"similar_limit": 2, "author_limit": 1}
    else:
        limits = {}
    catalog = {f"p{k}": _paper(f"p{k}", **fields) for k, fields in enumerate(start)}
    index = RelatedIndex(**limits)
    index.update(list(catalog.values()), lambda p: p.keywords, digests={i: _digest(p) for i, p in catalog.items()})
    added = len(catalog)
    for kind, pick, field, fields, reload in steps:
        ids = sorted(catalog)
        chosen = ids[pick % len(ids)]
        if kind == "edit":
            catalog[chosen] = catalog[chosen].model_copy(update={field: fields[field]})
        elif kind == "add":
            catalog[f"p{added}"] = _paper(f"p{added}", **fields)
            added += 1
        elif len(catalog) > 2:
            del catalog[chosen]
        if reload:  # as the build cache keeps it between builds
            index = pickle.loads(pickle.dumps(index))
        current = list(catalog.values())
        updated = index.update(current, lambda p: p.keywords, digests={i: _digest(p) for i, p in catalog.items()})
        assert _shown(updated) == _shown(related_papers(current, lambda p: p.keywords, **limits))
        # (what the planner reads of each: the ids of the papers the page lists, in order)
        assert {i: updated.ids(i) for i in catalog} == {
            i: (tuple(p.id for p in found.similar), tuple(p.id for p in found.same_authors))
            for i, found in updated.items()}


def test_an_edit_reports_the_papers_whose_related_papers_changed() -> None:
    papers = [_paper("a", "Deep double descent", "Test error peaks.", ["double descent"], ["Ann Lee"], ["dd"], 2020),
              _paper("b", "Double descent in kernels", "", ["double descent"], ["Bo Chen"], ["dd"], 2021),
              _paper("c", "Grokking on modular arithmetic", "", ["grokking"], ["Cy Dow"], ["gk"], 2022),
              _paper("d", "Grokking as double descent", "", ["grokking"], ["Di Fox"], ["gk"], 2022)]
    index = RelatedIndex()
    first = index.update(papers, lambda p: p.keywords, digests={p.id: _digest(p) for p in papers})
    assert index.changed == frozenset("abcd")
    unchanged = index.update(papers, lambda p: p.keywords, digests={p.id: _digest(p) for p in papers})
    assert index.changed == frozenset() and _shown(unchanged) == _shown(first)
    # "b" now shares an author with "c": both lists change, and only theirs.
    papers[1] = papers[1].model_copy(update={"authors": ["Bo Chen", "Cy Dow"]})
    after = index.update(papers, lambda p: p.keywords, digests={p.id: _digest(p) for p in papers})
    assert index.changed == {"b", "c"}
    assert [p.id for p in after["b"].same_authors] == ["c"]
    assert _shown(after) == _shown(related_papers(papers, lambda p: p.keywords))


def test_rebuilds_after_edits_that_bring_new_words_write_what_a_build_from_scratch_writes(tmp_path: Path) -> None:
    # Through the build cache on disk: the index read back after each build is the one the build
    # left (new words are numbered as new terms; one seen again is the same term).
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    config = load_config(source / "catalog.yaml")
    # Enough words that the build cache keeps the index's term numbers as a table of their own.
    for number in range(3):
        words = " ".join(f"{WORDS[k % len(WORDS)]}{k // len(WORDS) + 10 * number}" for k in range(120))
        (source / "papers" / f"made{number}.yaml").write_text(
            f'title: "Made paper {number}"\nauthors: [Ann Lee]\nyear: 2020\ntopics: [grokking]\n'
            f"digest: {words}\nadded: 2026-11-23\n", encoding="utf-8")

    def build(out: Path, use_cache: bool = True) -> None:
        build_site(source / "papers", source / "templates", out, config, executor=SerialExecutor(),
                   use_cache=use_cache)

    build(source / "site")
    records = [r for r in sorted((source / "papers").glob("[a-z]*.yaml")) if not r.name.startswith("made")]
    # New words, then another new word, then a word seen before.
    for record, words in zip(records, ["Zorbly quintic.", "Flummox.", "Zorbly."], strict=False):
        text = record.read_text(encoding="utf-8")
        record.write_text(text.replace("\ndigest: |\n", f"\ndigest: |\n  {words}\n", 1), encoding="utf-8")
        build(source / "site")
        shutil.rmtree(tmp_path / "reference", ignore_errors=True)
        build(tmp_path / "reference", use_cache=False)
        reference = tmp_path / "reference"
        pages = sorted(p.relative_to(reference) for p in (reference / "papers").glob("*.html"))
        assert len(pages) > len(records) + 2
        for page in pages:
            assert (source / "site" / page).read_text(encoding="utf-8") == \
                (tmp_path / "reference" / page).read_text(encoding="utf-8"), page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4)), max_size=40), min_size=1, max_size=12),
       st.integers(1, 6))
def test_each_row_keeps_its_best_candidates_as_a_sort_of_the_row_would(
        rows: list[list[tuple[int, int]]], keep: int) -> None:
    """The first cut (``_likely_best``) and the choice (``_best_per_row``) keep, for each row, the
    ``keep`` candidates a plain sort of that row ranks first (score down, then slot up), with
    scores drawn from a few values so that ties are everywhere."""
    import numpy as np

    rows = [sorted(dict(row).items()) for row in rows]  # (one score per candidate, as a sparse row has)
    indptr = np.cumsum([0, *map(len, rows)])
    candidates = np.array([c for row in rows for c, _ in row], dtype=np.int64)
    scores = np.array([float(s) for row in rows for _, s in row])
    entries = related._likely_best(indptr, candidates, scores, keep)
    found_rows, found, _, place = related._best_per_row(
        np.searchsorted(indptr, entries, side="right") - 1, candidates[entries], scores[entries], keep)
    expected = [(r, c) for r, row in enumerate(rows) for c, _ in sorted(row, key=lambda cs: (-cs[1], cs[0]))[:keep]]
    assert list(zip(found_rows.tolist(), found.tolist(), strict=True)) == expected
    assert place.tolist() == [k for row in rows for k in range(min(keep, len(row)))]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(papers, min_size=2, max_size=60))
def test_a_small_catalog_summed_into_a_table_gets_the_index_sparse_products_give(
        start: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to ``_DENSE_PAPERS`` papers, scores are summed into a table of rows by papers (no scipy
    to import); above, by scipy's sparse products. Both are sums of whole numbers: the same index."""
    found = [_paper(f"p{i:03d}", **fields) for i, fields in enumerate(start)]
    keywords = {paper.id: paper.keywords for paper in found}

    def index_of(dense_papers: int) -> RelatedIndex:
        monkeypatch.setattr(related, "_DENSE_PAPERS", dense_papers)
        monkeypatch.setattr(related, "_DENSE_CELLS", 7 * len(found))  # (rows of the table at a time: 7)
        index = RelatedIndex(3, 2)
        index.update(found, lambda p: keywords[p.id])
        return index

    dense, sparse = index_of(len(found)), index_of(0)
    for name in ("_top_slot", "_top_score", "_bound_slot", "_bound_score", "_similar", "_pkeys", "_pw", "_pin"):
        assert getattr(dense, name).tobytes() == getattr(sparse, name).tobytes(), name


class _LateWorker(SerialExecutor):
    """An executor whose started work runs only when its result is asked for, in this process:
    as when the forked worker died before claiming anything (``_Forked`` then does the work here)."""

    def start(self, work, size):  # type: ignore[no-untyped-def]
        return types.SimpleNamespace(result=work)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(papers, min_size=2, max_size=40), chunk=st.integers(1, 9))
def test_rows_scored_in_two_processes_are_those_one_process_scores(
        start: list[dict], chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog computed afresh with an executor has its rows scored by a forked process from the
    first chunk on and by this one from the last on: the same index as one process makes, whoever
    scores what (a worker that does nothing, or one started in this process)."""
    found = [_paper(f"p{i:03d}", **fields) for i, fields in enumerate(start)]
    keywords = {paper.id: paper.keywords for paper in found}
    monkeypatch.setattr(related, "_DENSE_PAPERS", 0)  # (the sparse products, which are shared out)
    monkeypatch.setattr(related, "SCORE_CHUNK", chunk)

    def index_of(executor: Executor | None) -> tuple[RelatedIndex, dict[str, RelatedPapers]]:
        index = RelatedIndex(3, 2)
        return index, index.update(found, lambda p: keywords[p.id], executor=executor)

    alone, shown = index_of(None)
    for executor in (ProcessExecutor(2, background_threshold=0), SerialExecutor(), _LateWorker()):
        shared, shared_shown = index_of(executor)
        for name in ("_top_slot", "_top_score", "_bound_slot", "_bound_score", "_similar", "_same"):
            assert getattr(shared, name).tobytes() == getattr(alone, name).tobytes(), name
        assert _shown(shared_shown) == _shown(shown)


_PIECES = ("double", "Descent", "the", "of", "a", "tickets", "lotteries", "x", "2", "self-supervised", "-", "--",
           "a-", "-b", "Grokking", "é", "Lénaïc", "ﬁne", "Ａ", "ß", " ", "  ", "\n", ".", ",", "(", ")", "[link](",
           "](https://example.org/a b)", "https://x.org/y", "http://", "://", "]", "(", "\u00a0", "\x1f", "\x00", "_")
_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(found=st.lists(st.tuples(_texts, st.one_of(st.none(), _texts), st.lists(_texts, max_size=3),
                                st.lists(st.sampled_from(TOPICS), max_size=2, unique=True)), max_size=9),
       block=st.integers(1, 4), sort=st.sampled_from(["packed", "key", "two keys"]))
def test_terms_counted_in_arrays_are_each_papers_terms_of(
        found: list[tuple[str, str | None, list[str], list[str]]], block: int, sort: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A build counts every paper's terms at once (``_count_terms``, a few papers at a time): the
    same terms, numbered in the same order, each paper's the same counts in the same order as
    ``terms_of`` gives them one paper at a time, for texts of hyphens, links, accents, odd spaces
    and stop words; a text holding a NUL is left to ``terms_of``."""
    monkeypatch.setattr(related, "_COUNT_BLOCK", block)
    if sort != "packed":  # (as for larger vocabularies)
        monkeypatch.setattr(related, "_PACKED_LIMIT", 0)
    if sort == "two keys":
        monkeypatch.setattr(related, "_KEY_LIMIT", 0)
    found_papers = [Paper.model_construct(id=f"p{k}", title=title, digest=digest, keywords=keywords, topics=topics)
                    for k, (title, digest, keywords, topics) in enumerate(found)]
    keywords_of = {paper.id: paper.keywords for paper in found_papers}.__getitem__
    each = related._count_each(found_papers, lambda p: keywords_of(p.id), None)
    at_once = related._count_terms(found_papers, lambda p: keywords_of(p.id))
    if any("\x00" in text for paper in found_papers for text in (paper.title, paper.digest or "")):
        assert at_once is None
        return
    assert at_once is not None
    assert at_once[0] == each[0]
    for mine, theirs in zip(at_once[1:], each[1:], strict=True):
        assert mine.dtype == theirs.dtype and mine.tolist() == theirs.tolist()


_SPELLINGS = ("Double Descent", "double descent", "double-descent", "Double-Descent", "DD", "Grokking", "grokking",
              "Lottery Tickets", "lottery ticket", "NTK")
_VOCABULARY = [KeywordEntry(name="Double Descent", aliases=["DD"]), KeywordEntry(name="Lottery Tickets")]


@settings(max_examples=60, deadline=None)
@given(start=st.lists(st.tuples(papers, st.lists(st.sampled_from(_SPELLINGS), max_size=4)), min_size=1, max_size=30),
       vocabulary=st.booleans())
def test_keywords_named_before_indexing_are_named_as_the_index_names_them(
        start: list[tuple[dict, list[str]]], vocabulary: bool) -> None:
    """A paper's keywords named from the records (``catalog.keyword_names``, for counting terms
    before the index stage) are its ``PaperTerms.keywords``' names: spellings folded by the
    vocabulary, each term once, named by its most frequent spelling."""
    found = [_paper(f"p{i:03d}", **{**fields, "keywords": spelled}) for i, (fields, spelled) in enumerate(start)]
    records = Records(papers=found, topics=[Topic(id=topic, title=topic.upper()) for topic in TOPICS],
                      keywords=_VOCABULARY if vocabulary else [])
    catalog, names = index(records), keyword_names(records)
    for paper in found:
        assert names(paper) == tuple(term.name for term in catalog.paper_terms[paper.id].keywords)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(papers, min_size=0, max_size=30), share=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
       nul=st.booleans())
def test_terms_counted_ahead_in_two_processes_are_those_counted_at_once(
        start: list[dict], share: float, nul: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Term counts made before the index stage, the last papers by id in another process
    (``count_terms_ahead``), are those one count of every paper gives (``_count_terms``): the
    same terms in the same order, each paper's entries the same; and the index computed from them
    is the same. A text holding a NUL leaves them to ``terms_of``, paper by paper."""
    monkeypatch.setattr(related, "AHEAD_SHARE", share)
    found = [_paper(f"p{i:03d}", **fields) for i, fields in enumerate(start)]
    if nul and found:
        found[-1] = found[-1].model_copy(update={"title": "a \x00 b"})
    keywords = {paper.id: paper.keywords for paper in found}
    by_id = sorted(found, key=lambda paper: paper.id)
    at_once = related._count_terms(by_id, lambda p: keywords[p.id])
    for executor in (ProcessExecutor(2, background_threshold=0), SerialExecutor()):
        ahead = related.count_terms_ahead(found[::-1], lambda p: keywords[p.id], executor)
        assert ahead.ids == tuple(paper.id for paper in by_id)
        counted = ahead.result()
        if at_once is None:
            assert counted is None
        else:
            assert counted is not None and counted[0] == at_once[0]
            for mine, theirs in zip(counted[1:], at_once[1:], strict=True):
                assert mine.dtype == theirs.dtype and mine.tolist() == theirs.tolist()
        alone, with_counts = RelatedIndex(3, 2), RelatedIndex(3, 2)
        shown = alone.update(found, lambda p: keywords[p.id])
        ahead = related.count_terms_ahead(found, lambda p: keywords[p.id], executor)
        assert _shown(with_counts.update(found, lambda p: keywords[p.id], ahead=ahead)) == _shown(shown)
        for name in ("_cols", "_counts", "_top_slot", "_top_score", "_similar"):
            assert getattr(with_counts, name).tobytes() == getattr(alone, name).tobytes(), name
        assert with_counts._terms == alone._terms


@settings(max_examples=60, deadline=None)
@given(start=st.lists(papers, min_size=1, max_size=40), limit=st.integers(1, 4))
def test_each_papers_same_author_papers_are_the_newest_others_sharing_an_author(start: list[dict], limit: int) -> None:
    """All papers' same-author lists, made at once in arrays (``_compute_authors``), are those of a
    paper by paper reading (``same_author_papers``, papers in the catalog's order): newest first,
    ties by title then id, each other paper once however many authors it shares; and none of
    them is shown again among its similar papers."""
    from phenomena_catalog.catalog import paper_order

    found = [_paper(f"p{k:02d}", **fields) for k, fields in enumerate(start)]
    index = RelatedIndex(similar_limit=2, author_limit=limit)
    shown = index.update(found, lambda p: p.keywords)
    in_order = sorted(found, key=lambda p: (*paper_order(p), p.id))
    expected = same_author_papers(in_order, limit)
    assert {paper.id: [p.id for p in shown[paper.id].same_authors] for paper in found} == \
        {paper.id: [in_order[j].id for j in near] for paper, near in zip(in_order, expected, strict=True)}
    assert list(shown) == sorted(p.id for p in found) and len(shown) == len(found)
    # A paper listed among the same authors' is not repeated among the similar ones.
    assert not any({q.id for q in shown[p.id].similar} & {q.id for q in shown[p.id].same_authors} for p in found)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0, 1, 5, 1 << 23, 1 << 24])), max_size=60))
def test_entries_are_placed_in_their_group_heaviest_first_ties_in_input_order(
        entries: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    """``_places`` (postings by term, query terms by paper) sorts by group, then weight down, then
    input order, whether it packs the three into one number or sorts the first two stably."""
    import numpy as np

    group = np.array([g for g, _ in entries], dtype=np.int64)
    weight = np.array([float(w) for _, w in entries])
    expected = sorted(range(len(entries)), key=lambda k: (entries[k][0], -entries[k][1], k))
    for bits in (63, 0):
        monkeypatch.setattr(related, "_PLACES_BITS", bits)
        order, place = related._places(group, weight)
        assert order.tolist() == expected
        assert place.tolist() == [sum(1 for j in expected[:k] if entries[j][0] == entries[expected[k]][0])
                                  for k in range(len(expected))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(0, 40), min_size=1, max_size=12), weights=st.sampled_from([2, 5, 1 << 24]),
       keep=st.integers(1, 30), cells=st.integers(1, 200), seed=st.integers(0, 1000))
def test_a_groups_heaviest_entries_are_those_a_sort_of_them_all_keeps(
        lengths: list[int], weights: int, keep: int, cells: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each row's query terms (``_top_per_group`` of entries grouped by row) are picked by a
    threshold from one partition of a table of the rows, a few at a time (``_HEAVY_CELLS``), not by
    a sort of every entry: the same entries, ties by input order, as the sort keeps."""
    import numpy as np

    group = np.repeat(np.arange(len(lengths)), lengths)
    weight = np.random.default_rng(seed).integers(0, weights, len(group)).astype(np.float64)
    monkeypatch.setattr(related, "_HEAVY_CELLS", cells)
    order, place = related._places(group, weight)
    assert related._top_per_group(group, weight, keep).tolist() == np.sort(order[place < keep]).tolist()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*"ab ]()htp:/s\x00x.\n", "http", "https://", "](", "://", "](http://a)",
                                 "http://b c"]), max_size=25).map("".join))
def test_links_are_cut_from_joined_texts_as_the_regular_expression_cuts_them(text: str) -> None:
    """``_without_links`` tries the link pattern only where a "](" or an "http" starts, and cuts
    what ``re.sub`` with it would, overlapping and broken links included."""
    assert related._without_links(text) == related._URL_JOINED.sub(" ", text)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(-50, 10**6), max_size=40), of=st.lists(st.integers(-50, 10**6), max_size=40),
       near=st.booleans())
def test_which_values_are_among_others_is_what_np_isin_says(values: list[int], of: list[int], near: bool) -> None:
    # ``packed.within`` stands for np.isin in an edit's update (np.isin imports numpy.ma on its sorting path).
    import numpy as np

    from phenomena_catalog import packed

    values_array = np.array([v % 60 for v in values] if near else values, dtype=np.int64)
    of_array = np.array([v % 60 for v in of] if near else of, dtype=np.int32)
    assert packed.within(values_array, of_array).tolist() == np.isin(values_array, of_array).tolist()
