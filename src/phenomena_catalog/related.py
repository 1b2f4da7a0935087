"""Related papers: for each paper, the most similar others by title, keywords and digest, and the
other papers of its authors. Computed once per build, deterministic (ties broken by id).

Similarity is the cosine of TF-IDF vectors. A paper's terms are its title's words and word pairs,
its keywords (each whole keyword is one term, and its words count too), its digest's words and
word pairs and its topics, with field weights (a title word counts more than a digest word)::

    >>> from phenomena_catalog.related import terms_of
    >>> counts = terms_of("Deep Double Descent", ["Double Descent"], "Bigger models hurt.", ["dd"])
    >>> counts["double descent"], counts["k:double descent"], counts["bigger model"], counts["t:dd"]
    (2, 3, 1, 1)

Scaling: no pair of papers is compared unless they share a term, found through an inverted index,
and the work per paper is bounded whatever the catalog's size: a paper looks for similar papers
through its ``QUERY_TERMS`` heaviest terms only, and each term reaches only the ``POSTING_CAP``
papers where it weighs most. A paper's score is then its dot product with each candidate over
those terms, which the heaviest terms dominate (on the bundled catalog 86% of the exact top 6).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from phenomena_catalog.catalog import Catalog, paper_order
from phenomena_catalog.models import Paper
from phenomena_catalog.text_memo import TextMemo

SIMILAR_LIMIT = 6
"""How many similar papers a paper page lists."""
SAME_AUTHORS_LIMIT = 6
"""How many other papers by the same authors a paper page lists."""
QUERY_TERMS = 24
"""A paper's heaviest terms that look for similar papers (see ``similar_papers``)."""
POSTING_CAP = 40
"""Papers per term that a query reaches: a term's heaviest holders (see ``similar_papers``)."""

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


@dataclass(frozen=True)
class RelatedPapers:
    """What one paper page shows under "Related papers"."""

    similar: tuple[Paper, ...] = ()
    """The most similar papers, most similar first (ties: by id)."""
    same_authors: tuple[Paper, ...] = ()
    """Other papers sharing an author, newest first."""


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
    """A paper's weighted term counts (before IDF); keyword and topic terms are marked ``k:``/``t:``."""
    counts: Counter[str] = Counter()
    title_words = _words(title)
    for term in title_words:
        counts[term] += TITLE_WEIGHT
    for term in map(" ".join, pairwise(title_words)):
        counts[term] += TITLE_WEIGHT
    for keyword in keywords:
        words = _words(keyword)
        counts["k:" + " ".join(words)] += KEYWORD_WEIGHT
        for term in words:
            counts[term] += KEYWORD_WORD_WEIGHT
    if digest:
        words = _words(digest)
        counts.update(words)  # DIGEST_WEIGHT is 1
        counts.update(map(" ".join, pairwise(words)))
    for topic in topics:
        counts["t:" + topic] += TOPIC_WEIGHT
    return counts


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


@dataclass(frozen=True)
class TermMatrix:
    """Unit-length TF-IDF vectors of n papers as a sparse matrix in coordinate form, by row; only
    the entries whose term more than one paper holds, the only ones that can match another paper."""

    rows: np.ndarray
    """The paper (row) of each entry, ascending."""
    cols: np.ndarray
    """The term (column) of each entry."""
    weights: np.ndarray
    """The entry's TF-IDF weight, rows scaled to unit length."""


