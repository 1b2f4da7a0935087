"""Search index writer: the indexed catalog -> the files the search page loads, at build time.

The index is ours rather than Pagefind's or a JS library's (``bench/search_benchmark.py`` measures
the three): it must load from ``file://``, where browsers refuse ``fetch()``, so every file is a
script that hands its data to ``window.CatalogSearch.add``; and one query must download little even
at 50,000 papers, so nothing but a small manifest is loaded up front.

Files (all under ``search/``, named by ``urls``):

- ``manifest.js``: paper count, the shard keys, the facet vocabularies (topics, venues, kinds), the
  first paper of each year (papers are numbered newest first, so a paper's number gives its year),
  and the number of score levels.
- ``t-<hex key>.js``: the terms that start with a key, each with its highest score and its
  postings: a string of (paper number delta, score level) pairs. Keys are two characters long,
  and longer wherever a shard would exceed ``SHARD_BYTES``; a term lives in the shard of the
  longest key it starts with.
- ``f-<n>.js``: facet values (venue, topics, has code, kind) of ``FACET_CHUNK`` papers, to count
  and filter the matches.
- ``d-<n>.js``: what a result shows for ``DOC_CHUNK`` papers: address, title, authors line,
  venue line, topics and kind badge, all computed here by ``presentation``'s rules, so script
  draws, never decides.

Scores are BM25 per field, summed with field boosts (a word in the title and keywords outweighs one
in the digest; matching in several fields adds up), plus title word pairs ("double descent") as
extra terms so a phrase in the title ranks first. Query words are tokenized in the browser by the
same rules as ``tokenize`` (fold accents and case, split on non-letters, drop stop words, plural to
singular); ``tests/test_search_index.py`` and the browser tests hold the two to each other.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from phenomena_catalog import presentation, urls
from phenomena_catalog.catalog import Catalog
from phenomena_catalog.models import KIND_NAMES, KINDS, Paper

SHARD_BYTES = 48_000
"""A term shard longer than this is split by one more character (at most ``MAX_KEY`` long)."""
MAX_KEY = 5
DOC_CHUNK = 20
FACET_CHUNK = 2000
FIELD_BOOSTS = {"title": 3.0, "authors": 2.5, "keywords": 2.0, "topics": 1.5, "venue": 1.5, "digest": 1.0}
PAIR_BOOSTS = {"title": 4.0, "keywords": 2.0}
"""Weights of pairs of adjacent words ("double descent"), the phrase signal, by field. Digests are
left out: their pairs would be two thirds of the index and changed no known query's ranking."""
SOURCE_PRIOR = 0.15
"""A paper that several curated lists include scores this much more per extra list (the static
popularity signal we have; scholarly engines use citations the same way)."""
K1 = 1.2
LENGTH_NORMS = {"title": 0.3, "authors": 0.3, "keywords": 0.5, "topics": 0.3, "venue": 0.3, "digest": 0.75}
"""BM25's b per field: how much a longer field dilutes a match. Titles, names and tags are short
and say what a paper is about whatever their length; digests are prose."""
LEVELS = 63
"""A score is stored as one character: 1..63, a share of the highest score of its term (which the
term's entry carries), so papers matching the same word keep their order to within 1.6%."""

Postings = tuple[float, str]
"""A term's highest score, and its (paper number delta, score level) pairs as one string."""

STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of",
    "on", "or", "s", "t", "that", "the", "their", "this", "to", "we", "with"})
"""Left out of the index and of queries; "s" and "t" are what apostrophes leave ("it's", "don't")."""
_SPLIT = re.compile(r"[\W_]+")
_MARKS = re.compile("[\u0300-\u036f]")
_MARKDOWN_LINK = re.compile(r"\]\([^)]*\)")

# 64 characters safe in a JS string: the first 32 end a number, the last 32 continue it.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_END, _MORE = DIGITS[:32], DIGITS[32:]


def fold(text: str) -> str:
    """Lowercase without accents, as the browser's ``fold`` does ("Lénaïc" -> "lenaic")."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).lower()


def singular(word: str) -> str:
    """A plural's singular, so "lotteries" finds "lottery" ("networks" -> "network")."""
    if len(word) < 4 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


_TERMS: dict[str, str] = {}


def tokenize(text: str) -> list[str]:
    """The index terms of a text, in order: folded, split on non-letters, stop words dropped."""
    terms = []
    for word in _SPLIT.split(fold(text)):
        if not word or word in STOP_WORDS:
            continue
        term = _TERMS.get(word)
        if term is None:
            term = _TERMS[word] = singular(word)
        terms.append(term)
    return terms


