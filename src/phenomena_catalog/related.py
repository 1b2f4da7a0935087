"""Related papers: for each paper, the most similar others by title, keywords and digest, and the
other papers of its authors. Deterministic (ties broken by id), and updated after an edit by
recomputing only what the edit reaches (``RelatedIndex``), with the same result as from scratch.

Similarity is the cosine of TF-IDF vectors (IDF rounded to quarter steps, see ``IDF_STEP``). A
paper's terms are its title's words and word pairs, its keywords (each whole keyword is one term,
and its words count too), its digest's words and word pairs and its topics, with field weights (a
title word counts more than a digest word)::

    >>> from phenomena_catalog.related import terms_of
    >>> counts = terms_of("Deep Double Descent", ["Double Descent"], "Bigger models hurt.", ["dd"])
    >>> counts["double descent"], counts["k:double descent"], counts["bigger model"], counts["t:dd"]
    (2, 3, 1, 1)

Scaling: no pair of papers is compared unless they share a term, found through an inverted index,
and the work per paper is bounded whatever the catalog's size: a paper looks for similar papers
through its ``QUERY_TERMS`` heaviest terms only, and each term reaches only the ``POSTING_CAP``
papers where it weighs most. A paper's score is then its dot product with each candidate over
those terms, which the heaviest terms dominate (on the bundled catalog 79% of the exact cosine's
top 6, as before IDF was rounded).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import operator
import re
import unicodedata
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from phenomena_catalog import packed
from phenomena_catalog.catalog import Catalog, paper_order
from phenomena_catalog.executors import Executor, Pending
from phenomena_catalog.models import Paper
from phenomena_catalog.text_memo import TextMemo

SIMILAR_LIMIT = 6
"""How many similar papers a paper page lists."""
SAME_AUTHORS_LIMIT = 6
"""How many other papers by the same authors a paper page lists."""
QUERY_TERMS = 24
"""A paper's heaviest terms that look for similar papers (see ``similar_papers``)."""
POSTING_CAP = 40
"""Papers per term that a query reaches: a term's heaviest holders (see ``RelatedIndex``)."""
POSTING_SLACK = 8
"""Holders a term keeps beyond its POSTING_CAP, so an update rarely needs all of a term's holders."""

TITLE_WEIGHT = 2
KEYWORD_WEIGHT = 3
KEYWORD_WORD_WEIGHT = 1
DIGEST_WEIGHT = 1
TOPIC_WEIGHT = 1

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_URL = re.compile(r"\]\([^)]*\)|https?://\S+")
STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
    "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
    "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "via", "using",
    "use", "used", "based", "show", "shows", "shown", "paper", "work", "study", "new", "towards", "toward",
    "approach", "method", "methods", "result", "results",
])


@dataclass(frozen=True, slots=True)
class RelatedPapers:
    """What one paper page shows under "Related papers" (one a paper: no ``__dict__`` each)."""

    similar: tuple[Paper, ...] = ()
    """The most similar papers, most similar first (ties: by id)."""
    same_authors: tuple[Paper, ...] = ()
    """Other papers sharing an author, newest first."""


class RelatedLists(Mapping[str, RelatedPapers]):
    """Each paper's related papers, by id, made when first asked for: a rebuild's pages ask for a few."""

    def __init__(self, by_slot: Sequence[Paper], slot_of: Mapping[str, int], similar: np.ndarray,
                 same: np.ndarray) -> None:
        self._by_slot, self._slot_of = by_slot, slot_of
        self._similar, self._same = similar, same
        """Each slot's similar and same-author papers, as slots (then -1s): the index's, copied."""
        self._made: dict[str, RelatedPapers] = {}
        self._ids: list[str] | None = None

    def ids(self, paper_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The ids of one paper's similar and same-author papers (``self[paper_id]``'s, in order),
        without making its ``RelatedPapers``: what planning a paper's page needs of them (made for
        every paper in a build from scratch, while only the process rendering a page makes its papers)."""
        ids = self._ids
        if ids is None:
            # Each slot's id, then "" for the -1s after a slot's papers (index -1: dropped by filter).
            ids = self._ids = [*map(_ID, self._by_slot), ""]
        slot = self._slot_of[paper_id]
        get = ids.__getitem__
        return (tuple(filter(None, map(get, self._similar[slot].tolist()))),
                tuple(filter(None, map(get, self._same[slot].tolist()))))

    def __getitem__(self, paper_id: str) -> RelatedPapers:
        found = self._made.get(paper_id)
        if found is None:
            slot = self._slot_of[paper_id]
            get = self._by_slot.__getitem__
            found = self._made[paper_id] = RelatedPapers(
                tuple(map(get, itertools.takewhile((-1).__ne__, self._similar[slot].tolist()))),
                tuple(map(get, itertools.takewhile((-1).__ne__, self._same[slot].tolist()))))
        return found

    def __iter__(self) -> Iterator[str]:
        return map(_ID, self._by_slot)

    def __len__(self) -> int:
        return len(self._by_slot)


def _stem(word: str) -> str:
    """A light plural rule, so "tickets" and "ticket" meet ("lotteries" -> "lottery")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _Stems(dict[str, str]):
    """Each word's term, made once per process ("" for a stop word or a single character)."""

    def __missing__(self, word: str) -> str:
        stem = self[word] = "" if word in STOPWORDS or len(word) < 2 else _stem(word)
        return stem


_STEMS = _Stems()
_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "-")})


def _words(text: str) -> list[str]:
    if "](" in text or "://" in text:
        text = _URL.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # Splitting at what is neither a letter, a digit nor a hyphen finds the same words as _WORD
    # unless a hyphen starts or ends one, and takes half the time.
    spaced = text.lower().translate(_SPACES)
    if "- " in spaced or " -" in spaced or "--" in spaced or spaced.startswith("-") or spaced.endswith("-"):
        words = _WORD.findall(spaced)
    else:
        words = spaced.split()
    # Every step after the split runs in C (map, filter).
    return list(filter(None, map(_STEMS.__getitem__, words)))


def terms_of(title: str, keywords: Iterable[str], digest: str | None, topics: Iterable[str]) -> Counter[str]:
    """A paper's weighted term counts (before IDF); keyword and topic terms are marked ``k:``/``t:``.

    Terms are counted in the order they first appear (title words, title pairs, each keyword's
    term and words, digest words, digest pairs, topics), a field's weight as that many copies:
    one ``Counter`` of one list, counted in C."""
    title_words = _words(title)
    found = title_words * TITLE_WEIGHT
    found += list(map(" ".join, pairwise(title_words))) * TITLE_WEIGHT
    for keyword in keywords:
        found += _keyword_terms(keyword)
    if digest:
        words = _words(digest)
        found += words * DIGEST_WEIGHT
        found += list(map(" ".join, pairwise(words))) * DIGEST_WEIGHT
    found += list(map("t:".__add__, topics)) * TOPIC_WEIGHT
    return Counter(found)


_KEYWORD_TERMS: dict[str, list[str]] = {}
"""Each keyword's share of ``terms_of``, made once per process (keywords come from a vocabulary)."""


def _keyword_terms(keyword: str) -> list[str]:
    found = _KEYWORD_TERMS.get(keyword)
    if found is None:
        words = _words(keyword)
        found = _KEYWORD_TERMS[keyword] = ["k:" + " ".join(words)] * KEYWORD_WEIGHT + words * KEYWORD_WORD_WEIGHT
    return found


_JOIN = " \x00 "
"""What ``_count_terms`` puts between two texts: a NUL, a word of its own (no record text has one)."""
_URL_JOINED = re.compile(r"\]\([^)\x00]*\)|https?://[^\s\x00]+")
"""``_URL`` within one of the texts ``_JOIN`` joined (a match never reaches into the next)."""


def _without_links(text: str) -> str:
    """``_URL_JOINED.sub(" ", text)``, in a third of the time: a match starts at a "](" or an
    "http", so only where ``str.find`` finds one is the pattern tried (the regular expression
    engine tries it at every character of a long text)."""
    pieces: list[str] = []
    find, match = text.find, _URL_JOINED.match
    done = at = 0
    while True:
        link, bare = find("](", at), find("http", at)
        if link < 0 and bare < 0:
            break
        at = bare if link < 0 or 0 <= bare < link else link
        found = match(text, at)
        if found is None:
            at += 1
            continue
        pieces += (text[done:at], " ")
        done = at = found.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
_BYTE_SPACES = bytes.maketrans(
    bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) in "-\x00")),
    b" " * sum(1 for c in range(128) if not (chr(c).isalnum() or chr(c) in "-\x00")))
