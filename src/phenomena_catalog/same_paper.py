"""The same-paper rule: when two records (or a record and an imported entry) name one paper.

One rule for ``validate`` (duplicates across files), ``import`` (merging list entries) and
``add``/``new`` (refusing a paper already there), so they cannot disagree:

- the same arXiv id or DOI (DOIs compare case-insensitively): the same paper;
- different arXiv ids or different DOIs: different papers, whatever the titles say;
- otherwise titles decide: equal once normalised (case, accents, punctuation), or near-identical
  (similarity >= ``NEAR_IDENTICAL``) unless they differ only in numbering: "Part I" and "Part II"
  are two papers everywhere.

    >>> part_one, part_two = normalized_title("Deep Learning, Part I"), normalized_title("Deep learning part II")
    >>> titles_near_identical(part_one, part_two), part_one
    (False, 'deep learning part i')
    >>> titles_near_identical(normalized_title("Generalisation in Grokking"), "generalization in grokking")
    True
"""

from __future__ import annotations

import re
from typing import NamedTuple

from phenomena_catalog.folding import fold

NEAR_IDENTICAL = 0.93
"""Similarity (2 * common subsequence / total length) from which two titles count as one."""

_NOT_WORD = re.compile(r"[\W_]+")
_NUMBERING = re.compile(r"^(?:\d+|[ivxlc]+|part)$")


def normalized_title(title: str) -> str:
    """A title reduced to lowercase ASCII letters and digits: case, accents and punctuation do not count."""
    return _NOT_WORD.sub(" ", fold(title).lower()).strip()


def titles_near_identical(a: str, b: str) -> bool:
    """Whether two normalised titles differ only by a typo or two (similarity >= 0.93).

    Titles that differ only in numbering ("... Part I" / "... Part II") are different papers.
    """
    if a == b:
        return True
    # Indel similarity is difflib's ratio computed exactly (2 * LCS / total length), in C++:
    # difflib took 3 s for a 10,000-record catalog's candidate pairs, rapidfuzz takes 0.05 s.
    # (Imported when first needed: a rebuild that checks only an edited record rarely compares
    # titles, and importing rapidfuzz took 10 ms.)
    from rapidfuzz.distance import Indel

    if Indel.normalized_similarity(a, b, score_cutoff=NEAR_IDENTICAL) < NEAR_IDENTICAL:
        return False
    differing = set(a.split()) ^ set(b.split())
    return not (differing and all(_NUMBERING.match(word) for word in differing))


def ids_differ(arxiv_a: str | None, arxiv_b: str | None, doi_a: str | None, doi_b: str | None) -> bool:
    """Whether two papers' identifiers say they are different papers (different arXiv ids or DOIs)."""
    return bool((arxiv_a and arxiv_b and arxiv_a != arxiv_b)
                or (doi_a and doi_b and doi_a.lower() != doi_b.lower()))


class PaperKeys(NamedTuple):
    """What the rule compares: a paper's arXiv id, DOI and normalised title."""

    arxiv: str | None
    doi: str | None
    title: str
    """Already normalised (``normalized_title``)."""


def match(a: PaperKeys, b: PaperKeys) -> str | None:
    """Why ``a`` and ``b`` are the same paper ("same arXiv id", "same DOI", "same title",
    "near-identical title"), or None when they are different papers."""
    if a.arxiv and a.arxiv == b.arxiv:
        return "same arXiv id"
    if a.doi and b.doi and a.doi.lower() == b.doi.lower():
        return "same DOI"
    if ids_differ(a.arxiv, b.arxiv, a.doi, b.doi):
        return None
    if a.title == b.title:
        return "same title"
    if titles_near_identical(a.title, b.title):
        return "near-identical title"
    return None