def encode_number(value: int) -> str:
    """A non-negative integer in base 32, most significant first, the last digit from ``_END``."""
    out = _END[value & 31]
    value >>= 5
    while value:
        out = _MORE[value & 31] + out
        value >>= 5
    return out


def paper_fields(paper: Paper, catalog: Catalog) -> dict[str, str]:
    """The searchable text of a paper, by field."""
    terms = catalog.paper_terms[paper.id]
    return {
        "title": paper.title,
        "authors": " ".join(paper.authors),
        "keywords": " ".join(k.name for k in terms.keywords),
        "topics": " ".join(t.name for t in terms.topics),
        "venue": paper.venue or "",
        # A link's address is not the paper's words.
        "digest": _MARKDOWN_LINK.sub("]", paper.digest or ""),
    }


@dataclass(frozen=True)
class SearchIndex:
    """Every file of the search index, as (site path, script text), in a fixed order."""

    files: tuple[tuple[str, str], ...]
    kinds: tuple[str, ...]
    """The kinds of record the facet offers (none when every record is a paper)."""


def build_search_index(catalog: Catalog) -> SearchIndex:
    """The search index of ``catalog`` (pure and deterministic)."""
    papers = catalog.papers
    shards = _shard(_postings(catalog))
    files: list[tuple[str, str]] = []
    for key in sorted(shards):
        files.append((urls.search_file("t", key), _script("t", key, shards[key])))

    topic_number = {entry.id: i for i, entry in enumerate(catalog.topics)}
    venues = catalog.terms["venues"]
    venue_number = {term.slug: i for i, term in enumerate(venues)}
    kinds = _kinds(papers)
    for start in range(0, len(papers), FACET_CHUNK):
        chunk = []
        for paper in papers[start : start + FACET_CHUNK]:
            terms = catalog.paper_terms[paper.id]
            flags = (1 if paper.links.code else 0) | (kinds.index(paper.kind) << 1 if kinds else 0)
            values = [flags, venue_number[terms.venue.slug] + 1 if terms.venue else 0, len(terms.topics)]
            values += [topic_number[t.id] for t in terms.topics]
            chunk.append("".join(encode_number(v) for v in values))
        number = start // FACET_CHUNK
        files.append((urls.search_file("f", number), _script("f", number, "".join(chunk))))

    for start in range(0, len(papers), DOC_CHUNK):
        rows = [_result_row(paper, catalog) for paper in papers[start : start + DOC_CHUNK]]
        number = start // DOC_CHUNK
        files.append((urls.search_file("d", number), _script("d", number, rows)))

    first_of_year: list[list[int]] = []
    for number, paper in enumerate(papers):
        if not first_of_year or first_of_year[-1][0] != paper.year:
            first_of_year.append([paper.year, number])
    manifest = {
        "papers": len(papers),
        "shards": [[key, urls.search_file("t", key)] for key in sorted(shards)],
        "files": {part: urls.search_file(part, "%") for part in ("f", "d")},
        "years": first_of_year,
        "topics": [[entry.id, entry.name] for entry in catalog.topics],
        "venues": [[term.slug, term.name] for term in venues],
        "kinds": kinds,
        "levels": LEVELS,
        "docChunk": DOC_CHUNK,
        "facetChunk": FACET_CHUNK,
        "stopWords": sorted(STOP_WORDS),
    }
    files.insert(0, (urls.SEARCH_MANIFEST, _script("m", "", manifest)))
    return SearchIndex(tuple(files), tuple(kinds))


