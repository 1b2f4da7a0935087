"""The id (file name) of a new record: Google-Scholar-style ``{lastname}{year}{firstword}``.

Shared by every command that creates records (``add``, ``new``, ``import``), so an imported paper
and an added one get the same id. Pure: no file access; the caller passes the ids already taken.

    >>> paper_id(["Alethea Power", "Yuri Burda"], 2022,
    ...          "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets")
    'power2022grokking'
    >>> paper_id(["Ravid Shwartz-Ziv"], 2017, "Opening the Black Box of Deep Neural Networks")
    'shwartz-ziv2017opening'
    >>> paper_id(["Frankle, Jonathan"], 2019, "The Lottery Ticket Hypothesis", taken={"frankle2019lottery"})
    'frankle2019lottery-2'
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from phenomena_catalog.urls import slugify

# Words Google Scholar also skips when it picks the title word of a citation key.
_SKIPPED_TITLE_WORDS = frozenset(
    ["a", "an", "the", "on", "of", "in", "at", "to", "for", "and", "or", "by", "with", "from", "is", "are", "do", "does", "can", "how", "what", "why", "when", "where", "which"]
)
# Name suffixes that are not the family name ("Martin Luther King Jr." -> king).
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_WORD = re.compile(r"[a-z0-9]+")


def family_name_slug(author: str) -> str:
    """The family name of one author as an id part ("Lénaïc Chizat" -> "chizat", "Frankle, J." -> "frankle")."""
    # "Last, First" (BibTeX's order) puts the family name before the comma.
    name = author.split(",", 1)[0] if "," in author else author
    words = [slugify(w) for w in name.split()]
    words = [w for w in words if w.replace("-", "") not in _NAME_SUFFIXES] or words
    return words[-1] if words else "anonymous"


def title_word(title: str) -> str:
    """The first significant word of a title, lowercase ASCII ("The Lottery Ticket ..." -> "lottery")."""
    words: list[str] = _WORD.findall(slugify(title).replace("-", " "))
    significant = [w for w in words if w not in _SKIPPED_TITLE_WORDS]
    return (significant or words or ["untitled"])[0]


def paper_id(authors: Sequence[str], year: int, title: str, taken: Container[str] = frozenset()) -> str:
    """``{lastname}{year}{firstword}`` of the first author; ``-2``, ``-3``... when that id is taken."""
    base = f"{family_name_slug(authors[0]) if authors else 'anonymous'}{year}{title_word(title)}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