def tfidf_matrix(term_counts: Iterable[PaperTermCounts]) -> TermMatrix:
    """TF-IDF weights (1 + log count) * log(papers / papers with the term), rows of unit length.

    A term every paper has weighs nothing and is left out; terms are numbered in order of first
    appearance, so the matrix depends only on the input order. The counts are consumed one paper
    at a time into typed arrays: holding every paper's Counter at once took 1.2 GB at 50,000 papers.
    """
    # A term is first numbered by where it first appears among all papers' terms (setdefault and
    # map run in C), then renumbered 0, 1, 2... in that order.
    first_seen: dict[str, int] = {}
    positions = itertools.count()
    cols = array("q")
    counts = array("d")
    lengths = array("q")
    for paper_counts in term_counts:
        if paper_counts.terms:
            cols.extend(map(first_seen.setdefault, paper_counts.terms.split("\n"), positions))
        counts.frombytes(paper_counts.counts)
        lengths.append(len(paper_counts.counts) // counts.itemsize)
    n = len(lengths)
    # Entry indexes are 32-bit and each temporary array is dropped (or reused in place) as soon as
    # it has served: the peak is a few numbers per entry, and there are 8 million entries at
    # 50,000 papers. The arithmetic is the same, operation for operation.
    renumber = np.zeros(len(cols) + 1, dtype=np.int32)
    renumber[np.fromiter(first_seen.values(), dtype=np.int64, count=len(first_seen))] = np.arange(len(first_seen))
    col = renumber[np.frombuffer(cols, dtype=np.int64)]
    del renumber, cols
    df = np.bincount(col, minlength=len(first_seen))
    weight = np.log(np.frombuffer(counts))
    del counts
    weight += 1.0
    idf = n / df[col]
    weight *= np.log(idf, out=idf)  # every field weight is >= 1
    del idf
    row = np.repeat(np.arange(n, dtype=np.int32), np.frombuffer(lengths, dtype=np.int64))
    keep = weight > 0
    if not keep.all():
        row, col, weight = row[keep], col[keep], weight[keep]
    del keep
    norms = np.sqrt(np.bincount(row, weights=weight * weight, minlength=n))
    weight /= norms[row]
    shared = df[col] > 1
    return TermMatrix(row[shared], col[shared], weight[shared])


def _top_per_group(group: np.ndarray, weight: np.ndarray, keep: int) -> np.ndarray:
    """Indexes of the ``keep`` heaviest entries of each group; equal weights keep the input order.

    One stable sort on ``group * 2 + (1 - weight)``: weights lie in (0, 1], so groups stay apart.
    """
    key = 1.0 - weight
    key += group * 2.0
    order = np.argsort(key, kind="stable")
    del key
    sorted_group = group[order]
    # Each entry's place in its group: its index minus where the group starts (in one pass).
    first = np.flatnonzero(np.diff(sorted_group, prepend=sorted_group[:1] - 1))
    del sorted_group
    starts = np.repeat(first, np.diff(np.append(first, len(order))))
    return np.sort(order[np.arange(len(order)) - starts < keep])


def similar_papers(matrix: TermMatrix, ids: Sequence[str], limit: int, query_terms: int = QUERY_TERMS,
                   posting_cap: int = POSTING_CAP, chunk: int = 2048) -> list[list[int]]:
    """For each paper (row), the indexes of the ``limit`` most similar others (score, then id).

    The score is the dot product over the paper's ``query_terms`` heaviest terms, against the
    ``posting_cap`` papers where each such term weighs most: at most query_terms * posting_cap
    candidate pairs a paper, whatever the catalog's size. Scores are summed by a sparse matrix
    product, ``chunk`` papers at a time.
    """
    import scipy.sparse  # type: ignore[import-untyped]  # imported here: only this stage needs it, and it takes a tenth of a second

    n = len(ids)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(n)
    rows, cols, weights = matrix.rows, matrix.cols, matrix.weights
    terms = int(matrix.cols.max()) + 1 if len(matrix.cols) else 0
    query = _top_per_group(rows, weights, query_terms)
    queries = scipy.sparse.csr_matrix((weights[query], (rows[query], cols[query])), shape=(n, terms))
    posting = _top_per_group(cols, weights, posting_cap)
    postings = scipy.sparse.csr_matrix((weights[posting], (cols[posting], rows[posting])), shape=(terms, n))

    found: list[list[int]] = []
    for first in range(0, n, chunk):
        scores = (queries[first : first + chunk] @ postings).tocsr()
        # Rounded so float summation order can never reorder near-equal scores between machines.
        rounded = np.round(scores.data, 9)
        for offset in range(scores.shape[0]):
            start, stop = scores.indptr[offset], scores.indptr[offset + 1]
            candidates = scores.indices[start:stop]
            values = rounded[start:stop]
            kept = candidates != first + offset
            candidates, values = candidates[kept], values[kept]
            if len(values) > limit:
                # Everything at least as high as the limit-th best score (ties at the edge included).
                threshold = np.partition(values, len(values) - limit)[len(values) - limit]
                best = values >= threshold
                candidates, values = candidates[best], values[best]
            order = np.lexsort((id_rank[candidates], -values))[:limit]
            found.append(candidates[order].tolist())
    return found


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
                   memo: TextMemo[PaperTermCounts] | None = None) -> dict[str, RelatedPapers]:
    """Each paper's related papers, by id. ``keywords_of`` gives a paper's canonical keywords.

    A paper listed among the same authors' papers is not repeated among the similar ones. ``memo``
    keeps each paper's term counts for the next build (``text_memo``).
    """
    ordered = sorted(papers, key=lambda p: (*paper_order(p), p.id))
    ids = [p.id for p in ordered]
    matrix = tfidf_matrix(paper_term_counts(p, keywords_of(p), memo) for p in ordered)
    by_authors = same_author_papers(ordered, author_limit)
    similar = similar_papers(matrix, ids, similar_limit + author_limit)
    related = {}
    for i, paper in enumerate(ordered):
        authored = set(by_authors[i])
        alike = [j for j in similar[i] if j not in authored][:similar_limit]
        related[paper.id] = RelatedPapers(tuple(ordered[j] for j in alike),
                                          tuple(ordered[j] for j in by_authors[i]))
    return related


def related_in_catalog(catalog: Catalog, memo: TextMemo[PaperTermCounts] | None = None) -> dict[str, RelatedPapers]:
    """Each paper's related papers in an indexed catalog, keywords compared in their canonical spelling.

    ``memo``: each paper's term counts, kept from the last build (see ``text_memo``)."""
    return related_papers(catalog.papers, lambda p: [k.name for k in catalog.paper_terms[p.id].keywords],
                          memo=memo)
