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

A rebuild updates the last index rather than computing it afresh (``SearchIndexState``): after an
edit that keeps every paper's number, only the terms the edited record had or has are scored and
encoded again, and only the files holding them change; the result is the files a build from
scratch writes (``tests/test_search_incremental.py``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from phenomena_catalog import packed, presentation, urls
from phenomena_catalog.catalog import Catalog
from phenomena_catalog.models import KIND_NAMES, KINDS, Paper
from phenomena_catalog.packed import records

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
    return list(filter(None, map(_TERMS.__getitem__, _words_of([text])[0])))


def _words_of(texts: Sequence[str]) -> list[list[str]]:
    """Each text's words before stop words and plurals (``tokenize``): folded, split on non-letters."""
    # ASCII text needs no folding, and splitting it is a translation to spaces (twice as fast as
    # the regular expression); map runs each step over every text in C.
    words = list(map(str.split, map(str.translate, map(str.lower, texts), itertools.repeat(_ASCII_SPACES))))
    for number in itertools.compress(range(len(texts)), [not text.isascii() for text in texts]):
        words[number] = _SPLIT.split(fold(texts[number]))
    return words


def encode_number(value: int) -> str:
    """A non-negative integer in base 32, most significant first, the last digit from ``_END``."""
    out = _END[value & 31]
    value >>= 5
    while value:
        out = _MORE[value & 31] + out
        value >>= 5
    return out


class _Encoded(dict[int, str]):
    """Each number's ``encode_number``, made once per process (facet values are small numbers)."""

    def __missing__(self, value: int) -> str:
        found = self[value] = encode_number(value)
        return found


_ENCODED = _Encoded()


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
    changed: frozenset[str] | None = None
    """The paths whose text differs from the last update's files (None: every file is new)."""


def build_search_index(catalog: Catalog, state: SearchIndexState | None = None) -> SearchIndex:
    """The search index of ``catalog`` (pure and deterministic). ``state`` holds what the last
    build made, to update it rather than compute it afresh (see ``SearchIndexState``)."""
    return (state if state is not None else SearchIndexState()).update(catalog)


COLUMNS = (*FIELD_BOOSTS, *(f"{name} pairs" for name in PAIR_BOOSTS))
"""What a posting's count is of: each field's words, then the word pairs of the fields in
``PAIR_BOOSTS`` (saturated like a field whose length does not matter)."""
_BOOSTS = np.array((*FIELD_BOOSTS.values(), *(1.0 for _ in PAIR_BOOSTS)))
_NORMS = np.array((*LENGTH_NORMS.values(), *(0.0 for _ in PAIR_BOOSTS)))
FRESH_SHARE = 0.25
"""When more than this share of the papers is new or edited, the index is computed afresh."""
_FEW = 64
"""Up to this many edited papers are looked up one by one (past it, by a map of every paper)."""


def average_length(words: int, papers: int) -> float:
    """BM25's average length of a field, to two significant digits: one edit among thousands of
    papers seldom moves it, so it seldom changes every score (a build from scratch rounds alike)."""
    return float(f"{words / papers:.2g}") if words else 1.0


@dataclass
class _Index:
    """Everything one build of the index made, in arrays: what the next update starts from."""

    lengths: np.ndarray
    """Words in each column of each paper (papers x ``COLUMNS``; pairs count none), int32."""
    prior: np.ndarray
    """Each paper's score factor for the curated lists that include it (``SOURCE_PRIOR``)."""
    names: list[str] = field(default_factory=list)
    """Every term, sorted: a term's rank is its place here."""
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    """Where each term's entries start (and the last one's end)."""
    doc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """Each entry's paper number; entries in order of term, then paper, then column."""
    col: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    """Each entry's column."""
    count: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint16))
    """Each entry's count (a pair's times its boost): whole numbers, in 16 bits (``packed.count_type``)."""
    level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    """Each entry's score level (its posting's: a share of its term's top score, 1..``LEVELS``)."""
    top: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Each term's top score without IDF."""
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    """Where each entry's posting is in its term's postings (characters), to splice it there."""
    doc_freq: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Each term's number of papers."""
    fragments: str = ""
    """Each term's member of its shard's JSON object, ``"term":[top,"postings"]``, and a comma."""
    bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    """Where each term's fragment starts in ``fragments`` (and the last one's end)."""
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Each term's share of its shard's size, as ``_layout`` counts it."""
    shards: list[tuple[str, int]] = field(default_factory=list)
    """Each shard's key and number of terms, in key order (which is the terms' order)."""
    ids: tuple[str, ...] = ()
    """Each paper's id, by number (newest first)."""
    digests: dict[str, str] | None = None
    """What each paper's record was made from, by id (``Catalog.digests``; None: not known)."""
    kind_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    """Each paper's kind (its place in ``KINDS``)."""
    keyword_names: dict[str, str] = field(default_factory=dict)
    """Each keyword's name by slug (its most used spelling, which other papers can change)."""
    vocabulary: tuple[tuple[str, ...], ...] = ()
    """The keyword vocabulary: each entry's name and aliases (a keyword's name depends on them)."""
    topics: tuple[tuple[str, str, str], ...] = ()
    venues: tuple[tuple[str, str], ...] = ()
    kinds: tuple[str, ...] = ()
    facet_codes: list[str] = field(default_factory=list)
    """Each paper's facet values, encoded (its share of its facet chunk)."""
    facet_files: list[str] = field(default_factory=list)
    doc_files: list[str] = field(default_factory=list)
    manifest: str = ""

    def packed(self, kept: _KeptTerms | None = None) -> dict[str, object]:
        """The index as the build cache keeps it (``SearchIndexState``): tables of immutable values,
        each entry a group of terms (those sharing their first ``_GROUP`` characters: a new term
        joins its group, moving no other), a block of papers or a result chunk, so that
        ``cache_store`` writes what an edit changed as a small delta; and a few small values.
        ``kept``: the terms' table as the cache was read, whose groups the same as they were read
        are kept, the very entries read (``cache_store`` then neither compares nor writes them)."""
        names = self.names
        keys = [name[:_GROUP] for name in names]
        # (no term at all, a catalog without records: no group)
        firsts = [0, *itertools.compress(range(1, len(keys)), map(operator.ne, keys[1:], keys))] if keys else []
        cuts = [*firsts, len(names)]
        group_keys = [keys[first] for first in firsts]
        entries = self.starts[cuts].tolist()
        bounds = self.bounds[cuts].tolist()
        per_term = records(_TERM, len(names), top=self.top, doc_freq=self.doc_freq, size=self.sizes,
                           entries=np.diff(self.starts), width=np.diff(self.bounds))
        entry_records = records(_entry_dtype(self.count.dtype), len(self.doc), doc=self.doc, col=self.col,
                                count=self.count, level=self.level, offset=self.offset)
        same = np.zeros(len(firsts), dtype=bool)
        if kept is not None and kept.keys == group_keys and kept.entries.dtype == entry_records.dtype:
            # The groups whose terms' records and entries are those read, byte for byte, and whose
            # names and fragments are too.
            same = ~(packed.changed_rows(np.array(cuts), per_term, kept.term_cuts, kept.per_term)
                     | packed.changed_rows(np.array(entries), entry_records, kept.entry_cuts, kept.entries))
            for group in np.flatnonzero(same).tolist():
                read = kept.table[group_keys[group]]
                if (read[3] != self.fragments[bounds[group] : bounds[group + 1]]
                        or read[0] != "\n".join(names[cuts[group] : cuts[group + 1]])):
                    same[group] = False
        terms = {}
        for group, (first, stop) in enumerate(itertools.pairwise(cuts)):
            if same[group]:
                terms[keys[first]] = kept.table[keys[first]]  # type: ignore[union-attr]
                continue
            a, b = entries[group], entries[group + 1]
            terms[keys[first]] = ("\n".join(names[first:stop]), per_term[first:stop].tobytes(),
                                  entry_records[a:b].tobytes(), self.fragments[bounds[group] : bounds[group + 1]])
        per_paper = packed.pack_fixed({"lengths": self.lengths, "prior": self.prior, "kind": self.kind_codes},
                                      _PAPER)
        return {
            "shape": (len(self.lengths), str(self.count.dtype)),
            "terms": terms,
            "papers": per_paper,
            "ids": packed.blocks(self.ids),
            "facet_codes": packed.blocks(self.facet_codes),
            "digests": packed.pack_by_key(self.digests, self.ids),
            "keyword_names": self.keyword_names,
            "facets": (self.vocabulary, self.topics, self.venues, self.kinds),
            "shards": tuple(self.shards),
            "facet_files": dict(enumerate(self.facet_files)),
            "doc_files": dict(enumerate(self.doc_files)),
            "manifest": self.manifest,
        }

    @classmethod
    def unpacked(cls, state: dict[str, Any]) -> _Index:
        """The index ``packed`` made."""
        return cls.unpacked_kept(state)[0]

    @classmethod
    def unpacked_kept(cls, state: dict[str, Any]) -> tuple[_Index, _KeptTerms]:
        """The index ``packed`` made, and its terms' table as read (``packed``'s ``kept``)."""
        total, count_dtype = state["shape"]
        per_paper = packed.unpack_fixed(state["papers"], total, _PAPER)
        index = cls(packed.column(per_paper, "lengths"), packed.column(per_paper, "prior"))
        index.kind_codes = packed.column(per_paper, "kind")
        index.ids = tuple(packed.unblocks(state["ids"], total))
        index.facet_codes = packed.unblocks(state["facet_codes"], total)
        terms = state["terms"]
        groups = [terms[key] for key in sorted(terms)]
        index.names = "\n".join([group[0] for group in groups]).split("\n") if groups else []
        per_term = np.frombuffer(b"".join([group[1] for group in groups]), dtype=_TERM)
        if len(per_term) != len(index.names):
            raise ValueError("the search index's terms are damaged")
        index.starts = np.zeros(len(per_term) + 1, dtype=np.int64)
        np.cumsum(per_term["entries"], out=index.starts[1:])
        entries = np.frombuffer(b"".join([group[2] for group in groups]), dtype=_entry_dtype(np.dtype(count_dtype)))
        index.doc, index.col, index.count = (packed.column(entries, name) for name in ("doc", "col", "count"))
        index.level, index.offset = packed.column(entries, "level"), packed.column(entries, "offset")
        index.top = packed.column(per_term, "top")
        index.doc_freq, index.sizes = packed.column(per_term, "doc_freq"), packed.column(per_term, "size")
        index.fragments = "".join([group[3] for group in groups])
        index.bounds = np.zeros(len(per_term) + 1, dtype=np.int64)
        np.cumsum(per_term["width"], out=index.bounds[1:])
        if index.bounds[-1] != len(index.fragments):
            raise ValueError("the search index's fragments are damaged")
        index.digests = packed.unpack_by_key(state["digests"], index.ids)
        index.keyword_names = state["keyword_names"]
        index.vocabulary, index.topics, index.venues, index.kinds = state["facets"]
        index.shards = list(state["shards"])
        index.facet_files = [state["facet_files"][n] for n in range(len(state["facet_files"]))]
        index.doc_files = [state["doc_files"][n] for n in range(len(state["doc_files"]))]
        index.manifest = state["manifest"]
        term_counts = [len(group[1]) // _TERM.itemsize for group in groups]
        entry_counts = [len(group[2]) // entries.dtype.itemsize for group in groups]
        kept = _KeptTerms(terms, sorted(terms), np.cumsum([0, *term_counts], dtype=np.int64), per_term,
                          np.cumsum([0, *entry_counts], dtype=np.int64), entries)
        return index, kept


class _KeptTerms(NamedTuple):
    """The search index's terms as the build cache was read: its table (group key -> entry), the
    groups' keys in order, where each group's terms and entries start (and the last one's end),
    and every term's and entry's record."""

    table: Mapping[str, tuple[str, Any, Any, str]]
    keys: list[str]
    term_cuts: np.ndarray
    per_term: np.ndarray
    entry_cuts: np.ndarray
    entries: np.ndarray


_GROUP = 3
"""Terms sharing their first this many characters are one entry of the build cache's table."""
_TERM = np.dtype([("top", "<f8"), ("doc_freq", "<i8"), ("size", "<i8"), ("entries", "<i8"), ("width", "<i8")])
"""A term's record in the cache: its top score, papers, shard size, entries and fragment's length."""


_PAPER = np.dtype([("lengths", "<i4", (len(COLUMNS),)), ("prior", "<f8"), ("kind", "u1")])


def _entry_dtype(count: np.dtype[Any]) -> np.dtype[Any]:
    """An entry's record in the cache: its paper, column, count, level and offset."""
    return np.dtype([("doc", "<i4"), ("col", "u1"), ("count", count.newbyteorder("<")), ("level", "u1"),
                     ("offset", "<i4")])


class SearchIndexState:
    """What the last build of the search index made, to update it after an edit rather than
    compute it afresh (the build cache pickles it; ``serve`` keeps it in memory).

    An update reads the text of new and edited papers only (``Catalog.digests`` says which), and
    gives the files a build from scratch gives, by construction: each term's member of its shard
    depends on that term's entries alone and on three catalog-wide values, the number of papers
    (IDF), their numbering, and BM25's average field lengths, which are rounded
    (``average_length``) so that one edit seldom moves them. When none of the three moved (an
    edit that keeps the paper's place in the order), only the terms the edited papers had or have
    are scored and encoded again, and only the shards, facet and result chunks that hold them
    change. When a paper was added, removed or moved, every term is encoded again (its paper
    numbers and IDF moved, not its levels), and when an average moved every term is scored again
    from the entries kept here; neither reads any unchanged paper's text.
    """

    def __init__(self, keep: bool = True) -> None:
        self._last: _Index | None = None
        self._kept: _KeptTerms | None = None
        """The terms' table this state was read from (``__setstate__``), which writing it again
        reuses where it is unchanged (``_Index.packed``)."""
        self._keep = keep
        """False for a state nothing will update again (a one-shot build's): it holds nothing."""

    def prune(self) -> None:
        """Nothing to forget: the state holds the last build's catalog only."""

    def update(self, catalog: Catalog) -> SearchIndex:
        """The search index of ``catalog``; the state then holds it for the next update."""
        old, self._last = self._last, None  # (a failed update leaves no half-made state)
        new = _build(catalog, old)
        self._last = new if self._keep else None
        files = _files(new)
        if old is None:
            return SearchIndex(files, new.kinds)
        before = dict(_files(old))
        return SearchIndex(files, new.kinds, frozenset(path for path, text in files if before.get(path) != text))

    def __getstate__(self) -> dict[str, object]:
        # The last index's tables themselves, not inside it: the build cache looks for tables only
        # a few levels down.
        return {"last": None} if self._last is None else self._last.packed(self._kept)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._last, self._kept = None, None
        if "terms" in state:
            self._last, self._kept = _Index.unpacked_kept(state)
        self._keep = True


def _build(catalog: Catalog, old: _Index | None) -> _Index:
    papers = catalog.papers
    total = len(papers)
    digests = getattr(catalog, "digests", None) or {}
    topics = tuple((entry.id, entry.name, entry.url) for entry in catalog.topics)
    keyword_names = {term.slug: term.name for term in catalog.terms["keywords"]}
    vocabulary = tuple((entry.name, *entry.aliases) for entry in catalog.vocabulary)

    # The papers whose text must be read: new, edited, or filed under a keyword now spelled otherwise.
    fresh = np.ones(total, dtype=bool)
    remap, ids = None, None
    if (old is not None and old.digests is not None and len(digests) == total and old.names
            and (old.topics, old.vocabulary) == (topics, vocabulary)):
        was = old.digests.get
        edited = [paper_id for paper_id, digest in digests.items() if was(paper_id) != digest]
        if len(old.ids) == total and len(edited) <= _FEW and all(map(old.digests.__contains__, edited)):
            # The same papers (as many, none new): where the edited ones are is all that can have moved.
            numbers = [old.ids.index(paper_id) for paper_id in edited]
            if all(papers[number].id == paper_id for number, paper_id in zip(numbers, edited, strict=True)):
                ids = old.ids  # (unchanged papers keep their order among themselves)
                fresh[:] = False
                fresh[numbers] = True
        if ids is None:
            ids = _ids(catalog)
            fresh = np.fromiter(map(operator.ne, map(digests.get, ids), map(was, ids)), dtype=bool, count=total)
        if keyword_names != old.keyword_names:
            renamed = [term for term in catalog.terms["keywords"]
                       if old.keyword_names.get(term.slug, term.name) != term.name]
            number_of = dict(zip(ids, range(total), strict=True))
            for term in renamed:
                fresh[[number_of[paper.id] for paper in term.papers]] = True
        # Where each old paper is now (-1: gone or read again). Unchanged papers keep their order
        # among themselves (the order depends on a paper's own record), so the map increases.
        if ids is old.ids:
            remap = np.where(fresh, -1, np.arange(total))
        else:
            remap = np.full(len(old.ids), -1, dtype=np.int64)
            old_number = dict(zip(old.ids, range(len(old.ids)), strict=True))
            kept = np.flatnonzero(~fresh)
            remap[[old_number[ids[number]] for number in kept.tolist()]] = kept
        if np.any(np.diff(remap[remap >= 0]) <= 0) or fresh.sum() > FRESH_SHARE * total:
            remap = None
    if old is None or remap is None:
        fresh[:] = True
        index = _from_scratch(catalog)
    else:
        index = _updated(catalog, old, fresh, remap)
    index.ids = ids if ids is not None else _ids(catalog)
    index.digests = dict(digests) if len(digests) == total else None
    index.topics, index.keyword_names, index.vocabulary = topics, keyword_names, vocabulary
    index.venues = tuple((term.slug, term.name) for term in catalog.terms["venues"])
    if remap is None or old is None:
        index.kind_codes = np.array([KINDS.index(kind) for kind in map(_KIND, papers)], dtype=np.uint8)
    else:
        index.kind_codes = np.zeros(total, dtype=np.uint8)
        index.kind_codes[remap[remap >= 0]] = old.kind_codes[remap >= 0]
        read = np.flatnonzero(fresh)
        index.kind_codes[read] = [KINDS.index(papers[number].kind) for number in read.tolist()]
    # The kinds of record the catalog has, in the site's order; none when all are papers.
    found = np.bincount(index.kind_codes, minlength=len(KINDS)) > 0
    index.kinds = tuple(kind for kind, here in zip(KINDS, found.tolist(), strict=True) if here)
    if len(index.kinds) < 2:
        index.kinds = ()
    _chunks(catalog, index, old if remap is not None else None, fresh)
    return index


def _ids(catalog: Catalog) -> tuple[str, ...]:
    """Each paper's id, in order."""
    if len(catalog.paper_ids) == len(catalog.papers):
        return catalog.paper_ids
    return tuple(map(_ID, catalog.papers))


class _Met(dict[str, int]):
    """Each term met, numbered in the order met ("", no term, is -1)."""

    def __init__(self) -> None:
        super().__init__({"": -1})
        self.names: list[str] = []
        """The terms, by number."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self.names)
        self.names.append(term)
        return number


_PAIR = np.int64(1 << 31)
"""Term numbers are below this: a pair of terms is first number * _PAIR + second."""
_BLOCK = 2000
"""Papers whose words are split at once (each word a string: 60 MB at 10,000 papers in one go)."""


def _read(catalog: Catalog, papers: Sequence[Paper]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray, np.ndarray, np.ndarray]:
    """The entries of ``papers``: the distinct terms met, each entry's term (a number into them),
    paper (a position in ``papers``), column and count; and each paper's words by column and prior.

    One field of ``_BLOCK`` papers at a time, in numbers: a paper's entries of one term are in
    column order (a posting sums its columns' scores in that order). The terms of a field and
    their pairs are numbered, then counted per paper by one sort."""
    met = _Met()
    numbers = _WordNumbers(met)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # (term, paper, count, column)
    by_column = np.zeros((len(papers), len(COLUMNS)), dtype=np.int32)
    for first in range(0, len(papers), _BLOCK):
        block = papers[first : first + _BLOCK]
        for column, (name, field_texts) in enumerate(zip(FIELD_BOOSTS, _field_texts(block, catalog), strict=True)):
            terms, docs = _numbered(field_texts, numbers)
            docs += first
            by_column[first : first + len(block), column] = np.bincount(docs - first, minlength=len(block))
            if name in PAIR_BOOSTS:
                within = docs[:-1] == docs[1:]
                pairs, pair_docs = terms[:-1][within] * _PAIR + terms[1:][within], docs[:-1][within]
                unique, inverse = np.unique(pairs, return_inverse=True)
                names = met.names
                pair_terms = np.fromiter(
                    map(met.__getitem__, [f"{names[a]} {names[b]}" for a, b in
                                          zip((unique // _PAIR).tolist(), (unique % _PAIR).tolist(), strict=True)]),
                    dtype=np.int64, count=len(unique))
                found.append((*_counted(pair_terms[inverse], pair_docs, PAIR_BOOSTS[name]),
                              COLUMNS.index(f"{name} pairs")))
            found.append((*_counted(terms, docs, 1.0), column))
    prior = 1 + SOURCE_PRIOR * np.array([max(0, len(paper.sources) - 1) for paper in papers], dtype=np.float64)
    if not found:
        nothing = np.zeros(0, dtype=np.int64)
        return [], nothing, nothing, np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.float32), by_column, prior
    return (met.names, np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]),
            np.concatenate([np.full(len(f[0]), f[3], dtype=np.uint8) for f in found]),
            np.concatenate([f[2] for f in found]).astype(np.float32), by_column, prior)


def _field_texts(block: Sequence[Paper], catalog: Catalog) -> list[list[str]]:
    """``paper_fields`` of each of ``block``, by field (in ``FIELD_BOOSTS``' order), a list each."""
    terms = [catalog.paper_terms[paper.id] for paper in block]
    digests = [paper.digest or "" for paper in block]
    return [
        [paper.title for paper in block],
        list(map(" ".join, [paper.authors for paper in block])),
        [" ".join(k.name for k in found.keywords) for found in terms],
        [" ".join(t.name for t in found.topics) for found in terms],
        [paper.venue or "" for paper in block],
        [_MARKDOWN_LINK.sub("]", digest) if "](" in digest else digest for digest in digests],
    ]


_MARK = -2
_JOIN = " \x00 "
"""What ``_numbered`` puts between two texts: a NUL, a word of its own (no record text has one)."""
_BYTE_SPACES = bytes.maketrans(bytes(c for c in range(128) if not chr(c).isalnum() and c),
                               b" " * sum(1 for c in range(128) if not chr(c).isalnum() and c))
"""``_ASCII_SPACES`` for bytes, the NUL kept."""


class _WordNumbers(dict[bytes, int]):
    """Each word (UTF-8) as the number of its term in ``met`` (-1: a stop word; ``_MARK``: the NUL
    between texts), made once per word."""

    def __init__(self, met: _Met) -> None:
        super().__init__({b"\x00": _MARK})
        self.met = met

    def __missing__(self, word: bytes) -> int:
        number = self[word] = self.met[_TERMS[word.decode("utf-8", "surrogatepass")]]
        return number


def _numbered(texts: Sequence[str], numbers: _WordNumbers) -> tuple[np.ndarray, np.ndarray]:
    """The terms of ``texts`` as ``_words_of`` and ``_TERMS`` make them, numbered by ``numbers``
    (``met`` numbers a term when first met), stop words left out; and each one's text (a place
    in ``texts``). The texts are split as one: ASCII ones as bytes, each other one folded first."""
    folded = [text if text.isascii() else " ".join(_SPLIT.split(fold(text))) for text in texts]
    joined = _JOIN.join(folded)
    if joined.count("\x00") != len(texts) - 1:  # (a NUL in a text: one text at a time)
        words = _words_of(texts)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(texts))
        met = numbers.met
        found = np.fromiter(map(met.__getitem__, map(_TERMS.__getitem__, itertools.chain.from_iterable(words))),
                            dtype=np.int64, count=int(lengths.sum()))
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    else:
        split = joined.encode("utf-8", "surrogatepass").lower().translate(_BYTE_SPACES).split()
        found = np.fromiter(map(numbers.__getitem__, split), dtype=np.int64, count=len(split))
        docs = np.cumsum(found == _MARK)
    kept = found >= 0  # (stop words, and the NULs between texts)
    return found[kept], docs[kept]


def _counted(terms: np.ndarray, docs: np.ndarray, boost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (term, paper) met, by paper then term, and its occurrences times ``boost``. Sorted as
    one number, in 32 bits when (paper, term) fits (a block's papers and their terms: 40% faster)."""
    if not len(terms):
        return terms, docs, np.zeros(0)
    first, size = int(docs[0]), int(terms.max()) + 1  # (``docs`` ascending)
    if (int(docs[-1]) - first + 1) * size <= 1 << 32:
        key = (docs - first).astype(np.uint32)
        key *= np.uint32(size)
        key += terms.astype(np.uint32)
        unique, counts = np.unique(key, return_counts=True)
        found_docs, found_terms = np.divmod(unique.astype(np.int64), size)
        return found_terms, found_docs + first, counts * boost
    unique, counts = np.unique(docs * _PAIR + terms, return_counts=True)
    return unique % _PAIR, unique // _PAIR, counts * boost


def _averages(lengths: np.ndarray) -> np.ndarray:
    return np.array([average_length(int(words), len(lengths)) for words in lengths.sum(axis=0, dtype=np.int64)])


def _from_scratch(catalog: Catalog) -> _Index:
    total = len(catalog.papers)
    met, terms, docs, cols, counts, lengths, prior = _read(catalog, catalog.papers)
    index = _Index(lengths, prior)
    if not met:
        return index
    alphabetical = sorted(range(len(met)), key=met.__getitem__)
    names = [met[number] for number in alphabetical]
    rank_of = np.empty(len(met), dtype=np.int64)
    rank_of[alphabetical] = np.arange(len(met))
    ranks = rank_of[terms]
    del met, terms, rank_of, alphabetical
    # Entries in order of term, then paper; a paper's entries of one term stay in column order.
    order = np.argsort(ranks * total + docs, kind="stable")
    ranks = ranks[order]
    index.names = names
    index.starts = np.searchsorted(ranks, np.arange(len(names) + 1))
    del ranks
    index.doc, index.col, index.count = docs[order].astype(np.int32), cols[order], packed.compact_counts(counts[order])
    index.level, index.top = np.zeros(len(order), dtype=np.uint8), np.zeros(len(names))
    index.offset, index.doc_freq = np.zeros(len(order), dtype=np.int32), np.zeros(len(names), dtype=np.int64)
    _score_all(index)
    return index


def _updated(catalog: Catalog, old: _Index, fresh: np.ndarray, remap: np.ndarray) -> _Index:
    """``old`` with the entries of its papers that are not ``fresh`` (renumbered by ``remap``)
    and those of the ``fresh`` papers, read now."""
    total = len(fresh)
    numbers = np.flatnonzero(fresh)
    met, terms, docs, cols, counts, lengths, prior = _read(catalog, [catalog.papers[n] for n in numbers.tolist()])
    docs = numbers[docs]
    index = _Index(np.zeros((total, len(COLUMNS)), dtype=np.int32), np.zeros(total))
    stayed = remap >= 0
    index.lengths[remap[stayed]] = old.lengths[stayed]
    index.prior[remap[stayed]] = old.prior[stayed]
    index.lengths[numbers] = lengths
    index.prior[numbers] = prior
    same_numbers = len(old.ids) == total and np.array_equal(remap[stayed], np.flatnonzero(stayed))

    # The old entries that stay, and the terms that lost some (gone when they lost all).
    if same_numbers:
        stays = stayed[old.doc]
        kept_doc = old.doc
    else:
        kept_doc = remap[old.doc]
        stays = kept_doc >= 0
        kept_doc = kept_doc.astype(np.int32)
    gone = np.flatnonzero(~stays)
    gone_ranks = np.searchsorted(old.starts, gone, side="right") - 1
    left = np.diff(old.starts) - np.bincount(gone_ranks, minlength=len(old.names))
    touched = packed.distinct(gone_ranks)
    # The fresh papers' terms: known ones by their old rank, the others added.
    known_rank: dict[str, int] = {}
    added: list[tuple[int, str]] = []
    for term in sorted(met):
        place = bisect.bisect_left(old.names, term)
        if place < len(old.names) and old.names[place] == term:
            known_rank[term] = place
        else:
            added.append((place, term))
    alive = left > 0
    alive[list(known_rank.values())] = True
    alive_before = np.concatenate(([0], np.cumsum(alive)))  # alive old terms before each old rank
    added_at = np.array([place for place, _ in added], dtype=np.int64)  # the old ranks they go before
    new_rank = np.where(alive, alive_before[:-1] + np.searchsorted(added_at, np.arange(len(old.names)), side="right"),
                        -1)
    added_rank = alive_before[added_at] + np.arange(len(added))
    alive_list = alive.tolist()
    names: list[str] = []
    previous = 0
    for place, term in added:
        names += itertools.compress(old.names[previous:place], alive_list[previous:place])
        names.append(term)
        previous = place
    names += itertools.compress(old.names[previous:], alive_list[previous:])
    rank_of = {term: int(new_rank[rank]) for term, rank in known_rank.items()}
    rank_of.update(zip([term for _, term in added], added_rank.tolist(), strict=True))
    live = np.flatnonzero(alive)

    # The fresh entries go among those that stay, in order of term, then paper.
    fresh_ranks = np.array([rank_of[term] for term in met], dtype=np.int64)[terms]
    order = np.argsort(fresh_ranks * total + docs, kind="stable")
    fresh_ranks, docs, cols, counts = fresh_ranks[order], docs[order], cols[order], counts[order]
    kept_count = np.zeros(len(names), dtype=np.int64)
    kept_count[new_rank[live]] = left[live]
    kept_starts = np.concatenate(([0], np.cumsum(kept_count)))
    kept_doc = np.delete(kept_doc, gone)
    at = np.array([bisect.bisect_left(kept_doc, doc, low, high) for doc, low, high in zip(
        docs.tolist(), kept_starts[fresh_ranks].tolist(), kept_starts[fresh_ranks + 1].tolist(), strict=True)],
        dtype=np.int64)
    index.names = names
    index.starts = kept_starts + np.concatenate(([0], np.cumsum(np.bincount(fresh_ranks, minlength=len(names)))))
    index.doc = np.insert(kept_doc, at, docs.astype(np.int32))
    old_count = old.count
    if old_count.dtype == np.uint16 and packed.count_type([counts]) is not np.uint16:
        old_count = old_count.astype(np.float32)  # (a count too large for 16 bits)
    index.col, index.count, index.level, index.offset = _spliced(
        (old.col, old_count, old.level, old.offset), gone, at,
        (cols, counts, np.zeros(len(at), dtype=np.uint8), np.zeros(len(at), dtype=np.int32)))
    index.top = np.full(len(names), np.nan)
    index.top[new_rank[live]] = old.top[live]
    index.doc_freq = np.zeros(len(names), dtype=np.int64)
    index.doc_freq[new_rank[live]] = old.doc_freq[live]
    del kept_doc

    if not np.array_equal(_averages(index.lengths), _averages(old.lengths)):
        _score_all(index)  # every score moved
        return index

    # Only the terms the fresh papers had or have changed. A term whose top score no fresh paper
    # had or beats keeps the levels of its other papers: only the fresh papers' are computed.
    changed = np.zeros(len(names), dtype=bool)
    changed[fresh_ranks] = True
    moved = new_rank[touched]
    changed[moved[moved >= 0]] = True
    ranks = np.flatnonzero(changed)
    rescore = np.isnan(index.top)
    fresh_at = at + np.arange(len(at))  # where the fresh entries are now
    first, _, raw = _raw(index, fresh_at, fresh_ranks)
    fresh_term = fresh_ranks[first]
    np.logical_or.at(rescore, fresh_term, raw > np.nan_to_num(index.top[fresh_term], nan=np.inf))
    if len(gone):
        old_first, _, old_raw = _raw(old, gone, gone_ranks)
        was = new_rank[gone_ranks[old_first]]
        tops_before = old.top[gone_ranks[old_first]]
        np.logical_or.at(rescore, was[was >= 0], (old_raw >= tops_before)[was >= 0])
    rescore &= changed
    keep_top = ~rescore[fresh_term]
    levels = np.maximum(1, np.rint(LEVELS * raw[keep_top] / index.top[fresh_term[keep_top]]))
    posting = np.cumsum(first) - 1  # each fresh entry's posting
    entry_kept = keep_top[posting]
    index.level[fresh_at[entry_kept]] = levels.astype(np.uint8)[np.cumsum(keep_top)[posting[entry_kept]] - 1]
    _score_terms(index, np.flatnonzero(rescore))
    if not same_numbers:
        _encode_all(index)  # every term's paper numbers or IDF moved, not its levels
        return index
    # The others keep their postings but near the fresh papers, where the old text is spliced.
    spans: dict[int, list[int]] = {}
    for rank, doc in zip(fresh_ranks.tolist(), docs.tolist(), strict=True):
        spans.setdefault(rank, [doc, doc])[1] = doc  # (in order of paper within a term)
    for rank, doc in zip(new_rank[gone_ranks].tolist(), old.doc[gone].tolist(), strict=True):
        if rank >= 0:
            span = spans.setdefault(rank, [doc, doc])
            span[0], span[1] = min(span[0], doc), max(span[1], doc)
    old_of = np.full(len(names), -1, dtype=np.int64)
    old_of[new_rank[live]] = live
    fragments, sizes = _members(index, np.flatnonzero(rescore))
    idf = _idf(total)
    kept_top = np.flatnonzero(changed & ~rescore)
    for rank in kept_top.tolist():
        fragment, size = _spliced_member(index, old, rank, int(old_of[rank]), spans[rank], idf)
        fragments.append(fragment)
        sizes = np.append(sizes, size)
    order = np.argsort(np.concatenate((np.flatnonzero(rescore), kept_top)))
    fragments, sizes = [fragments[i] for i in order.tolist()], sizes[order]

    # Every other term's member is the old one: runs of them copied in one piece each.
    old_of[ranks] = -1
    same = old_of >= 0
    index.sizes = np.empty(len(names), dtype=np.int64)
    index.sizes[same] = old.sizes[old_of[same]]
    index.sizes[ranks] = sizes
    widths = np.empty(len(names), dtype=np.int64)
    widths[same] = np.diff(old.bounds)[old_of[same]]
    widths[ranks] = [len(fragment) for fragment in fragments]
    index.bounds = np.concatenate(([0], np.cumsum(widths)))
    follows = same[1:] & same[:-1] & (old_of[1:] == old_of[:-1] + 1)
    run_starts = np.flatnonzero(same & ~np.concatenate(([False], follows)))
    run_ends = np.flatnonzero(same & ~np.concatenate((follows, [False])))
    copied = zip(run_starts.tolist(), old.bounds[old_of[run_starts]].tolist(),
                 old.bounds[old_of[run_ends] + 1].tolist(), strict=True)
    pieces = sorted([(rank, fragment) for rank, fragment in zip(ranks.tolist(), fragments, strict=True)]
                    + [(start, old.fragments[begin:end]) for start, begin, end in copied])
    index.fragments = "".join([piece for _, piece in pieces])
    # Shards: the groups (first two characters) of changed and vanished terms are laid out again.
    groups = {names[rank][:2] for rank in ranks.tolist()}
    groups |= {old.names[rank][:2] for rank in touched.tolist() if new_rank[rank] < 0}
    index.shards = sorted([shard for shard in old.shards if shard[0][:2] not in groups]
                          + [shard for group in groups for shard in _group_layout(index, group)])
    return index


def _spliced(arrays: tuple[np.ndarray, ...], gone: np.ndarray, at: np.ndarray,
             values: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Each of ``arrays`` without its elements ``gone``, and with ``values`` inserted where
    ``at`` says once those are gone (``np.insert(np.delete(...))``, in one copy of each)."""
    # Where each insertion goes among the elements as they were.
    before = (at + np.searchsorted(gone - np.arange(len(gone)), at, side="right")).tolist()
    dropped = gone.tolist()
    pieces: list[tuple[bool, int, int | None]] = []  # (new values?, start, stop)
    cursor = taken = inserted = 0
    while taken < len(dropped) or inserted < len(before):
        if inserted < len(before) and (taken == len(dropped) or before[inserted] <= dropped[taken]):
            place, first = before[inserted], inserted
            while inserted < len(before) and before[inserted] == place:
                inserted += 1
            pieces += [(False, cursor, place), (True, first, inserted)]
            cursor = place
        else:
            pieces.append((False, cursor, dropped[taken]))
            cursor = dropped[taken] + 1
            taken += 1
    pieces.append((False, cursor, None))
    return [np.concatenate([(new if fresh else array)[start:stop] for fresh, start, stop in pieces])
            for array, new in zip(arrays, (v.astype(a.dtype, copy=False) for v, a in zip(values, arrays, strict=True)),
                                  strict=True)]


def _score_all(index: _Index) -> None:
    """Score, encode and shard every term of ``index``."""
    _score_terms(index, np.arange(len(index.names)))
    _encode_all(index)


def _encode_all(index: _Index) -> None:
    """Encode and shard every term of ``index`` (scored)."""
    fragments, index.sizes = _members(index, np.arange(len(index.names)))
    index.fragments = "".join(fragments)
    index.bounds = np.concatenate(([0], np.cumsum([len(fragment) for fragment in fragments], dtype=np.int64)))
    index.shards = []
    start, names = 0, index.names
    while start < len(names):
        end = _group_end(names, start)
        index.shards += _layout(names, index.sizes, start, end, 2)
        start = end


def _entries_of(index: _Index, ranks: np.ndarray) -> tuple[np.ndarray | slice, np.ndarray]:
    """Where the entries of the terms ``ranks`` are, and each one's place in ``ranks``."""
    if len(ranks) == len(index.names):  # (every term)
        return slice(None), np.repeat(np.arange(len(ranks), dtype=np.int64), np.diff(index.starts))
    widths = index.starts[ranks + 1] - index.starts[ranks]
    take = np.repeat(index.starts[ranks] - np.cumsum(widths) + widths, widths) + np.arange(int(widths.sum()))
    return take, np.repeat(np.arange(len(ranks), dtype=np.int64), widths)


def _raw(index: _Index, take: np.ndarray | slice, term: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BM25 per field of the entries ``take`` (of the terms ``term``, in order of term, then
    paper), merged per (term, paper) posting: whether each entry starts a posting, each
    posting's paper, and its score without IDF (the same for a posting whatever else is scored)."""
    doc, col = index.doc[take].astype(np.int64), index.col[take]
    counts = index.count[take].astype(np.float64)
    b = _NORMS[col]
    norm = index.lengths[doc, col].astype(np.float64)
    norm *= b
    norm /= _averages(index.lengths)[col]
    norm += 1 - b
    del b
    norm *= K1
    norm += counts
    parts = _BOOSTS[col]
    parts *= counts
    parts *= K1 + 1
    parts /= norm
    del norm, counts, col
    first = np.ones(len(doc), dtype=bool)
    first[1:] = (term[1:] != term[:-1]) | (doc[1:] != doc[:-1])
    raw = np.bincount(np.cumsum(first) - 1, weights=parts).astype(np.float64, copy=False)  # (empty: ints)
    doc = doc[first]
    raw *= index.prior[doc]
    return first, doc, raw


def _score_terms(index: _Index, ranks: np.ndarray) -> None:
    """Each term's top score and each of its entries' level, for the terms ``ranks``."""
    if not len(ranks):
        return
    take, term = _entries_of(index, ranks)
    first, _, raw = _raw(index, take, term)
    term = term[first]
    top = np.maximum.reduceat(raw, np.searchsorted(term, np.arange(len(ranks))))
    # A level is a share of the term's top score; IDF multiplies both alike, so it is left out.
    levels = np.maximum(1, np.rint(LEVELS * raw / top[term])).astype(np.uint8)
    index.top[ranks] = top
    index.level[take] = levels[np.cumsum(first) - 1]


def _members(index: _Index, ranks: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The member of its shard's object and the size of each term of ``ranks``, in order:
    ``"term":[top score,"(paper number delta, level)..."]``."""
    if not len(ranks):
        return [], np.zeros(0, dtype=np.int64)
    take, term = _entries_of(index, ranks)
    doc = index.doc[take].astype(np.int64)
    first = np.ones(len(doc), dtype=bool)
    first[1:] = (term[1:] != term[:-1]) | (doc[1:] != doc[:-1])
    doc, levels = doc[first], index.level[take][first]
    posting = np.cumsum(first) - 1  # each entry's
    del first
    posting_starts = np.concatenate(([0], np.cumsum(np.diff(index.starts)[ranks])))  # (entries, for now)
    posting_starts = posting[posting_starts[:-1]]
    doc_freq = np.diff(posting_starts, append=len(doc))
    index.doc_freq[ranks] = doc_freq
    tops = (index.top[ranks] * _idf(len(index.lengths))[doc_freq]).tolist()
    deltas = np.diff(doc, prepend=0)
    deltas[posting_starts] = doc[posting_starts]
    del doc
    text, offsets = _encode_postings(deltas, levels)
    del deltas, levels
    # Each entry's posting's place in its term's postings.
    index.offset[take] = (offsets - np.repeat(offsets[posting_starts], doc_freq))[posting]
    del take, term, posting
    bounds = [*offsets[posting_starts].tolist(), len(text)]
    names = [index.names[rank] for rank in ranks.tolist()]
    # Terms are letters, digits and spaces: JSON strings without escapes.
    fragments = [f'"{name}":[{round(score, 3)!r},"{text[bounds[i] : bounds[i + 1]]}"],'
                 for i, (name, score) in enumerate(zip(names, tops, strict=True))]
    sizes = np.fromiter(map(len, names), dtype=np.int64, count=len(names)) + np.diff(bounds) + 14
    return fragments, sizes


def _spliced_member(index: _Index, old: _Index, rank: int, old_rank: int, span: list[int],
                    idf: np.ndarray) -> tuple[str, int]:
    """The member and size of a term whose top score stayed, so whose papers but those in ``span``
    (first and last paper number) kept their levels: its old postings, with the text of those
    papers' postings and of the next one's (a delta from theirs) encoded again."""
    member = old.fragments[old.bounds[old_rank] : old.bounds[old_rank + 1]]
    postings = member[member.index(',"') + 2 : -3]
    start, end = int(old.starts[old_rank]), int(old.starts[old_rank + 1])
    first, after = _region(old.doc, start, end, span)
    cut = [int(old.offset[first]) if first < end else len(postings),
           int(old.offset[after]) if after < end else len(postings)]
    before = np.count_nonzero(np.diff(old.doc[first:after], prepend=-1))  # (its postings)
    start, end = int(index.starts[rank]), int(index.starts[rank + 1])
    first, after = _region(index.doc, start, end, span)
    doc = index.doc[first:after].astype(np.int64)
    leading = np.diff(doc, prepend=-1) != 0
    deltas = np.diff(doc[leading], prepend=int(index.doc[first - 1]) if first > start else 0)
    text, offsets = _encode_postings(deltas, index.level[first:after][leading].astype(np.int64))
    index.offset[first:after] = offsets[np.cumsum(leading) - 1] + cut[0]
    index.offset[after:end] += len(text) - (cut[1] - cut[0])
    index.doc_freq[rank] += np.count_nonzero(leading) - before
    score = float(index.top[rank] * idf[index.doc_freq[rank]])
    postings = f"{postings[: cut[0]]}{text}{postings[cut[1] :]}"
    name = index.names[rank]
    return f'"{name}":[{round(score, 3)!r},"{postings}"],', len(name) + len(postings) + 14


def _region(doc: np.ndarray, start: int, end: int, span: list[int]) -> tuple[int, int]:
    """The entries ``doc[start:end]`` of the postings of papers ``span[0]`` to ``span[1]`` and of
    the next posting."""
    first = bisect.bisect_left(doc, span[0], start, end)
    after = bisect.bisect_right(doc, span[1], start, end)
    if after < end:
        after = bisect.bisect_right(doc, doc[after], after, end)
    return first, after


def _idf(total: int) -> np.ndarray:
    """BM25's IDF of a term in each number of papers, 0 to ``total``."""
    frequencies = np.arange(total + 1)
    idf: np.ndarray = np.log(1 + (total - frequencies + 0.5) / (frequencies + 0.5))
    return idf


def _group_end(names: list[str], start: int) -> int:
    """Where the group (first two characters) of ``names[start]`` ends."""
    group = names[start][:2]
    if len(group) < 2:
        return start + 1  # a one-character term is alone in its group
    return bisect.bisect_left(names, group[0] + chr(ord(group[1]) + 1), lo=start)


def _group_layout(index: _Index, group: str) -> list[tuple[str, int]]:
    names = index.names
    start = bisect.bisect_left(names, group)
    if start == len(names) or names[start][:2] != group:
        return []  # every term of the group is gone
    return _layout(names, index.sizes, start, _group_end(names, start), 2)


def _layout(names: list[str], sizes: np.ndarray, start: int, end: int, depth: int) -> list[tuple[str, int]]:
    """The shards (key, number of terms) of ``names[start:end]``: grouped by their first ``depth``
    characters, a group too large split by one more character, its key's own term kept apart."""
    keys = [name[:depth] for name in names[start:end]]
    firsts = [0, *itertools.compress(range(1, len(keys)), map(operator.ne, keys[1:], keys))]
    group_sizes = np.add.reduceat(sizes[start:end], firsts).tolist()
    shards: list[tuple[str, int]] = []
    for first, stop, size in zip(firsts, [*firsts[1:], len(keys)], group_sizes, strict=True):
        key = keys[first]
        exact = len(names[start + first]) <= depth  # (the key's own term sorts first)
        if size <= SHARD_BYTES or depth >= MAX_KEY or (exact and stop - first == 1):
            shards.append((key, stop - first))
        else:
            if exact:
                shards.append((key, 1))
            shards += _layout(names, sizes, start + first + exact, start + stop, depth + 1)
    return shards


def _chunks(catalog: Catalog, index: _Index, old: _Index | None, fresh: np.ndarray) -> None:
    """The facet and result chunks and the manifest of ``index``: a chunk is kept from ``old``
    when it has the same unchanged papers and what it shows of the catalog did not change."""
    papers = catalog.papers
    total = len(papers)
    kinds = list(index.kinds)
    # Which papers' numbers now hold another paper, or one read again.
    moved = fresh.copy()
    if old is not None and index.ids != old.ids:
        common = min(total, len(old.ids))
        moved[:common] |= np.fromiter(map(operator.ne, index.ids[:common], old.ids[:common]), dtype=bool, count=common)
        moved[common:] = True

    same_facets = old is not None and (old.venues, old.kinds, old.topics) == (index.venues, index.kinds, index.topics)
    if old is not None and same_facets:
        codes = list(old.facet_codes[:total]) + [""] * max(0, total - len(old.facet_codes))
        redo = np.flatnonzero(moved).tolist()
    else:
        codes, redo = [""] * total, range(total)
    topic_number = {entry.id: i for i, entry in enumerate(catalog.topics)}
    venue_number = {slug: i for i, (slug, _) in enumerate(index.venues)}
    for number in redo:
        paper = papers[number]
        terms = catalog.paper_terms[paper.id]
        flags = (1 if paper.links.code else 0) | (kinds.index(paper.kind) << 1 if kinds else 0)
        values = [flags, venue_number[terms.venue.slug] + 1 if terms.venue else 0, len(terms.topics)]
        values += [topic_number[t.id] for t in terms.topics]
        codes[number] = "".join(map(_ENCODED.__getitem__, values))
    index.facet_codes = codes
    before_total = len(old.ids) if old is not None else 0
    index.facet_files = _chunk_files(
        old.facet_files if old is not None and same_facets else [], before_total, moved, FACET_CHUNK,
        lambda number, start: _script("f", number, "".join(codes[start : start + FACET_CHUNK])))
    index.doc_files = _chunk_files(
        old.doc_files if old is not None and old.topics == index.topics else [], before_total, moved, DOC_CHUNK,
        lambda number, start: _script("d", number, [_result_row(paper, catalog)
                                                   for paper in papers[start : start + DOC_CHUNK]]))

    first_of_year, number = [], 0
    for year in catalog.terms["years"]:  # (newest first, as papers are numbered)
        first_of_year.append([int(year.name), number])
        number += len(year.papers)
    manifest = {
        "papers": total,
        "shards": [[key, urls.search_file("t", key)] for key, _ in index.shards],
        "files": {part: urls.search_file(part, "%") for part in ("f", "d")},
        "years": first_of_year,
        "topics": [[entry_id, name] for entry_id, name, _ in index.topics],
        "venues": [[slug, name] for slug, name in index.venues],
        "kinds": kinds,
        "levels": LEVELS,
        "docChunk": DOC_CHUNK,
        "facetChunk": FACET_CHUNK,
        "stopWords": sorted(STOP_WORDS),
    }
    index.manifest = _script("m", "", manifest)


def _chunk_files(before: list[str], before_total: int, moved: np.ndarray, size: int,
                 make: Callable[[int, int], str]) -> list[str]:
    """The chunks of ``size`` papers: the one ``before`` (of ``before_total`` papers) where it has
    as many papers and none of them ``moved``, else ``make``'s."""
    total = len(moved)
    dirty = np.logical_or.reduceat(moved, np.arange(0, total, size)) if total else np.zeros(0, dtype=bool)
    return [before[number] if (number < len(before) and not dirty[number]
                               and min(start + size, total) == min(start + size, before_total))
            else make(number, start) for number, start in enumerate(range(0, total, size))]


def _files(index: _Index) -> tuple[tuple[str, str], ...]:
    """Every file of the index: the manifest, the term shards, the facet and result chunks."""
    files = [(urls.SEARCH_MANIFEST, index.manifest)]
    ends = np.cumsum([count for _, count in index.shards], dtype=np.int64)
    bounds = index.bounds[np.concatenate(([0], ends))].tolist()
    for number, (key, _) in enumerate(index.shards):
        members = index.fragments[bounds[number] : bounds[number + 1] - 1]  # (without the last comma)
        files.append((urls.search_file("t", key), f'CatalogSearch.add("t",{json.dumps(key)},{{{members}}});\n'))
    files += [(urls.search_file("f", number), text) for number, text in enumerate(index.facet_files)]
    files += [(urls.search_file("d", number), text) for number, text in enumerate(index.doc_files)]
    return tuple(files)


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


def _result_row(paper: Paper, catalog: Catalog) -> list[object]:
    terms = catalog.paper_terms[paper.id]
    return [urls.paper_url(paper.id), paper.title, presentation.byline(paper.authors),
            presentation.venue_year(paper.venue, paper.year), [[entry.name, entry.url] for entry in terms.topics],
            KIND_NAMES[paper.kind] if paper.kind != "paper" else ""]


_ID = operator.attrgetter("id")
_KIND = operator.attrgetter("kind")


def _script(kind: str, key: object, data: object) -> str:
    # "</" never appears inside a script, whatever a title says.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"CatalogSearch.add({json.dumps(kind)},{json.dumps(key)},{text});\n"