"""``_SPACES`` for ASCII bytes, the NUL kept."""
_BYTE_WORD = re.compile(rb"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNT_BLOCK = 2000
"""Papers whose terms ``_count_terms`` counts at a time (a few arrays of their every word and pair)."""
_MARK, _ODD = -2, -3
_PACKED_LIMIT = 1 << 62
"""``_count_terms`` sorts (term, paper, place) as one number below this (each distinct: the values
alone are sorted, 2 to 3 times faster than finding their order), else (term, paper) as one number
below ``_KEY_LIMIT`` (its order found), else as two (a vocabulary of millions)."""
_KEY_LIMIT = 1 << 62


class _WordIds(dict[bytes, int]):
    """Each word of a text split at spaces, as the number of its term (-1: none, a stop word;
    ``_MARK`` for the NUL between texts; ``_ODD`` for a word that ``_WORD`` splits further, such
    as "-", "a--b" or "word-", whose terms' numbers ``odd`` holds)."""

    def __init__(self) -> None:
        super().__init__({b"\x00": _MARK})
        self.numbers: dict[str, int] = {}
        """Each term's number, by term, numbered as they come."""
        self.terms: list[str] = []
        """The terms, by number."""
        self.odd: dict[bytes, list[int]] = {}

    def number(self, term: str) -> int:
        found = self.numbers.get(term)
        if found is None:
            found = self.numbers[term] = len(self.terms)
            self.terms.append(term)
        return found

    def __missing__(self, word: bytes) -> int:
        if word.startswith(b"-") or word.endswith(b"-") or b"--" in word:
            self.odd[word] = [number for part in _BYTE_WORD.findall(word) if (number := self[part]) >= 0]
            found = _ODD
        else:
            stem = _STEMS[word.decode("ascii")]
            found = self.number(stem) if stem else -1
        self[word] = found
        return found


def _count_terms(by_id: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]]) -> Counted | None:
    """Every paper's ``terms_of``, counted in arrays: the terms in order of first appearance
    (among all papers' terms, each paper's in its ``terms_of`` order); the papers' entries one
    after the other, each paper's in its ``terms_of`` order, as their terms' places in that list
    (int32) and counts (float64); and each paper's number of entries. None when a text holds a
    NUL (``_JOIN``).

    ``_COUNT_BLOCK`` papers at a time: their titles and digests are read as one text (split in
    C, each word a number by one dict lookup), and their terms counted per paper by one sort."""
    ids = _WordIds()
    seen_codes = np.zeros(0, dtype=np.int64)
    """The terms met in earlier blocks, by code (a word's number, or a pair's ``(a + 1) << 32 | b``), sorted."""
    seen_columns = np.zeros(0, dtype=np.int64)
    names: list[str] = []
    """The terms met, in order of first appearance."""
    keyword_ids: dict[str, tuple[list[int], list[int]]] = {}
    cols, counts, lengths = [], [], []
    for first in range(0, len(by_id), _COUNT_BLOCK):
        block = by_id[first : first + _COUNT_BLOCK]
        m = len(block)
        texts = list(itertools.chain.from_iterable((paper.title, paper.digest or "") for paper in block))
        joined = _JOIN.join(texts)
        if joined.count("\x00") != len(texts) - 1:
            return None
        del texts
        if "](" in joined or "://" in joined:
            joined = _without_links(joined)
        data = (joined.encode("ascii") if joined.isascii()
                else unicodedata.normalize("NFKD", joined).encode("ascii", "ignore"))
        del joined
        words = data.lower().translate(_BYTE_SPACES).split()
        del data
        found = np.fromiter(map(ids.__getitem__, words), dtype=np.int64, count=len(words))
        if ids.odd:
            odd = np.flatnonzero(found == _ODD).tolist()
            if odd:
                pieces, last = [], 0
                for at in odd:
                    pieces += [found[last:at], np.array(ids.odd[words[at]], dtype=np.int64)]
                    last = at + 1
                pieces.append(found[last:])
                found = np.concatenate(pieces)
        del words
        segment = np.cumsum(found == _MARK)  # (a paper's title is segment 2 * its place, its digest the next)
        kept = found >= 0
        word, segment = found[kept], segment[kept]
        del found, kept
        within = segment[1:] == segment[:-1]
        pair_a, pair_b, pair_segment = word[:-1][within], word[1:][within], segment[:-1][within]
        # Keywords (each one's term, then its words) and topics, by paper.
        k_ids: list[int] = []
        k_weights: list[int] = []
        k_lengths: list[int] = []
        t_ids: list[int] = []
        t_lengths: list[int] = []
        for paper in block:
            before = len(k_ids)
            for keyword in keywords_of(paper):
                got = keyword_ids.get(keyword)
                if got is None:
                    terms = _keyword_terms(keyword)
                    unique = list(dict.fromkeys(terms))
                    got = keyword_ids[keyword] = (list(map(ids.number, unique)), list(map(terms.count, unique)))
                k_ids += got[0]
                k_weights += got[1]
            k_lengths.append(len(k_ids) - before)
            t_ids += map(ids.number, map("t:".__add__, paper.topics))
            t_lengths.append(len(paper.topics))
        size = len(ids.terms)  # (every term of the block is numbered: a pair is size + a * size + b)
        local = np.arange(m, dtype=np.int64)
        title, pair_title = segment % 2 == 0, pair_segment % 2 == 0
        # The block's terms as terms_of meets them, paper by paper: its title's words, the title's
        # pairs, its keywords, its digest's words, the digest's pairs and its topics. Each part's
        # terms are by paper; ``place`` is each term's place in that stream.
        parts: list[tuple[np.ndarray, np.ndarray, Any]] = [
            (segment[title] // 2, word[title], TITLE_WEIGHT),
            (pair_segment[pair_title] // 2, size + pair_a[pair_title] * size + pair_b[pair_title], TITLE_WEIGHT),
            (np.repeat(local, k_lengths), np.array(k_ids, dtype=np.int64), np.array(k_weights, dtype=np.int64)),
            (segment[~title] // 2, word[~title], DIGEST_WEIGHT),
            (pair_segment[~pair_title] // 2, size + pair_a[~pair_title] * size + pair_b[~pair_title],
             DIGEST_WEIGHT),
            (np.repeat(local, t_lengths), np.array(t_ids, dtype=np.int64), TOPIC_WEIGHT),
        ]
        del word, segment, pair_a, pair_b, pair_segment, title, pair_title
        per_part = np.stack([np.bincount(part[0], minlength=m) for part in parts], axis=1)  # (papers x parts)
        ends = np.cumsum(per_part.ravel()).reshape(m, len(parts))
        part_starts = ends - per_part  # where each paper's part starts in the stream
        holder = np.concatenate([part[0] for part in parts])  # (a paper's place in the block)
        code = np.concatenate([part[1] for part in parts])
        weight = np.concatenate([np.broadcast_to(part[2], len(part[0])) for part in parts])
        place = np.concatenate([part_starts[part[0], j] + np.arange(len(part[0]))
                                - np.repeat(np.cumsum(per_part[:, j]) - per_part[:, j], per_part[:, j])
                                for j, part in enumerate(parts)])
        del parts, per_part, ends, part_starts
        # Each (term, paper) once: sorted by term, then paper; a group's first place is where the
        # paper first has the term.
        place_bits = max(len(place) - 1, 1).bit_length()
        if (size + 1) * size * m << place_bits < _PACKED_LIMIT:
            # (term, paper, place) side by side in one number: each distinct, values alone sorted
            key = code * m + holder
            key <<= place_bits
            key |= place
            key.sort()
            sorted_place = key & ((1 << place_bits) - 1)
            key >>= place_bits
            starts = np.flatnonzero(np.diff(key, prepend=-1))
            group_code, group_paper = np.divmod(key[starts], m)
            first_place = sorted_place[starts]  # (the lowest of its group)
            by_place = np.empty(len(place), dtype=weight.dtype)
            by_place[place] = weight
            total = np.add.reduceat(by_place[sorted_place], starts)
            del key, sorted_place, by_place, weight, code
        elif (size + 1) * size * m < _KEY_LIMIT:
            key = code * m + holder
            order = np.argsort(key)
            key = key[order]
            starts = np.flatnonzero(np.diff(key, prepend=-1))
            group_code, group_paper = np.divmod(key[starts], m)
            del key
        else:  # (a vocabulary of millions of words)
            order = np.lexsort((holder, code))
            sorted_code, sorted_paper = code[order], holder[order]
            starts = np.flatnonzero((np.diff(sorted_code, prepend=-1) != 0) | (np.diff(sorted_paper, prepend=-1) != 0))
            group_code, group_paper = sorted_code[starts], sorted_paper[starts]
            del sorted_code, sorted_paper
        if (size + 1) * size * m << place_bits >= _PACKED_LIMIT:
            total = np.add.reduceat(weight[order], starts)
            place_sorted = place[order]
            first_place = np.minimum.reduceat(place_sorted, starts)
            del order, weight, code, place_sorted
        # The block's distinct terms, each one's column: an earlier block's, or the next ones by
        # where the term is first met in this block.
        runs = np.flatnonzero(np.diff(group_code, prepend=-1))
        term_code = group_code[runs]
        pair = term_code >= size
        stable = term_code.copy()
        stable[pair] = ((term_code[pair] - size) // size + 1) << 32 | (term_code[pair] - size) % size
        at = np.minimum(np.searchsorted(seen_codes, stable), max(len(seen_codes) - 1, 0))
        known = seen_codes[at] == stable if len(seen_codes) else np.zeros(len(stable), dtype=bool)
        column = np.where(known, seen_columns[at] if len(seen_codes) else 0, -1)
        new = np.flatnonzero(~known)
        new = new[np.argsort(first_place[runs[new]])]
        column[new] = np.arange(len(names), len(names) + len(new))
        named = ids.terms
        for number in stable[new].tolist():
            if number < 1 << 32:
                names.append(named[number])
            else:
                names.append(f"{named[(number >> 32) - 1]} {named[number & 0xFFFFFFFF]}")
        seen_codes = np.concatenate([seen_codes, stable[new]])
        seen_columns = np.concatenate([seen_columns, column[new]])
        by_code = np.argsort(seen_codes, kind="stable")
        seen_codes, seen_columns = seen_codes[by_code], seen_columns[by_code]
        group_column = np.repeat(column, np.diff(np.append(runs, len(group_code))))
        # The entries in the order they are first met: each (term, paper)'s place among the firsts.
        first_met = np.zeros(len(place), dtype=bool)
        first_met[first_place] = True
        entry = (np.cumsum(first_met) - 1)[first_place]
        block_cols = np.empty(len(first_place), dtype=np.int32)
        block_cols[entry] = group_column
        block_counts = np.empty(len(first_place))
        block_counts[entry] = total
        cols.append(block_cols)
        counts.append(block_counts)
        lengths.append(np.bincount(group_paper, minlength=m))
    if not cols:
        return [], np.zeros(0, dtype=np.int32), np.zeros(0), np.zeros(0, dtype=np.int64)
    return names, np.concatenate(cols), np.concatenate(counts), np.concatenate(lengths)


Counted = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]
"""``_count_terms``' result: the terms, and the entries' columns and counts and each paper's number of them."""

AHEAD_SHARE = 0.25
"""The share of the papers (the last ones by id) whose terms another process counts
(``TermCounting``). At 10,000 papers, counting every paper's terms takes about 0.6 s of CPU time;
the other process then checks the records (0.35-0.45 s) and writes the parse results to the next
cache (0.2 s), in turn, while this one indexes the catalog and makes every paper's terms (0.25-0.35
s) once its share is counted. That process's side should be the longer by a little: this one
then waits for the counts while the search index already runs on the other core, where with the
shorter side that core idles until the index stage is done. (Traced at 10k with both processes
at a real-time priority, i.e. alone on the machine, CPU s there/here: 0.75/0.61 at 35%, the wait
0.13 s; 0.74/0.77 and 0.91/0.81 at 25%, a wait of 0.05 s. 15% when the three ran at once in
three processes.)"""


class CountedAhead:
    """Every paper's term counts (``_count_terms``), counted before the index stage, the first
    papers by id in the build's process and the others in another (``count_terms_ahead``)."""

    def __init__(self, ids: tuple[str, ...], here: Counted | None, beside: Pending[Counted | None]) -> None:
        self.ids = ids
        """The papers' ids, in the order they were counted (by id)."""
        self._here: Counted | None = here
        self._beside: Pending[Counted | None] | None = beside

    def result(self) -> Counted | None:
        """The counts of every paper, as ``_count_terms`` counts them all at once (each term
        numbered by where it first appears: those of the first papers, then the others' new ones
        in the order the other process met them); None when a text holds a NUL. Asked for once:
        the counts are then the caller's (this holds them no longer: 100 MB at 50,000 papers)."""
        assert self._beside is not None, "asked for twice"
        here, beside = self._here, self._beside.result()
        self._here = self._beside = None
        if here is None or beside is None:
            return None
        names, cols, counts, lengths = here
        names_beside, cols_beside, counts_beside, lengths_beside = beside
        number = dict(zip(names, itertools.count()))
        column = np.fromiter(map(number.get, names_beside, itertools.repeat(-1)), dtype=np.int64,
                             count=len(names_beside))
        new = np.flatnonzero(column < 0)
        column[new] = np.arange(len(names), len(names) + len(new))
        return ([*names, *map(names_beside.__getitem__, new.tolist())],
                np.concatenate([cols, column[cols_beside].astype(np.int32)]),
                np.concatenate([counts, counts_beside]), np.concatenate([lengths, lengths_beside]))


class TermCounting:
    """Counting every paper's terms (``RelatedIndex.update``'s first step, afresh) before the
    catalog is indexed, in two shares: the last ``AHEAD_SHARE`` of the papers by id in another
    process (``beside``, started by the caller), the others here (``here``, which takes what the
    other process will give). ``keywords_of``: a paper's keywords as the index will name them
    (``catalog.keyword_names``)."""

    def __init__(self, papers: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]]) -> None:
        self._by_id = sorted(papers, key=_ID)
        self._first = len(self._by_id) - int(len(self._by_id) * AHEAD_SHARE)
        self._keywords_of = keywords_of
        self.size = len(self._by_id) - self._first
        """The papers whose terms ``beside`` counts."""

    def beside(self) -> Counted | None:
        """The other process's share of the counts."""
        return _count_terms(self._by_id[self._first :], self._keywords_of)

    def here(self, beside: Pending[Counted | None]) -> CountedAhead:
        """This process's share, counted now, and the other's, ``beside`` (``beside``'s, started)."""
        return CountedAhead(tuple(map(_ID, self._by_id)), _count_terms(self._by_id[: self._first], self._keywords_of),
                            beside)


def count_terms_ahead(papers: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]],
                      executor: Executor) -> CountedAhead:
    """Start counting every paper's terms before the catalog is indexed (``TermCounting``): the
    other process's share started with ``Executor.start``, this one's counted now."""
    counting = TermCounting(papers, keywords_of)
    return counting.here(executor.start(counting.beside, counting.size))


