"""The search index writer: terms, scores, shards and files, checked without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phenomena_catalog import search_index, urls
from phenomena_catalog.catalog import Catalog
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.search_index import build_search_index, encode_number, tokenize

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "catalog" / "papers"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return read_catalog(FIXTURE)


def data_of(script: str) -> object:
    """The data a search file hands to CatalogSearch.add(part, key, data)."""
    assert script.startswith("CatalogSearch.add(") and script.endswith(");\n")
    return json.loads("[" + script[len("CatalogSearch.add(") : -3] + "]")[2]


def test_words_are_folded_split_singular_and_without_stop_words() -> None:
    assert tokenize("The Lottery-Ticket hypothesis of Lénaïc's networks") == [
        "lottery", "ticket", "hypothesis", "lenaic", "network"]
    assert tokenize("lotteries class analysis bus") == ["lottery", "class", "analysis", "bus"]


def test_numbers_use_terminal_and_continuation_digits() -> None:
    assert [encode_number(n) for n in (0, 31, 32, 1025)] == ["0", "V", "X0", "XW1"]


def test_every_term_is_found_in_the_shard_of_its_longest_key(monkeypatch: pytest.MonkeyPatch,
                                                             catalog: Catalog) -> None:
    monkeypatch.setattr(search_index, "SHARD_BYTES", 40)  # force splitting on a small catalog
    files = dict(build_search_index(catalog).files)
    manifest = data_of(files[urls.SEARCH_MANIFEST])
    assert isinstance(manifest, dict)
    keys = {key: path for key, path in manifest["shards"]}
    assert any(len(key) > 2 for key in keys)
    for key, path in keys.items():
        terms = data_of(files[path])
        assert isinstance(terms, dict)
        for term in terms:
            longest = max((k for k in keys if term.startswith(k)), key=len)
            assert longest == key, (term, key)


def test_the_index_is_deterministic_and_keeps_markup_out_of_scripts(catalog: Catalog) -> None:
    first, second = build_search_index(catalog).files, build_search_index(catalog).files
    assert first == second
    text = "".join(script for _, script in first)
    assert "</" not in text  # a title's "</b>" cannot end a script element
    rows = [row for path, script in first if "/d-" in path for row in data_of(script)]  # type: ignore[union-attr]
    chen = next(row for row in rows if row[0] == "papers/chen2021sparse.html")
    assert chen == ["papers/chen2021sparse.html", 'Sparse networks <b>everywhere</b> & the "lottery"',
                    "Lénaïc Chizat, Tianlong Chen", "NeurIPS 2021",
                    [["Lottery ticket hypothesis", "topics/lottery-ticket-hypothesis.html"],
                     ["Generalization", "topics/generalization.html"]], ""]


_PIECES = ("Double", "descent", "the", "of", "networks", "lotteries", "s", "x2", "self-supervised", "a_b", "-", "_",
           "é", "Lénaïc", "ﬁne", "Ａ", "ß", "Straße", "中文", "\u0301", " ", "\n", ".", "(", ")", "](x)", "\u00a0",
           "\x1f", "\x00", "'")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=10).map("".join), max_size=8))
def test_texts_split_at_once_give_each_texts_terms(texts: list[str]) -> None:
    """A field of many papers is split as one text (``_numbered``: ASCII texts as bytes, others
    folded first): each text's terms are those ``_words_of`` and the stop words give it alone, in
    order, numbered in the order met; a text holding a NUL is read one text at a time."""
    met = search_index._Met()
    terms, docs = search_index._numbered(texts, search_index._WordNumbers(met))
    expected = [(number, term) for number, text in enumerate(texts) for word in search_index._words_of([text])[0]
                if (term := search_index._TERMS[word])]
    assert [(doc, met.names[term]) for doc, term in zip(docs.tolist(), terms.tolist(), strict=True)] == expected
    assert met.names == list(dict.fromkeys(term for _, term in expected))
