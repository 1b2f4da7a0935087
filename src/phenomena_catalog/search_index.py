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

import functools
import itertools
import json
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from phenomena_catalog import presentation, urls
from phenomena_catalog.catalog import Catalog
from phenomena_catalog.models import KIND_NAMES, KINDS, Paper
from phenomena_catalog.text_memo import TextMemo

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


class _Terms(dict[str, str]):
    """Each word's index term, made once per process ("" for a stop word)."""

    def __missing__(self, word: str) -> str:
        term = self[word] = "" if word in STOP_WORDS else singular(word)
        return term


_TERMS = _Terms()
_ASCII_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
"""ASCII characters that ``_SPLIT`` splits on (all but letters and digits), mapped to spaces."""


def tokenize(text: str) -> list[str]:
    """The index terms of a text, in order: folded, split on non-letters, stop words dropped."""
    # ASCII text needs no folding, and splitting it is a translation to spaces (twice as fast as
    # the regular expression); every step after the split runs in C (map, filter).
    words = text.lower().translate(_ASCII_SPACES).split() if text.isascii() else _SPLIT.split(fold(text))
    return list(filter(None, map(_TERMS.__getitem__, words)))


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


def build_search_index(catalog: Catalog, memo: TextMemo[PaperPostings] | None = None) -> SearchIndex:
    """The search index of ``catalog`` (pure and deterministic). ``memo`` keeps each paper's
    postings for the next build (see ``text_memo``)."""
    papers = catalog.papers
    shards = _shard(_postings(catalog, memo))
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


COLUMNS = (*FIELD_BOOSTS, *(f"{name} pairs" for name in PAIR_BOOSTS))
"""What a posting's count is of: each field's words, then the word pairs of the fields in
``PAIR_BOOSTS`` (saturated like a field whose length does not matter)."""
_BOOSTS = (*FIELD_BOOSTS.values(), *(1.0 for _ in PAIR_BOOSTS))
_NORMS = (*LENGTH_NORMS.values(), *(0.0 for _ in PAIR_BOOSTS))


@dataclass(frozen=True, slots=True)
class PaperPostings:
    """One paper's share of the index, which depends on its own text only (``paper_postings``):
    an incremental build can keep it for a paper whose searchable text did not change. Four
    objects a paper however long its text, so a cache of 10,000 pickles in a few milliseconds."""

    terms: str
    """The entries' terms (a word, or two words joined by a space), one a line."""
    columns: bytes
    """Each entry's column (an index into ``COLUMNS``)."""
    counts: bytes
    """Each entry's occurrences in its column (a pair's times its ``PAIR_BOOSTS``), as doubles."""
    lengths: tuple[int, ...]
    """Words in each field of ``FIELD_BOOSTS``."""


def paper_postings(fields: dict[str, str]) -> PaperPostings:
    """The postings of a paper's searchable text, by field (``paper_fields``)."""
    terms: list[str] = []
    columns = bytearray()
    counts = array("d")
    lengths = []
    for column, (name, text) in enumerate(fields.items()):
        tokens = tokenize(text)
        lengths.append(len(tokens))
        if name in PAIR_BOOSTS:
            pairs = Counter(map(" ".join, itertools.pairwise(tokens)))
            boost = PAIR_BOOSTS[name]
            terms += pairs
            counts.extend([boost * occurrences for occurrences in pairs.values()])
            columns += bytes([COLUMNS.index(f"{name} pairs")]) * len(pairs)
        words = Counter(tokens)
        terms += words
        counts.extend(words.values())
        columns += bytes([column]) * len(words)
    # A term is a token or two joined by a space, and tokens never hold a newline.
    return PaperPostings("\n".join(terms), bytes(columns), counts.tobytes(), tuple(lengths))