@dataclass(frozen=True, slots=True)
class PaperTermCounts:
    """One paper's weighted term counts (``terms_of``) in a compact form: what an incremental build
    keeps for a paper whose text did not change (``paper_term_counts``). Two objects a paper,
    however long its text, so a cache of 10,000 pickles in a few milliseconds."""

    terms: str
    """The terms, one a line (terms are words, pairs of words and topic ids)."""
    counts: bytes
    """Each term's count, as doubles."""


def paper_term_counts(paper: Paper, keywords: Sequence[str], memo: TextMemo[PaperTermCounts] | None = None
                      ) -> PaperTermCounts:
    """A paper's term counts from its title, canonical keywords, digest and topics; remembered in
    ``memo`` by that text."""
    def make() -> PaperTermCounts:
        counts = terms_of(paper.title, keywords, paper.digest, paper.topics)
        return PaperTermCounts("\n".join(counts), array("d", counts.values()).tobytes())

    if memo is None:
        return make()
    return memo.get((paper.title, paper.digest or "", str(len(keywords)), *keywords, *paper.topics), make)


def _count_each(by_id: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]],
                memo: TextMemo[PaperTermCounts] | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """``_count_terms``'s result, paper by paper: each paper's ``paper_term_counts`` (remembered in
    ``memo``), for a build that keeps them, or ``terms_of`` when a text holds a NUL."""
    # A term is first numbered by where it first appears among all papers' terms (setdefault
    # and map run in C), then renumbered 0, 1, 2... in that order.
    first_seen: dict[str, int] = {}
    positions = itertools.count()
    cols = array("q")
    counts = array("d")
    lengths = array("q")
    if memo is not None and memo.remembers:
        for paper in by_id:
            paper_counts = paper_term_counts(paper, keywords_of(paper), memo)
            if paper_counts.terms:
                cols.extend(map(first_seen.setdefault, paper_counts.terms.split("\n"), positions))
            counts.frombytes(paper_counts.counts)
            lengths.append(len(paper_counts.counts) // counts.itemsize)
    else:
        for paper in by_id:
            found = terms_of(paper.title, keywords_of(paper), paper.digest, paper.topics)
            cols.extend(map(first_seen.setdefault, found, positions))
            counts.extend(found.values())
            lengths.append(len(found))
    # Entry indexes are 32-bit and each temporary array is dropped as soon as it has served:
    # there are 8 million entries at 50,000 papers.
    renumber = np.zeros(len(cols) + 1, dtype=np.int32)
    renumber[np.fromiter(first_seen.values(), dtype=np.int64, count=len(first_seen))] = np.arange(len(first_seen))
    col = renumber[np.frombuffer(cols, dtype=np.int64)]
    del renumber, cols
    return list(first_seen), col, np.frombuffer(counts), np.frombuffer(lengths, dtype=np.int64)


IDF_STEP = 0.25
"""IDF is log(papers / papers with the term) rounded to quarter steps: a term's weight changes only
when an edit moves its count of papers across a step, which for a term many papers hold is rare
(see ``RelatedIndex``)."""
WEIGHT_SCALE = float(1 << 24)
"""Weights are whole multiples of 1 / WEIGHT_SCALE (stored as the whole numbers), so each product of
two is below 2**48 and any sum of QUERY_TERMS products is exact in a double: a score is the same
whatever the order it is summed in, in a full computation or for one row alone."""
SLACK = 8
"""Candidates a paper keeps beyond the ones it shows, so an update rarely needs its whole row again."""
_FULL_SHARE = 8
"""An update that would change more than 1/_FULL_SHARE of the rows computes everything instead."""
SCORE_CHUNK = 512
"""Rows ``_score_all`` scores at a time (two processes claim them: small enough that they end together)."""
_DENSE_PAPERS = 2500
"""Up to this many papers, scores are summed into a table of rows by papers (``_score_all``)."""
_DENSE_CELLS = 1 << 21
"""Cells of that table at a time (16 MB)."""
_DENSE_ROWS = 256
"""Rows of that table at a time: a row has at most QUERY_TERMS * POSTING_CAP products, so a few MB
of products (all 1,000 rows of a 1,000-paper catalog at once took 29 MB more at the build's peak)."""


def prepare_related_papers(papers: int) -> None:
    """Import what computing the related papers of ``papers`` papers afresh needs (scipy's sparse
    matrices, above ``_DENSE_PAPERS``: 0.1 s), ahead of time: while another process reads the
    records (``records.start_load``), rather than while the other process waits for these."""
    if papers > _DENSE_PAPERS:
        import scipy.sparse  # type: ignore[import-untyped]  # noqa: F401


def _done() -> None:
    """Nothing left to collect."""


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    """Each term's IDF from its count of papers ``df`` (see IDF_STEP); a term most papers hold weighs 0."""
    idf: np.ndarray = np.log(n / np.maximum(df, 1))
    idf /= IDF_STEP
    np.round(idf, out=idf)
    idf *= IDF_STEP
    np.maximum(idf, 0.0, out=idf)
    return idf


def _unnormed(cols: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Entries' weights before their rows are scaled to unit length: (1 + log count) * IDF."""
    u: np.ndarray = np.log(counts, dtype=np.float64)
    u += 1.0  # every field weight is >= 1
    u *= idf[cols]
    return u


def _scaled(u: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Entries' weights in whole units of 1 / WEIGHT_SCALE, their rows (``norms``, one an entry) of unit length."""
    w = np.zeros_like(u)
    np.divide(u, norms, out=w, where=norms > 0)
    w *= WEIGHT_SCALE
    np.round(w, out=w)
    # At least one unit where the term weighs anything: an entry weighs 0 exactly when its IDF is 0.
    np.maximum(w, u > 0, out=w)
    return w


def _norms(rows: np.ndarray, u: np.ndarray, n: int) -> np.ndarray:
    """Each row's length; ``rows`` holds each of the n rows' every entry, in order (summed in that order)."""
    return np.sqrt(np.bincount(rows, weights=u * u, minlength=n))


def _places(group: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries by group, heaviest first (weights in whole units of 1 / WEIGHT_SCALE; equal
    weights keep the input order), and each one's place in its group.

    One sort of whole numbers: ``group``, ``WEIGHT_SCALE - weight`` (25 bits) and the entry's index,
    side by side in 64 bits when they fit (each key distinct: values alone are sorted, the fastest
    sort numpy has), else the first two, stably.
    """
    size = len(group)
    if not size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = group.astype(np.int64) << _WEIGHT_BITS
    key += int(WEIGHT_SCALE)
    key -= weight.astype(np.int64)
    index_bits = max(size - 1, 1).bit_length()
    if (int(group.max()) + 1) << (_WEIGHT_BITS + index_bits) <= 1 << _PLACES_BITS:
        key <<= index_bits
        key |= np.arange(size, dtype=np.int64)
        key.sort()
        order = key & ((1 << index_bits) - 1)
        key >>= _WEIGHT_BITS + index_bits
        return order, _group_places(key)
    order = np.argsort(key, kind="stable")
    del key
    return order, _group_places(group[order])


_WEIGHT_BITS = int(WEIGHT_SCALE).bit_length()
"""Bits of ``WEIGHT_SCALE - weight`` (a weight is a whole number from 0 to WEIGHT_SCALE)."""
_PLACES_BITS = 63
"""Bits ``_places`` packs a group, a weight and an index into (a non-negative int64)."""


def _group_places(sorted_group: np.ndarray) -> np.ndarray:
    """Each entry's place in its group, for entries sorted by group: its index minus where the group starts."""
    first = np.flatnonzero(np.diff(sorted_group, prepend=sorted_group[:1] - 1))
    starts = np.repeat(first, np.diff(np.append(first, len(sorted_group))))
    return np.arange(len(sorted_group)) - starts


def _top_per_group(group: np.ndarray, weight: np.ndarray, keep: int) -> np.ndarray:
    """Indexes, ascending, of the ``keep`` heaviest entries of each group (see ``_places``: equal
    weights by index)."""
    if len(group) > keep and not np.any(group[1:] < group[:-1]) and weight.min() >= 0:
        return _top_per_sorted_group(group, weight, keep)
    order, place = _places(group, weight)
    return np.sort(order[place < keep])


_HEAVY_CELLS = 1 << 21
"""Cells of ``_top_per_sorted_group``'s table of groups by entries at a time (16 MB)."""


def _top_per_sorted_group(group: np.ndarray, weight: np.ndarray, keep: int) -> np.ndarray:
    """``_top_per_group`` of entries grouped already (``group`` ascending, as each row's entries
    are) whose weights are not negative, without sorting them (the sort was a fifth of related
    papers' time): each group's ``keep``-th heaviest weight is found by one partition of a table of
    the groups' weights (a group a line, padded with -1; a few groups at a time); the entries
    heavier than it are kept, and as many of those as heavy as it as the group has room for, the
    first ones."""
    starts = np.flatnonzero(np.diff(group, prepend=group[0] - 1))
    lengths = np.diff(np.append(starts, len(group)))
    threshold = np.full(len(starts), -1.0)  # (a group of up to ``keep`` entries keeps them all)
    wide = np.flatnonzero(lengths > keep)
    first = 0
    while first < len(wide):
        lines = wide[first : first + max(1, _HEAVY_CELLS // int(lengths[wide[first]]))]
        widest = int(lengths[lines].max())
        lines = lines[: max(1, _HEAVY_CELLS // widest)]
        first += len(lines)
        line_lengths = lengths[lines]
        entries, line = _spans(starts[lines], starts[lines] + line_lengths)
        table = np.full((len(lines), widest), -1.0)
        table[line, entries - np.repeat(starts[lines], line_lengths)] = weight[entries]
        threshold[lines] = np.partition(table, widest - keep, axis=1)[:, widest - keep]
    line = np.repeat(np.arange(len(starts)), lengths)
    at = threshold[line]
    heavier = weight > at
    tied = weight == at
    room = keep - np.bincount(line[heavier], minlength=len(starts))  # (for entries as heavy as the threshold)
    tied_before = np.cumsum(tied) - tied  # (tied entries before each, from the first group on)
    tied_before -= tied_before[starts][line]
    return np.flatnonzero(heavier | (tied & (tied_before < room[line])))


def _likely_best(indptr: np.ndarray, candidates: np.ndarray, scores: np.ndarray, keep: int) -> np.ndarray:
    """The entries of a CSR structure's rows that may be among their row's ``keep`` highest
    scores (scores are positive), ascending: those at least as high as the lowest of the highest
    scores of ``keep`` groups of the row's entries (by candidate modulo ``keep``: each group's
    highest is another entry, so at least ``keep`` entries reach it; a row with an empty group
    keeps every entry)."""
    lengths = np.diff(indptr)
    group = np.repeat(np.arange(len(lengths), dtype=np.int64) * keep, lengths)
    group += candidates % keep
    highest = np.full(len(lengths) * keep, -1.0)
    np.maximum.at(highest, group, scores)
    del group
    threshold = highest.reshape(-1, keep).min(axis=1)
    return np.flatnonzero(scores >= np.repeat(threshold, lengths))


def _best_per_row(rows: np.ndarray, candidates: np.ndarray, scores: np.ndarray, keep: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``keep`` best candidates of each row, by score (highest first) then slot (lowest
    first), for entries grouped by row (``rows`` ascending): their rows, candidates, scores and
    places (0 for a row's best), in order of row then place.

    Each row's keep-th best score is found by one partition of a table of the rows' scores (a
    row a line, padded with -1: scores are positive); only entries at least that high are sorted.
    """
    if len(rows) == 0:
        return rows, candidates, scores, rows
    starts = np.flatnonzero(np.diff(rows, prepend=rows[0] - 1))
    lengths = np.diff(np.append(starts, len(rows)))
    widest = int(lengths.max())
    if widest > keep:
        table = np.full((len(starts), widest), -1.0)
        line = np.repeat(np.arange(len(starts)), lengths)
        table[line, np.arange(len(rows)) - starts[line]] = scores
        threshold = np.partition(table, widest - keep, axis=1)[:, widest - keep]
        del table
        best = scores >= threshold[line]  # (ties at the edge included)
        rows, candidates, scores = rows[best], candidates[best], scores[best]
    order = np.lexsort((candidates, -scores, rows))
    rows, candidates, scores = rows[order], candidates[order], scores[order]
    place = _group_places(rows)
    kept = place < keep
    return rows[kept], candidates[kept], scores[kept], place[kept]


def _entries_of(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entry indexes of ``rows`` of a CSR structure, in order, and each one's place in ``rows``."""
    return _spans(indptr[rows], indptr[rows + 1])


def _spans(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indexes of the ranges [starts[k], stops[k]) one after the other, and each one's k."""
    lengths = stops - starts
    local = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.arange(len(local)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offsets, local


def _weight_at(keys: np.ndarray, weights: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The weight of each of ``wanted`` among sorted ``keys`` (-1 where it is not one of them)."""
    at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    if not len(keys):
        return np.full(len(wanted), -1.0)
    return np.where(keys[at] == wanted, weights[at].astype(np.float64), -1.0)


def _replace_rows(indptr: np.ndarray, arrays: list[np.ndarray], rows: Sequence[int],
                  new: list[list[np.ndarray]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """A CSR structure with ``rows`` (ascending) replaced: ``new[k][r]`` is array k's entries of row rows[r]."""
    pieces: list[list[np.ndarray]] = [[] for _ in arrays]
    lengths = np.diff(indptr)
    last = 0
    for r, row in enumerate(rows):
        for k, array_ in enumerate(arrays):
            pieces[k].append(array_[last:indptr[row]])
            pieces[k].append(new[k][r].astype(array_.dtype, copy=False))
        lengths[row] = len(new[0][r])
        last = indptr[row + 1]
    for k, array_ in enumerate(arrays):
        pieces[k].append(array_[last:])
    return (np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            [np.concatenate(parts) for parts in pieces])


class _Numbers(dict[str, int]):
    """Each key's number, numbered 0, 1, 2... as they are first asked for (in insertion order)."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number


class RelatedIndex:
    """Each paper's similar papers, and what it takes to update them after an edit: the same result
    as a computation from scratch, bit for bit, but only the rows an edit reaches are computed again.

    Papers are rows ("slots") in id order. What a row's similar papers depend on:

    - its own term counts (kept as a sparse matrix, one row a paper, in the paper's term order);
    - each term's IDF, from how many papers hold it (``_idf``): rounded, so an edit changes the IDF
      of the terms it adds or removes only when their count crosses a step, which for common
      terms is rare; a term whose IDF changes changes the rows of the papers holding it;
    - its length (norm), summed over its own entries in its own order;
    - the capped postings of its query terms: the ``POSTING_CAP`` heaviest holders of each term,
      ties by slot, never by a term's number, so numbering terms in order of appearance (and
      appending new ones) changes nothing.

    Scores are sums of products of whole numbers (``WEIGHT_SCALE``): exact, so a row scored alone
    gets the score a full computation gives. Each row keeps its ``limit + SLACK`` best candidates
    and a bound (the best candidate it does not keep); each term keeps its ``POSTING_CAP +
    POSTING_SLACK`` heaviest holders and a bound the same way, so an edit need not look at every
    holder of a common term. An edit then recomputes the rows whose entries changed, updates the
    stored holders of their terms, re-scores exactly the (row, candidate) pairs whose capped
    postings changed, and recomputes a row (or a term's holders) whole only when what it keeps no
    longer decides its top ``limit`` (or its capped postings). Adding or removing a paper changes
    every IDF: that recomputes everything.
    """

    def __init__(self, similar_limit: int = SIMILAR_LIMIT, author_limit: int = SAME_AUTHORS_LIMIT) -> None:
        self.similar_limit, self.author_limit = similar_limit, author_limit
        self.limit = similar_limit + author_limit
        """Candidates a row's list is made from: a paper listed among its authors' is not repeated."""
        self.width = self.limit + SLACK
        self.changed: frozenset[str] | None = None
        """The papers whose related papers the last update changed (None: every paper's, or unknown)."""
        self.rows_recomputed = 0
        """Rows the last update scored in full (for benchmarks)."""
        self._slot_of: dict[str, int] = {}
        """Each paper's slot (row), by id: papers in id order when the index was last computed whole."""
        self._authors: list[Sequence[str]] = []
        """Each slot's authors (the paper's own list: not a copy)."""
        self._placed = np.zeros(0, dtype=np.int64)
        """A digest of each slot's authors and place in the catalog's order (``_placing``): what
        tells an edit that moved a paper among its authors' papers."""
        self._terms: dict[str, int] = {}
        """Each term's number (column): by first appearance, then as they come."""
        self._df = np.zeros(0, dtype=np.int32)
        self._idf = np.zeros(0)
        self._indptr = np.zeros(1, dtype=np.int64)
        self._cols = np.zeros(0, dtype=np.int32)
        self._counts = np.zeros(0, dtype=np.float32)
        self._norms = np.zeros(0)
        self._qptr = np.zeros(1, dtype=np.int64)
        self._qcol = np.zeros(0, dtype=np.int32)
        self._qw = np.zeros(0, dtype=np.float32)
        self._pkeys = np.zeros(0, dtype=np.int64)
        """Each term's stored holders, its POSTING_CAP + POSTING_SLACK heaviest: term * papers + slot,
        ascending; ``_pw`` their weights."""
        self._pw = np.zeros(0, dtype=np.float32)
        self._pin = np.zeros(0, dtype=bool)
        """Whether a stored holder is among its term's POSTING_CAP heaviest (the capped postings)."""
        self._cbound_w = np.zeros(0, dtype=np.float32)
        self._cbound_slot = np.zeros(0, dtype=np.int32)
        """Each term's heaviest holder that is not stored (slot n: none; every other holder ranks lower)."""
        self._single = np.zeros(0, dtype=np.int32)
        """The only holder of each term one paper holds (-1 for other terms)."""
        self._top_slot = np.zeros((0, self.width), dtype=np.int32)
        self._top_score = np.zeros((0, self.width))
        self._bound_slot = np.zeros(0, dtype=np.int32)
        self._bound_score = np.zeros(0)
        self._same = np.zeros((0, author_limit), dtype=np.int32)
        """Each slot's other papers by the same authors, newest first (then -1s)."""
        self._author_lists: dict[str, list[int]] | None = defaultdict(list)
        """Each author's papers, newest first (``_by_author``; None: not made from ``_author_buckets`` yet)."""
        self._author_buckets: dict[int, tuple[tuple[str, tuple[int, ...]], ...]] | None = None
        """The same, as the build cache keeps it (``__getstate__``), while they are the same."""
        self._similar = np.zeros((0, similar_limit), dtype=np.int32)
        """Each slot's shown similar papers, most similar first (then -1s)."""
        self._digests: dict[str, str] | None = None
        """Each paper's record digest, when the last update was given them."""
        self._context: object = None
        self._n = 0
        self._kept: dict[str, packed.Kept] = {}
        """The packed tables this index was read from (``__setstate__``): writing it again reuses
        their blocks that did not change (``packed.repack_rows``)."""

    # -- the whole catalog ----------------------------------------------------------------------

    def update(self, papers: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]],
               memo: TextMemo[PaperTermCounts] | None = None, digests: Mapping[str, str] | None = None,
               context: object = None, executor: Executor | None = None,
               ahead: CountedAhead | None = None) -> RelatedLists:
        """Each paper's related papers, by id, the index updated to ``papers``.

        ``keywords_of`` gives a paper's canonical keywords, and ``context`` is what they depend on
        besides the paper (the vocabulary); ``memo`` keeps term counts by text (``text_memo``).
        ``digests``: each paper's record digest, so only papers whose digest changed are looked at
        (without it, every paper is compared with what the index last saw). ``executor``: another
        process scores rows beside this one when everything is computed afresh (``_score_all``).
        ``ahead``: the papers' term counts, counted already (``count_terms_ahead``), for a computation afresh.
        """
        by_id = self._by_slot(papers)
        moved: list[int] = []
        moved_same: set[int] = set()
        self.rows_recomputed = 0
        if by_id is None:
            by_id = sorted(papers, key=_ID)
            self._slot_of = {}
            scored = self._compute(by_id, keywords_of, memo, executor, ahead)
            self._compute_authors(by_id)  # (while another process scores rows, if one does)
            scored()
            rows: set[int] | None = None
            slot_of = dict(zip(map(_ID, by_id), itertools.count()))
        else:
            slot_of = self._slot_of
            last = self._digests
            if digests is None or context != self._context or last is None:
                looked_at: list[int] = list(range(len(by_id)))
            elif digests == last:
                looked_at = []
            else:
                looked_at = sorted(slot_of[paper_id] for paper_id, digest in digests.items()
                                   if last[paper_id] != digest)
            self._slot_of = {}  # (until the update is done: one that fails half way is not built upon)
            moved = [slot for slot in looked_at if _placing(by_id[slot]) != self._placed[slot]]
            rows = self._edit(looked_at, by_id, keywords_of, memo) if looked_at else set()
            if rows is None:
                self._compute_authors(by_id)
            elif moved:
                moved_same = self._move_authors(moved, by_id)
                rows |= moved_same
        self._slot_of, self._context = slot_of, context
        self._digests = dict(digests) if digests is not None else None
        return self._assemble(by_id, slot_of, rows, moved_same)

    def _by_slot(self, papers: Sequence[Paper]) -> list[Paper] | None:
        """``papers`` by slot, or None when they are not the papers the index has (all recomputed)."""
        try:
            slots = np.fromiter(map(self._slot_of.__getitem__, map(_ID, papers)), dtype=np.int64, count=len(papers))
        except KeyError:  # a new paper
            return None
        if len(slots) != len(self._slot_of) or (len(slots) and np.bincount(slots).max() > 1):
            return None  # (a paper gone, or an id twice)
        return list(map(papers.__getitem__, np.argsort(slots).tolist()))

    def _compute(self, by_id: list[Paper], keywords_of: Callable[[Paper], Sequence[str]],
                 memo: TextMemo[PaperTermCounts] | None, executor: Executor | None = None,
                 ahead: CountedAhead | None = None) -> Callable[[], None]:
        """Everything from scratch but the same-author lists. The counts go straight into typed arrays,
        a block of papers at a time (``_count_terms``; or one paper at a time, ``_count_each``):
        holding every paper's Counter at once took 1.2 GB at 50,000 papers. Returns what collects
        the rows another process scores (``_score_all``): call it before reading any row. ``ahead``:
        the counts made already, if they are of these papers (``count_terms_ahead``)."""
        n = self._n = len(by_id)
        # (nothing to remember: every paper's counts at once, in arrays; else each paper's, kept)
        if memo is not None and memo.remembers:
            counted = None
        elif ahead is not None and ahead.ids == tuple(map(_ID, by_id)):
            counted = ahead.result()
        else:
            counted = _count_terms(by_id, keywords_of)
        if counted is None:
            counted = _count_each(by_id, keywords_of, memo)
        terms, col, counts, lengths = counted
        del counted
        self._terms = dict(zip(terms, itertools.count()))
        del terms
        self._indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=self._indptr[1:])
        self._cols = col
        self._counts = packed.compact_counts(counts)
        del counts
        self._df = np.bincount(col, minlength=len(self._terms)).astype(np.int32)
        self._idf = _idf(self._df, n)
        row = np.repeat(np.arange(n, dtype=np.int32), lengths)
        u = _unnormed(col, self._counts, self._idf)
        self._norms = _norms(row, u, n)
        weight = _scaled(u, self._norms[row])
        del u
        single = self._df[col] == 1
        self._single = np.full(len(self._terms), -1, dtype=np.int32)
        self._single[col[single]] = row[single]
        live = (weight > 0) & ~single  # a term one paper holds matches no other
        del single
        row, col, weight = row[live], col[live], weight[live]
        del live
        self._set_queries(row, col, weight, n)
        order, place = _places(col, weight)
        stored = place < POSTING_CAP + POSTING_SLACK
        beyond = order[place == POSTING_CAP + POSTING_SLACK]
        self._cbound_w = np.zeros(len(self._terms), dtype=np.float32)
        self._cbound_slot = np.full(len(self._terms), n, dtype=np.int32)
        self._cbound_w[col[beyond]], self._cbound_slot[col[beyond]] = weight[beyond], row[beyond]
        order, place = order[stored], place[stored]
        postings = self._set_postings(col[order], row[order], weight[order], place, n)
        del row, col, weight, order, place, stored, beyond
        self._top_slot = np.full((n, self.width), -1, dtype=np.int32)
        self._top_score = np.zeros((n, self.width))
        self._bound_slot = np.full(n, n, dtype=np.int32)
        self._bound_score = np.zeros(n)
        self.rows_recomputed = n
        return self._score_all(n, postings, executor)

    def _set_queries(self, row: np.ndarray, col: np.ndarray, weight: np.ndarray, n: int) -> None:
        """Each row's QUERY_TERMS heaviest entries (ties: the paper's own term order), as CSR."""
        query = _top_per_group(row, weight, QUERY_TERMS)
        self._qptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row[query], minlength=n), out=self._qptr[1:])
        self._qcol, self._qw = col[query], weight[query].astype(np.float32)

    def _set_postings(self, col: np.ndarray, slot: np.ndarray, weight: np.ndarray, place: np.ndarray, n: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keep each term's stored holders (``_pkeys``, ``_pw``, ``_pin``: its place < POSTING_CAP);
        returns the capped postings by term (CSR: where each term's start, their slots and weights)."""
        keys = col.astype(np.int64) * n + slot  # (one a term and slot: by term, then by slot)
        at = np.argsort(keys)
        self._pkeys = keys[at]
        self._pw = weight[at].astype(np.float32)  # whole numbers below 2**24: exact
        self._pin = place[at] < POSTING_CAP
        capped = self._pkeys[self._pin]
        starts = np.searchsorted(capped, np.arange(len(self._terms) + 1, dtype=np.int64) * n)
        return starts, capped % n, weight[at][self._pin]

    def _score_all(self, n: int, postings: tuple[np.ndarray, np.ndarray, np.ndarray],
                   executor: Executor | None = None) -> Callable[[], None]:
        """Every row's best candidates: its query weights times its query terms' capped postings,
        summed (whole numbers: exact in any order) ``SCORE_CHUNK`` rows at a time, by sparse matrix
        products (scipy), or for a catalog of up to ``_DENSE_PAPERS`` papers into a table of
        rows by papers (numpy: no scipy to import, a tenth of a second).

        With an ``executor``, a forked process scores chunks from the first on while this one scores
        them from the last on, until the two meet (``Executor.from_both_ends``: each chunk is scored
        once, however busy either process is). Returns what collects the other process's rows into
        this one's (a row's best candidates are the same whichever process scores it)."""
        starts, slots, weights = postings
        keep = self.width + 1
        if n <= _DENSE_PAPERS:
            chunk = max(1, min(_DENSE_CELLS // max(n, 1), _DENSE_ROWS))
            for first in range(0, n, chunk):
                last = min(first + chunk, n)
                entries = slice(self._qptr[first], self._qptr[last])
                cols = self._qcol[entries]
                taken, which = _spans(starts[cols], starts[cols + 1])
                cells = np.repeat(np.arange(last - first), np.diff(self._qptr[first : last + 1]))[which] * n
                cells += slots[taken]
                table = np.bincount(cells, weights=self._qw[entries][which].astype(np.float64) * weights[taken],
                                    minlength=(last - first) * n)
                found = np.flatnonzero(table)  # (every product is positive)
                self._keep_chunk(first, np.searchsorted(found, np.arange(last - first + 1) * n), found % n,
                                 table[found], keep)
            return _done
        import scipy.sparse  # imported here: only this stage needs it (``prepare_related_papers``)

        postings_matrix = scipy.sparse.csr_matrix((weights, slots, starts), shape=(len(self._terms), n))
        queries = scipy.sparse.csr_matrix((self._qw.astype(np.float64), self._qcol, self._qptr),
                                          shape=(n, len(self._terms)))

        def score(first: int) -> int:
            scores = (queries[first : first + SCORE_CHUNK] @ postings_matrix).tocsr()
            self._keep_chunk(first, scores.indptr, scores.indices, scores.data, keep)
            return first

        chunks = range(0, n, SCORE_CHUNK)
        if executor is None or len(chunks) < 2:
            for first in chunks:
                score(first)
            return _done
        beside = executor.from_both_ends(score, chunks, hand_back=self._rows_of, size=n)

        def collect() -> None:
            for first, top_slot, top_score, bound_slot, bound_score in beside.result():
                rows = slice(first, first + len(top_slot))
                self._top_slot[rows], self._top_score[rows] = top_slot, top_score
                self._bound_slot[rows], self._bound_score[rows] = bound_slot, bound_score

        return collect

    def _rows_of(self, firsts: Iterable[int]) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """What ``_score_all`` keeps of each ``SCORE_CHUNK`` rows from each of ``firsts`` on (made
        while they are iterated), as it is then."""
        return [(first, self._top_slot[first : first + SCORE_CHUNK], self._top_score[first : first + SCORE_CHUNK],
                 self._bound_slot[first : first + SCORE_CHUNK], self._bound_score[first : first + SCORE_CHUNK])
                for first in firsts]

    def _keep_chunk(self, first: int, indptr: np.ndarray, candidates: np.ndarray, scores: np.ndarray,
                    keep: int) -> None:
        """Keep the best candidates of the rows from ``first`` on, each one's every candidate and
        score given as a CSR structure (``indptr``: where each row's start)."""
        entries = _likely_best(indptr, candidates, scores, keep + 1)  # (one more: a row's own slot)
        rows = np.searchsorted(indptr, entries, side="right") - 1 + first
        self._keep_best(np.arange(first, first + len(indptr) - 1), rows, candidates[entries], scores[entries])

    def _keep_best(self, whole: np.ndarray, rows: np.ndarray, candidates: np.ndarray, scores: np.ndarray) -> None:
        """Keep the best ``width`` candidates of the rows ``whole`` and each one's bound (the best
        of the others), from their every candidate and score (grouped by row: ``rows``)."""
        self._top_slot[whole] = -1
        self._top_score[whole] = 0.0
        self._bound_slot[whole], self._bound_score[whole] = self._n, 0.0
        kept = (candidates != rows) & (scores > 0)
        rows, candidates, scores, place = _best_per_row(rows[kept], candidates[kept], scores[kept], self.width + 1)
        top = place < self.width
        self._top_slot[rows[top], place[top]] = candidates[top]
        self._top_score[rows[top], place[top]] = scores[top]
        bound = ~top
        self._bound_slot[rows[bound]], self._bound_score[rows[bound]] = candidates[bound], scores[bound]

    # -- an edit --------------------------------------------------------------------------------

    def _edit(self, looked_at: list[int], by_id: list[Paper], keywords_of: Callable[[Paper], Sequence[str]],
              memo: TextMemo[PaperTermCounts] | None) -> set[int] | None:
        """Update the index after the papers in ``looked_at`` (slots) may have changed their text;
        the rows whose best candidates may have changed, or None when everything was computed again."""
        n = self._n = len(by_id)
        terms = self._terms  # (a term first met is numbered after the others)
        edited, new_cols, new_counts = [], [], []
        for slot in looked_at:
            paper_counts = paper_term_counts(by_id[slot], keywords_of(by_id[slot]), memo)
            words = paper_counts.terms.split("\n") if paper_counts.terms else []
            cols = np.array([terms.setdefault(term, len(terms)) for term in words], dtype=np.int32)
            counts = np.frombuffer(paper_counts.counts).astype(np.float32)
            start, stop = self._indptr[slot], self._indptr[slot + 1]
            if np.array_equal(cols, self._cols[start:stop]) and np.array_equal(counts, self._counts[start:stop]):
                continue  # the same terms: a change elsewhere in the record
            edited.append(slot)
            new_cols.append(cols)
            new_counts.append(counts)
        if not edited:
            return set()
        if self._counts.dtype == np.uint16 and packed.count_type(new_counts) is not np.uint16:
            self._counts = self._counts.astype(np.float32)  # (a count too large for 16 bits)
        total = len(terms)
        if total > len(self._df):  # new terms, numbered after the others
            grow = total - len(self._df)
            self._df = np.concatenate([self._df, np.zeros(grow, dtype=np.int32)])
            self._idf = np.concatenate([self._idf, np.zeros(grow)])
            self._cbound_w = np.concatenate([self._cbound_w, np.zeros(grow, dtype=np.float32)])
            self._cbound_slot = np.concatenate([self._cbound_slot, np.full(grow, n, dtype=np.int32)])
            self._single = np.concatenate([self._single, np.full(grow, -1, dtype=np.int32)])
        slots = np.array(edited, dtype=np.int64)
        old_cols = self._cols[_entries_of(self._indptr, slots)[0]]
        added = np.concatenate(new_cols)
        touched = packed.distinct(np.concatenate([old_cols, added]))
        old_df, old_idf = self._df[touched], self._idf[touched]
        np.subtract.at(self._df, old_cols, 1)
        np.add.at(self._df, added, 1)
        new_df = self._df[touched]
        idf = _idf(new_df, n)
        self._idf[touched] = idf
        # A term whose IDF changed, or that one paper or more than one now holds, changes the rows
        # of the papers holding it; a term one paper holds now needs its holder.
        shifted = (idf != old_idf) | ((old_df > 1) != (new_df > 1))
        asked = shifted | (new_df == 1)
        edited_mask = np.zeros(n, dtype=bool)
        edited_mask[slots] = True
        holder_cols, holder_slots = self._holders(touched[asked], old_df[asked], old_idf[asked], edited_mask, n)
        self._indptr, (self._cols, self._counts) = _replace_rows(self._indptr, [self._cols, self._counts], edited,
                                                                 [new_cols, new_counts])
        lone = touched[new_df == 1]
        self._single[touched] = -1
        self._single[holder_cols[packed.within(holder_cols, lone)]] = holder_slots[packed.within(holder_cols, lone)]
        now = np.concatenate(new_cols)
        now_slots = np.repeat(slots, [len(cols) for cols in new_cols])
        alone = packed.within(now, lone)
        self._single[now[alone]] = now_slots[alone]
        shifted = touched[shifted]

        # The rows whose entries changed: the edited ones and those holding a term whose IDF changed.
        # (``np.union1d``, ``np.isin``: their ``np.unique`` imports numpy.ma, 9-13 ms of an edit's process)
        changed = packed.distinct(np.concatenate([slots, holder_slots[packed.within(holder_cols, shifted)]]))
        if len(changed) * _FULL_SHARE > n:
            self._compute(by_id, keywords_of, memo)()
            return None
        entries, local = _entries_of(self._indptr, changed)
        entry_cols = self._cols[entries]
        u = _unnormed(entry_cols, self._counts[entries], self._idf)
        self._norms[changed] = _norms(local, u, len(changed))
        weight = _scaled(u, self._norms[changed][local])
        live = (weight > 0) & (self._df[entry_cols] > 1)
        local, entry_cols, weight = local[live], entry_cols[live], weight[live]
        query = _top_per_group(local, weight, QUERY_TERMS)
        q_local, q_col, q_w = local[query], entry_cols[query], weight[query]
        bounds = np.searchsorted(q_local, np.arange(len(changed) + 1))
        self._qptr, (self._qcol, self._qw) = _replace_rows(
            self._qptr, [self._qcol, self._qw], changed.tolist(),
            [[q_col[a:b] for a, b in itertools.pairwise(bounds)], [q_w[a:b] for a, b in itertools.pairwise(bounds)]])
        moved = self._update_postings(packed.distinct(np.concatenate([old_cols, self._cols[entries]])), shifted,
                                      changed, entry_cols, changed[local], weight, n)
        moved_cols, moved_slots = moved // n, moved % n  # by term

        # Rows querying a term whose postings changed: re-score exactly the candidates that moved.
        lut = np.zeros(total, dtype=bool)
        lut[moved_cols] = True
        querying = np.flatnonzero(lut[self._qcol])
        query_rows = np.searchsorted(self._qptr, querying, side="right") - 1
        query_cols = self._qcol[querying]
        spans, which = _spans(np.searchsorted(moved_cols, query_cols), np.searchsorted(moved_cols, query_cols, "right"))
        rows, candidates = query_rows[which], moved_slots[spans]
        whole = np.zeros(n, dtype=bool)
        whole[changed] = True
        wanted = ~whole[rows] & (rows != candidates)
        pairs = packed.distinct(rows[wanted] * n + candidates[wanted])
        recompute = set(changed.tolist())
        merged = self._rescore(pairs // n, pairs % n, n, recompute)
        self._score_rows(sorted(recompute), n)
        self.rows_recomputed = len(recompute)
        return recompute | merged

    def _holders(self, cols: np.ndarray, df: np.ndarray, idf: np.ndarray, edited: np.ndarray, n: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The papers, not ``edited``, that held each of ``cols`` before the edit (which held
        ``df`` papers, of IDF ``idf``): as pairs (column, slot). Read from the stored holders when
        they are all of them, else found by a scan of every entry."""
        lows = np.searchsorted(self._pkeys, cols.astype(np.int64) * n)
        highs = np.searchsorted(self._pkeys, cols.astype(np.int64) * n + n)
        complete = (self._cbound_slot[cols] == n) & (idf > 0) & (df > 1)
        stored, _ = _spans(lows[complete], highs[complete])
        found_cols, found_slots = [self._pkeys[stored] // n], [self._pkeys[stored] % n]
        found_cols.append(cols[df == 1])
        found_slots.append(self._single[cols[df == 1]])
        rest = cols[~complete & (df > 1)]
        if len(rest):
            lut = np.zeros(len(self._df), dtype=bool)
            lut[rest] = True
            held = np.flatnonzero(lut[self._cols])
            found_cols.append(self._cols[held])
            found_slots.append(np.searchsorted(self._indptr, held, side="right") - 1)
        col, slot = np.concatenate(found_cols), np.concatenate(found_slots)
        keep = (slot >= 0) & ~edited[np.maximum(slot, 0)]
        return col[keep].astype(np.int64), slot[keep].astype(np.int64)

    def _update_postings(self, cols: np.ndarray, shifted: np.ndarray, changed: np.ndarray,
                         new_cols: np.ndarray, new_slots: np.ndarray, new_w: np.ndarray, n: int) -> np.ndarray:
        """Update the stored holders of ``cols`` (every term of a changed row, before and after)
        once the rows ``changed`` have the live entries (``new_cols``, ``new_slots``, ``new_w``);
        the (term * papers + slot) keys whose capped posting changed: new, gone or reweighed.

        A changed holder enters a term's stored holders if it ranks above the term's bound and
        leaves them if not; a term whose stored holders fall below POSTING_CAP while others exist
        is computed again from all its holders. A term whose IDF changed (``shifted``) has only
        changed rows as holders: computed from them alone."""
        keep = POSTING_CAP + POSTING_SLACK
        lows = np.searchsorted(self._pkeys, cols.astype(np.int64) * n)
        highs = np.searchsorted(self._pkeys, cols.astype(np.int64) * n + n)
        old, _ = _spans(lows, highs)
        old_keys, old_w, old_in = self._pkeys[old], self._pw[old], self._pin[old]
        whole = np.zeros(n, dtype=bool)
        whole[changed] = True
        is_shifted = np.zeros(len(self._df), dtype=bool)
        is_shifted[shifted] = True
        stays = ~whole[old_keys % n] & ~is_shifted[old_keys // n]
        bound_w, bound_slot = self._cbound_w[new_cols], self._cbound_slot[new_cols]
        enter = is_shifted[new_cols] | (new_w > bound_w) | ((new_w == bound_w) & (new_slots < bound_slot))
        col = np.concatenate([old_keys[stays] // n, new_cols[enter]])
        slot = np.concatenate([old_keys[stays] % n, new_slots[enter]])
        weight = np.concatenate([old_w[stays].astype(np.float64), new_w[enter]])
        order = np.lexsort((slot, -weight, col))
        col, slot, weight = col[order], slot[order], weight[order]
        place = _group_places(col)
        # The bound of a term that had more than ``keep``: its first holder not kept.
        cut = place == keep
        self._cbound_w[shifted] = 0.0
        self._cbound_slot[shifted] = n
        self._cbound_w[col[cut]], self._cbound_slot[col[cut]] = weight[cut], slot[cut]
        counts = np.searchsorted(col, cols, side="right") - np.searchsorted(col, cols)
        short = cols[(counts < POSTING_CAP) & (self._cbound_slot[cols] != n)]
        kept = place < keep
        col, slot, weight, place = col[kept], slot[kept], weight[kept], place[kept]
        if len(short):  # too few kept holders to know the capped postings: all of those terms' holders
            lut = np.zeros(len(self._df), dtype=bool)
            lut[short] = True
            redo = ~lut[col]
            col, slot, weight, place = col[redo], slot[redo], weight[redo], place[redo]
            held = np.flatnonzero(lut[self._cols])
            held_slots = np.searchsorted(self._indptr, held, side="right") - 1
            held_cols = self._cols[held]
            held_w = _scaled(_unnormed(held_cols, self._counts[held], self._idf), self._norms[held_slots])
            live = (held_w > 0) & (self._df[held_cols] > 1)
            held_cols, held_slots, held_w = held_cols[live], held_slots[live], held_w[live]
            order = np.lexsort((held_slots, -held_w, held_cols))
            held_cols, held_slots, held_w = held_cols[order], held_slots[order], held_w[order]
            held_place = _group_places(held_cols)
            self._cbound_w[short], self._cbound_slot[short] = 0.0, n
            cut = held_place == keep
            self._cbound_w[held_cols[cut]], self._cbound_slot[held_cols[cut]] = held_w[cut], held_slots[cut]
            kept = held_place < keep
            col = np.concatenate([col, held_cols[kept]])
            slot = np.concatenate([slot, held_slots[kept]])
            weight = np.concatenate([weight, held_w[kept]])
            place = np.concatenate([place, held_place[kept]])
        new_keys = col.astype(np.int64) * n + slot
        order = np.argsort(new_keys)
        new_keys, weight, inside = new_keys[order], weight[order], place[order] < POSTING_CAP
        rest_keys = np.delete(self._pkeys, old)
        at = np.searchsorted(rest_keys, new_keys)
        self._pkeys = np.insert(rest_keys, at, new_keys)
        self._pw = np.insert(np.delete(self._pw, old), at, weight.astype(np.float32))
        self._pin = np.insert(np.delete(self._pin, old), at, inside)
        # The (term, slot) capped postings that changed: new, gone, or of another weight.
        before_keys, before_w = old_keys[old_in], old_w[old_in]
        after_keys, after_w = new_keys[inside], weight[inside]
        keys = packed.distinct(np.concatenate([before_keys, after_keys]))  # (``np.union1d``, without numpy.ma)
        moved: np.ndarray = keys[_weight_at(before_keys, before_w, keys) != _weight_at(after_keys, after_w, keys)]
        return moved

    def _rescore(self, rows: np.ndarray, candidates: np.ndarray, n: int, recompute: set[int]) -> set[int]:
        """Merge the exact new scores of the pairs (``rows[k]``, ``candidates[k]``) into the rows'
        kept candidates; a row whose kept candidates no longer decide its top ``limit`` is added
        to ``recompute``. The rows whose kept candidates changed."""
        if not len(rows):
            return set()
        entries, local = _entries_of(self._qptr, rows)
        keys = self._qcol[entries].astype(np.int64) * n + candidates[local]
        at = np.minimum(np.searchsorted(self._pkeys, keys), len(self._pkeys) - 1)
        products = np.where((self._pkeys[at] == keys) & self._pin[at],
                            self._qw[entries].astype(np.float64) * self._pw[at], 0.0)
        scores = np.bincount(local, weights=products, minlength=len(rows))  # whole numbers: exact
        # Only pairs that change a row's kept candidates matter: a kept one whose score changed or
        # that falls below the bound, an unkept one that rises above it.
        match = self._top_slot[rows] == candidates[:, None]
        kept = match.any(axis=1)
        was = (self._top_score[rows] * match).sum(axis=1)
        bound_score, bound_slot = self._bound_score[rows], self._bound_slot[rows]
        above = (scores > 0) & ((scores > bound_score) | ((scores == bound_score) & (candidates < bound_slot)))
        matters = np.flatnonzero((above & (~kept | (scores != was))) | (~above & kept))
        merged = set()
        for i, found in itertools.groupby(matters.tolist(), key=rows.tolist().__getitem__):
            best = dict(zip(self._top_slot[i].tolist(), self._top_score[i].tolist(), strict=True))
            best.pop(-1, None)
            for k in found:
                if above[k]:
                    best[int(candidates[k])] = float(scores[k])
                else:
                    del best[int(candidates[k])]
            ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
            if len(ranked) < self.limit and self._bound_slot[i] != n:
                recompute.add(i)  # an unkept candidate may now be among the best: score the row whole
                continue
            if len(ranked) > self.width:
                self._bound_slot[i], self._bound_score[i] = ranked[self.width]
                ranked = ranked[: self.width]
            self._top_slot[i] = -1
            self._top_score[i] = 0.0
            self._top_slot[i, : len(ranked)] = [j for j, _ in ranked]
            self._top_score[i, : len(ranked)] = [score for _, score in ranked]
            merged.add(i)
        return merged

    def _score_rows(self, rows: list[int], n: int) -> None:
        """Score ``rows`` whole, as ``_score_all`` does (the same exact sums)."""
        if not rows:
            return
        slots = np.array(rows, dtype=np.int64)
        entries, local = _entries_of(self._qptr, slots)
        cols = self._qcol[entries].astype(np.int64) * n
        postings, which = _spans(np.searchsorted(self._pkeys, cols), np.searchsorted(self._pkeys, cols + n))
        capped = self._pin[postings]
        postings, which = postings[capped], which[capped]
        keys = local[which] * n + self._pkeys[postings] % n  # (row's place, candidate)
        products = self._qw[entries][which].astype(np.float64) * self._pw[postings]
        unique, inverse = np.unique(keys, return_inverse=True)
        scores = np.bincount(inverse, weights=products, minlength=len(unique))  # whole numbers: exact
        self._keep_best(slots, slots[unique // n], unique % n, scores)

    # -- what pages show ------------------------------------------------------------------------

    def _compute_authors(self, by_id: list[Paper]) -> None:
        """Every paper's other papers by the same authors (see ``same_author_papers``), for all
        papers at once: each author's first ``author_limit + 1`` papers (newest first) are the only
        ones that can be among another's, so each paper's candidates are those of its authors,
        sorted by the catalog's order once."""
        n = len(by_id)
        self._authors = [paper.authors for paper in by_id]
        order = list(map(_newest_first, by_id))
        self._placed = np.fromiter(map(_placing, by_id, order), dtype=np.int64, count=n)
        newest = sorted(range(n), key=order.__getitem__)  # (slots, newest first)
        del order
        rank = np.empty(n, dtype=np.int64)
        rank[newest] = np.arange(n)
        # Each paper's distinct authors, papers newest first; authors numbered as met.
        distinct = [tuple(dict.fromkeys(self._authors[slot])) for slot in newest]
        numbers = _Numbers()
        member_author = np.fromiter(map(numbers.__getitem__, itertools.chain.from_iterable(distinct)), dtype=np.int64)
        member_slot = np.repeat(np.array(newest, dtype=np.int64), list(map(len, distinct)))
        del distinct
        # Each author's papers, newest first (a stable sort keeps that order among one author's).
        by_author = np.argsort(member_author, kind="stable")
        author_slots = member_slot[by_author]
        bounds = np.searchsorted(member_author[by_author], np.arange(len(numbers) + 1))
        listed = author_slots.tolist()
        self._by_author = defaultdict(list, zip(numbers, map(listed.__getitem__, itertools.starmap(
            slice, itertools.pairwise(bounds.tolist()))), strict=True))
        # Each paper's candidates: the first author_limit + 1 papers of each of its authors.
        first = self.author_limit + 1
        heads = np.minimum(np.diff(bounds), first)
        taken, which = _spans(bounds[member_author], bounds[member_author] + heads[member_author])
        slot, other = member_slot[which], author_slots[taken]
        del taken, which
        keep = slot != other
        pairs = np.sort(slot[keep] * n + rank[other[keep]])  # (by paper, then newest first)
        pairs = pairs[np.diff(pairs, prepend=-1) != 0]  # (each once)
        del slot, other, keep
        slot, other_rank = np.divmod(pairs, n)
        place = _group_places(slot)
        shown = place < self.author_limit
        self._same = np.full((n, self.author_limit), -1, dtype=np.int32)
        self._same[slot[shown], place[shown]] = np.array(newest, dtype=np.int32)[other_rank[shown]]

    def _same_of(self, slot: int, key: Callable[[int], Any]) -> list[int]:
        # Each author's list is newest first, so only its first limit + 1 papers can matter.
        first = self.author_limit + 1
        near = {j for author in dict.fromkeys(self._authors[slot]) for j in self._by_author[author][:first]}
        near.discard(slot)
        return sorted(near, key=key)[: self.author_limit]

    @property
    def _by_author(self) -> dict[str, list[int]]:
        """Each author's papers, newest first: made from the build cache's buckets when first
        needed (an edit that moves no paper among its authors' papers never needs them)."""
        if self._author_lists is None:
            assert self._author_buckets is not None
            self._author_lists = defaultdict(list, {author: list(found) for bucket in self._author_buckets.values()
                                                    for author, found in bucket})
        return self._author_lists

    @_by_author.setter
    def _by_author(self, lists: dict[str, list[int]]) -> None:
        self._author_lists, self._author_buckets = lists, None

    def _move_authors(self, moved: list[int], by_id: list[Paper]) -> set[int]:
        """Update the same-author lists after the papers ``moved`` changed authors or place in the
        catalog's order; the papers whose list changed."""
        self._by_author = self._by_author  # (changed in place below: the kept buckets no longer hold)
        def key(slot: int) -> tuple[int, int, str, str]:
            return _newest_first(by_id[slot])

        authors = set()
        for slot in moved:
            for author in dict.fromkeys(self._authors[slot]):
                self._by_author[author].remove(slot)
                authors.add(author)
            self._authors[slot], self._placed[slot] = by_id[slot].authors, _placing(by_id[slot])
        for slot in moved:
            for author in dict.fromkeys(self._authors[slot]):
                bisect.insort(self._by_author[author], slot, key=key)
                authors.add(author)
        changed = set()
        for author in authors:
            for slot in self._by_author.get(author, ()):
                same = self._same_of(slot, key)
                same += [-1] * (self.author_limit - len(same))
                if same != self._same[slot].tolist():
                    self._same[slot] = same
                    changed.add(slot)
        return changed

    def _assemble(self, by_id: list[Paper], slot_of: dict[str, int], rows: set[int] | None,
                  moved_same: set[int]) -> RelatedLists:
        """Each paper's related papers (``RelatedLists``: made when a page asks, from this build's
        papers); ``changed`` says which papers' lists differ from the last update's (``rows``:
        those that may differ, None: all; ``moved_same``: those whose same-author papers changed)."""
        n = len(by_id)
        if rows is None:
            self._similar = np.full((n, self.similar_limit), -1, dtype=np.int32)
            slots = np.arange(n)
            moved_same = set(range(n))
        else:
            slots = np.array(sorted(rows), dtype=np.int64)
        # A row's best candidates but those listed among its same-author papers, in order.
        top = self._top_slot[slots, : self.limit]
        alike = (top >= 0) & ~(top[:, :, None] == self._same[slots][:, None, :]).any(axis=2)
        first = np.argsort(~alike, axis=1, kind="stable")[:, : self.similar_limit]
        similar = np.where(np.take_along_axis(alike, first, axis=1), np.take_along_axis(top, first, axis=1), -1)
        differs = (similar != self._similar[slots]).any(axis=1)
        self._similar[slots[differs]] = similar[differs]
        changed = moved_same.union(slots[differs].tolist())
        self.changed = frozenset(by_id[slot].id for slot in changed)
        return RelatedLists(by_id, slot_of, self._similar.copy(), self._same.copy())

    # -- as the build cache keeps it -------------------------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        """The index in a few tables, each entry a block of slots' or terms' rows (``packed``), and
        a few small values: ``cache_store`` writes the blocks an edit changed as a small delta
        instead of the whole index."""
        n, terms = self._n, len(self._df)
        slots: dict[str, np.ndarray] = {
            "norm": self._norms, "bound_slot": self._bound_slot, "bound_score": self._bound_score,
            "top_slot": self._top_slot, "top_score": self._top_score, "same": self._same,
            "similar": self._similar, "placed": self._placed}
        term_rows = {"df": self._df, "cbound_w": self._cbound_w, "cbound_slot": self._cbound_slot,
                     "single": self._single}
        pterm = self._pkeys // max(n, 1)
        pstarts = np.searchsorted(pterm, np.arange(terms + 1))
        ids: list[str | None] = [None] * n
        for paper_id, slot in self._slot_of.items():
            ids[slot] = paper_id
        if self._author_buckets is None:
            by_author: dict[int, list[tuple[str, tuple[int, ...]]]] = defaultdict(list)
            for author, found in self._by_author.items():
                if found:
                    by_author[_bucket(author)].append((author, tuple(found)))
            self._author_buckets = {bucket: tuple(sorted(found)) for bucket, found in by_author.items()}
        kept = self._kept
        return {
            "limits": (self.similar_limit, self.author_limit, self.width, n, str(self._counts.dtype), terms),
            "context": self._context,
            "ids": packed.blocks(ids),
            "digests": packed.pack_by_key(self._digests, ids),
            "authors": packed.blocks(list(map(tuple, self._authors))),
            "by_author": self._author_buckets,
            "terms": packed.blocks(list(self._terms)),  # (numbered in order: by first appearance)
            "term_rows": packed.repack_fixed(term_rows, _TERM_ROW, kept.get("term_rows")),
            "rows": packed.repack_rows(self._indptr, {"col": self._cols, "count": self._counts},
                                       _row_dtype(self._counts.dtype), kept.get("rows")),
            "queries": packed.repack_rows(self._qptr, {"col": self._qcol, "weight": self._qw}, _QUERY,
                                          kept.get("queries")),
            "postings": packed.repack_rows(pstarts, {"slot": self._pkeys - pterm * n, "weight": self._pw,
                                                     "inside": self._pin}, _POSTING, kept.get("postings")),
            "slots": packed.repack_fixed(slots, self._slot_dtype(), kept.get("slots")),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        similar_limit, author_limit, width, n, counts_dtype, _ = state["limits"]
        self.__init__(similar_limit, author_limit)  # type: ignore[misc]
        self.width, self._n, self._context = width, n, state["context"]
        terms = state["limits"][5]
        self._terms = dict(zip(packed.unblocks(state["terms"], terms), itertools.count()))
        ids = packed.unblocks(state["ids"], n)
        self._slot_of = {} if None in ids else dict(zip(ids, range(n), strict=True))
        self._digests = packed.unpack_by_key(state["digests"], ids)
        self._authors = packed.unblocks(state["authors"], n)
        self._author_lists, self._author_buckets = None, state["by_author"]
        kept = self._kept = {
            "term_rows": packed.unpack_kept(state["term_rows"], terms, _TERM_ROW),
            "rows": packed.unpack_kept(state["rows"], n, _row_dtype(np.dtype(counts_dtype))),
            "queries": packed.unpack_kept(state["queries"], n, _QUERY),
            "postings": packed.unpack_kept(state["postings"], terms, _POSTING),
            "slots": packed.unpack_kept(state["slots"], n, self._slot_dtype())}
        if len(kept["term_rows"].entries) != terms or len(kept["slots"].entries) != n:
            raise ValueError("the related papers' index is damaged")
        term_rows = kept["term_rows"].entries
        self._df, self._single = packed.column(term_rows, "df"), packed.column(term_rows, "single")
        self._cbound_w = packed.column(term_rows, "cbound_w")
        self._cbound_slot = packed.column(term_rows, "cbound_slot")
        self._idf = _idf(self._df, n)
        self._indptr, entries = kept["rows"].indptr.copy(), kept["rows"].entries
        self._cols, self._counts = packed.column(entries, "col"), packed.column(entries, "count")
        self._qptr, entries = kept["queries"].indptr.copy(), kept["queries"].entries
        self._qcol, self._qw = packed.column(entries, "col"), packed.column(entries, "weight")
        pstarts, entries = kept["postings"].indptr, kept["postings"].entries
        self._pkeys = np.repeat(np.arange(terms, dtype=np.int64) * n, np.diff(pstarts)) + entries["slot"]
        self._pw, self._pin = packed.column(entries, "weight"), packed.column(entries, "inside")
        slots = kept["slots"].entries
        self._norms, self._placed = packed.column(slots, "norm"), packed.column(slots, "placed")
        self._bound_slot, self._bound_score = packed.column(slots, "bound_slot"), packed.column(slots, "bound_score")
        self._top_slot, self._top_score = packed.column(slots, "top_slot"), packed.column(slots, "top_score")
        self._same, self._similar = packed.column(slots, "same"), packed.column(slots, "similar")

    def _slot_dtype(self) -> np.dtype[Any]:
        """A slot's record in the cache: its norm, kept candidates and bound, and shown papers."""
        return np.dtype([("norm", "<f8"), ("bound_slot", "<i4"), ("bound_score", "<f8"),
                         ("top_slot", "<i4", (self.width,)), ("top_score", "<f8", (self.width,)),
                         ("same", "<i4", (self.author_limit,)), ("similar", "<i4", (self.similar_limit,)),
                         ("placed", "<i8")])


_TERM_ROW = np.dtype([("df", "<i4"), ("cbound_w", "<f4"), ("cbound_slot", "<i4"), ("single", "<i4")])
_QUERY = np.dtype([("col", "<i4"), ("weight", "<f4")])
_POSTING = np.dtype([("slot", "<i4"), ("weight", "<f4"), ("inside", "?")])


def _row_dtype(counts: np.dtype[Any]) -> np.dtype[Any]:
    return np.dtype([("col", "<i4"), ("count", counts.newbyteorder("<"))])


_AUTHOR_BUCKETS = 1024
"""The build cache keeps each author's papers in one of this many entries (``_bucket``)."""


def _bucket(author: str) -> int:
    return zlib.crc32(author.encode("utf-8", "surrogatepass")) % _AUTHOR_BUCKETS


def _placing(paper: Paper, newest_first: tuple[int, int, str, str] | None = None) -> int:
    """A 64-bit digest of a paper's authors and place in the catalog's order (``newest_first``:
    its ``_newest_first``, if made already)."""
    place = _newest_first(paper) if newest_first is None else newest_first
    key = repr((tuple(paper.authors), place)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little", signed=True)


def _newest_first(paper: Paper) -> tuple[int, int, str, str]:
    """The catalog's order, ties by id."""
    return (*paper_order(paper), paper.id)


def same_author_papers(papers: Sequence[Paper], limit: int) -> list[list[int]]:
    """For each paper, the indexes of up to ``limit`` other papers sharing an author, newest first.

    ``papers`` must be in catalog order (newest first), so each author's list is too and only its
    first ``limit + 1`` entries can matter: a prolific author costs ``limit`` per paper, not their
    whole bibliography.
    """
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, paper in enumerate(papers):
        for author in dict.fromkeys(paper.authors):
            by_author[author].append(i)
    found: list[list[int]] = []
    for i, paper in enumerate(papers):
        near = {j for author in dict.fromkeys(paper.authors) for j in by_author[author][: limit + 1]}
        near.discard(i)
        found.append(sorted(near)[:limit])
    return found


def related_papers(papers: Sequence[Paper], keywords_of: Callable[[Paper], Sequence[str]],
                   similar_limit: int = SIMILAR_LIMIT, author_limit: int = SAME_AUTHORS_LIMIT,
                   memo: TextMemo[PaperTermCounts] | None = None) -> RelatedLists:
    """Each paper's related papers, by id, from scratch. ``keywords_of`` gives a paper's canonical keywords.

    A paper listed among the same authors' papers is not repeated among the similar ones. ``memo``
    keeps each paper's term counts for the next build (``text_memo``).
    """
    return RelatedIndex(similar_limit, author_limit).update(papers, keywords_of, memo)


def related_in_catalog(catalog: Catalog, memo: TextMemo[PaperTermCounts] | None = None,
                       index: RelatedIndex | None = None, digests: Mapping[str, str] | None = None,
                       executor: Executor | None = None, ahead: CountedAhead | None = None) -> RelatedLists:
    """Each paper's related papers in an indexed catalog, keywords compared in their canonical spelling.

    ``memo``: each paper's term counts, kept from the last build (see ``text_memo``). ``index``:
    the last build's ``RelatedIndex``, updated to this catalog (its ``changed`` then says whose
    related papers changed), ``digests`` each record's digest (``Records.digests``); without an
    index everything is computed from scratch, its rows scored in two processes with an ``executor``
    and its papers' terms counted already if ``ahead`` (``count_terms_ahead``)."""
    return (index or RelatedIndex()).update(
        catalog.papers, lambda p: [k.name for k in catalog.paper_terms[p.id].keywords], memo, digests,
        context=(catalog.vocabulary, _keyword_term_names(catalog)), executor=executor, ahead=ahead)


def _keyword_term_names(catalog: Catalog) -> dict[str, str]:
    """Each keyword term's name, by slug: what a paper's keyword terms are made of besides its record.
    A term is named by its most frequent spelling, so an edit of some of its papers can rename it
    for the others, whose records did not change: the index then looks at every paper again, as
    after a vocabulary change (otherwise those papers kept their old keyword terms until rebuilt)."""
    state = catalog.state
    if state is not None:
        return {slug: name for (kind, slug), (name, _, _) in state.terms.items() if kind == "keywords"}
    return {term.slug: term.name for term in catalog.terms["keywords"]}


_ID = operator.attrgetter("id")