def _postings(catalog: Catalog) -> dict[str, Postings]:
    """Every term's highest score and encoded postings, terms in sorted order.

    The per-field counts are gathered in Python; the BM25 arithmetic, the merging of a term's
    fields and the score levels are numpy array operations (a 10,000-paper catalog has over half
    a million postings).
    """
    papers = catalog.papers
    total = len(papers)
    # Columns: each field, then the word pairs of the fields in PAIR_BOOSTS (saturated like a
    # field whose length does not matter).
    columns = [(name, boost, LENGTH_NORMS[name]) for name, boost in FIELD_BOOSTS.items()]
    columns += [(f"{name} pairs", 1.0, 0.0) for name in PAIR_BOOSTS]
    pair_column = {name: len(FIELD_BOOSTS) + i for i, name in enumerate(PAIR_BOOSTS)}
    vocabulary: dict[str, int] = {}
    term_col: list[int] = []
    doc_col: list[int] = []
    column_col: list[int] = []
    count_col: list[float] = []
    lengths = np.zeros((len(columns), max(total, 1)))
    for number, paper in enumerate(papers):
        for column, (name, text) in enumerate(paper_fields(paper, catalog).items()):
            tokens = tokenize(text)
            lengths[column, number] = len(tokens)
            if name in PAIR_BOOSTS:
                pairs = Counter(f"{first} {second}" for first, second in itertools.pairwise(tokens))
                for pair, occurrences in pairs.items():
                    term_col.append(vocabulary.setdefault(pair, len(vocabulary)))
                    doc_col.append(number)
                    column_col.append(pair_column[name])
                    count_col.append(PAIR_BOOSTS[name] * occurrences)
            for term, count in Counter(tokens).items():
                term_col.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_col.append(number)
                column_col.append(column)
                count_col.append(count)
    if not term_col:
        return {}

    terms = np.array(term_col)
    docs = np.array(doc_col)
    cols = np.array(column_col)
    counts = np.array(count_col, dtype=float)
    boosts = np.array([boost for _, boost, _ in columns])[cols]
    b = np.array([norm for _, _, norm in columns])[cols]
    average = lengths.mean(axis=1)
    average[average == 0] = 1.0
    norm = K1 * (1 - b + b * lengths[cols, docs] / average[cols])
    parts = boosts * counts * (K1 + 1) / (counts + norm)

    # One posting per (term, paper), terms in sorted order, papers ascending within a term.
    names = list(vocabulary)
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    keys, where = np.unique(rank[terms] * total + docs, return_inverse=True)
    summed = np.bincount(where, weights=parts)
    term_rank, doc = keys // total, keys % total
    doc_freq = np.bincount(term_rank, minlength=len(names))
    idf = np.log(1 + (total - doc_freq + 0.5) / (doc_freq + 0.5))
    prior = 1 + SOURCE_PRIOR * np.array([max(0, len(paper.sources) - 1) for paper in papers])
    scores = summed * idf[term_rank] * prior[doc]

    starts = np.searchsorted(term_rank, np.arange(len(names)))
    top = np.maximum.reduceat(scores, starts)
    levels = np.maximum(1, np.rint(LEVELS * scores / top[term_rank])).astype(np.int64)
    deltas = np.diff(doc, prepend=0)
    deltas[starts] = doc[starts]
    numbers = [encode_number(n) for n in range(int(deltas.max()) + 1)]
    encoded = [numbers[d] + DIGITS[level] for d, level in zip(deltas.tolist(), levels.tolist(), strict=True)]
    ends = [*starts[1:].tolist(), len(encoded)]
    ordered = sorted(names)
    return {
        term: (round(float(top[r]), 3), "".join(encoded[start:end]))
        for r, (term, start, end) in enumerate(zip(ordered, starts.tolist(), ends, strict=True))
    }


def _shard(encoded: dict[str, Postings]) -> dict[str, dict[str, Postings]]:
    """Terms grouped by key: two characters, one more wherever a group is too large."""
    shards: dict[str, dict[str, Postings]] = {}

    def place(terms: dict[str, Postings], depth: int) -> None:
        groups: dict[str, dict[str, Postings]] = defaultdict(dict)
        for term, postings in terms.items():
            groups[term[:depth]][term] = postings
        for key, group in groups.items():
            size = sum(len(t) + len(p[1]) + 14 for t, p in group.items())
            longer = {t: p for t, p in group.items() if len(t) > depth}
            if size <= SHARD_BYTES or depth >= MAX_KEY or not longer:
                shards[key] = group
                continue
            exact = {t: p for t, p in group.items() if len(t) == depth}
            if exact:
                shards[key] = exact
            place(longer, depth + 1)

    place(encoded, 2)
    return shards


def _result_row(paper: Paper, catalog: Catalog) -> list[object]:
    terms = catalog.paper_terms[paper.id]
    return [urls.paper_url(paper.id), paper.title, presentation.byline(paper.authors),
            presentation.venue_year(paper.venue, paper.year), [[entry.name, entry.url] for entry in terms.topics],
            KIND_NAMES[paper.kind] if paper.kind != "paper" else ""]


def _kinds(papers: Sequence[Paper]) -> list[str]:
    """The kinds of record the catalog has, in the site's order; empty when all are papers."""
    found = {paper.kind for paper in papers}
    return [kind for kind in KINDS if kind in found] if len(found) > 1 else []


def _script(kind: str, key: object, data: object) -> str:
    # "</" never appears inside a script, whatever a title says.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"CatalogSearch.add({json.dumps(kind)},{json.dumps(key)},{text});\n"