def _postings(catalog: Catalog, memo: TextMemo[PaperPostings] | None = None) -> dict[str, Postings]:
    """Every term's highest score and encoded postings, terms in sorted order.

    Each paper's entries come from ``paper_postings`` (remembered in ``memo``); the whole
    catalog's part, BM25's document frequencies and average lengths, the merging of a term's
    fields, the score levels and the encoding, is numpy array operations.
    """
    papers = catalog.papers
    total = len(papers)
    found = []
    for paper in papers:
        fields = paper_fields(paper, catalog)
        if memo is None:
            found.append(paper_postings(fields))
        else:
            found.append(memo.get(tuple(fields.values()), functools.partial(paper_postings, fields)))
    if not any(p.terms for p in found):
        return {}
    # Each term is numbered as it is first met, one paper's terms split at a time (never a string
    # per posting for all of them at once: 4 million, 250 MB at 50,000 papers), then ranked in order.
    numbers = _Numbering()
    met = np.fromiter(itertools.chain.from_iterable(map(numbers.__getitem__, p.terms.split("\n"))
                                                    for p in found if p.terms),
                      dtype=np.int64, count=sum(len(p.columns) for p in found))
    names = sorted(numbers)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.fromiter(map(numbers.__getitem__, names), dtype=np.int64, count=len(names))] = np.arange(len(names))
    terms = rank[met]
    docs = np.repeat(np.arange(total, dtype=np.int64), [len(p.columns) for p in found])
    cols = np.frombuffer(b"".join([p.columns for p in found]), dtype=np.uint8)
    counts = np.frombuffer(b"".join([p.counts for p in found]), dtype=np.float64)
    lengths = np.zeros((len(COLUMNS), max(total, 1)))
    lengths[: len(FIELD_BOOSTS), :total] = np.array([p.lengths for p in found], dtype=float).T
    # The per-paper objects are dropped before the arithmetic, which computes in place where it
    # can, and each array goes as soon as it has served: a few numbers per posting at a time, not a
    # dozen (4 million postings at 50,000 papers).
    del found, numbers, met, rank
    average = lengths.mean(axis=1)
    average[average == 0] = 1.0
    b = np.array(_NORMS)[cols]
    norm = lengths[cols, docs]
    norm *= b
    norm /= average[cols]
    norm += 1 - b
    del b
    norm *= K1
    norm += counts  # counts + norm
    parts = np.array(_BOOSTS)[cols]
    parts *= counts
    parts *= K1 + 1
    parts /= norm
    del norm, counts, cols

    # One posting per (term, paper), terms in sorted order, papers ascending within a term.
    keys, where = np.unique(terms * total + docs, return_inverse=True)
    del terms, docs
    summed = np.bincount(where, weights=parts)
    del where, parts
    term_rank, doc = keys // total, keys % total
    del keys
    doc_freq = np.bincount(term_rank, minlength=len(names))
    idf = np.log(1 + (total - doc_freq + 0.5) / (doc_freq + 0.5))
    prior = 1 + SOURCE_PRIOR * np.array([max(0, len(paper.sources) - 1) for paper in papers])
    scores = summed * idf[term_rank] * prior[doc]
    del summed

    starts = np.searchsorted(term_rank, np.arange(len(names)))
    top = np.maximum.reduceat(scores, starts)
    levels = np.maximum(1, np.rint(LEVELS * scores / top[term_rank])).astype(np.int64)
    del scores, term_rank
    deltas = np.diff(doc, prepend=0)
    deltas[starts] = doc[starts]
    del doc
    text, offsets = _encode_postings(deltas, levels)
    del deltas, levels
    bounds = [*offsets[starts].tolist(), len(text)]
    tops = [round(score, 3) for score in top.tolist()]
    return {term: (tops[r], text[bounds[r] : bounds[r + 1]]) for r, term in enumerate(names)}


class _Numbering(dict[str, int]):
    """Each key's number, given in the order keys are first looked up."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number


def _encode_postings(deltas: np.ndarray, levels: np.ndarray) -> tuple[str, np.ndarray]:
    """Every (delta, level) pair as ``encode_number(delta) + DIGITS[level]``, all in one string,
    and where each pair starts in it."""
    digits = np.frombuffer(DIGITS.encode(), dtype=np.uint8)
    widths = np.ones(len(deltas), dtype=np.int64)  # digits of each delta
    rest = deltas >> 5
    while rest.any():
        widths += rest > 0
        rest >>= 5
    ends = np.cumsum(widths + 1)
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    out[ends - 1] = digits[levels]
    out[ends - 2] = digits[deltas & 31]
    place, value = ends - 2, deltas >> 5
    while True:
        more = value > 0
        if not more.any():
            break
        place, value = place[more] - 1, value[more]
        out[place] = digits[32 + (value & 31)]
        value = value >> 5
    return out.tobytes().decode("ascii"), ends - widths - 1


def _shard(encoded: dict[str, Postings]) -> dict[str, dict[str, Postings]]:
    """Terms grouped by key: two characters, one more wherever a group is too large."""
    shards: dict[str, dict[str, Postings]] = {}
    _place(encoded, 2, shards)
    return shards


def _place(terms: dict[str, Postings], depth: int, shards: dict[str, dict[str, Postings]]) -> None:
    # A function of the module, not one nested in ``_shard``: a nested function that calls itself is
    # a reference cycle (function, cell) holding ``shards``, which only the collector frees, and the
    # build pauses it while planning: every posting was kept to the end (30 MB at 50,000 papers).
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
        _place(longer, depth + 1, shards)


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

