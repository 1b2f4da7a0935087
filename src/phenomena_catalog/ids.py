"""The id (file name) of a new record: Google-Scholar-style ``{surname}{year}{titleword}``.

The one rule for every command that creates records (``add``, ``new``, ``import`` of any list
format or BibTeX), so an imported paper and an added one get the same id. It is the rule the
bundled ``papers/`` was imported with, so re-importing reproduces those ids exactly. Pure: no file
access; the caller passes the ids already taken.

- **surname**: the first author's family name, lowercase ASCII with accents and apostrophes
  dropped and hyphens kept ("Stéphane d'Ascoli" -> ``dascoli``, "Ravid Shwartz-Ziv" ->
  ``shwartz-ziv``); "Last, First" (BibTeX's order) and suffixes ("Jr.", "III") are understood.
  Without authors, a list's surname hint ("Zhang et al. 2017") stands in; without either, the
  id is ``{titleword}{year}{next title word}``.
- **year**: the venue's year when the venue names one ("ICLR 2019" for a 2018 preprint -> 2019),
  else the record's year.
- **titleword**: the first title word that is not a stopword, as Google Scholar picks it.
- ``-2``, ``-3``... when the id is taken.

Examples (title, authors, year, venue -> id)::

    "Grokking: Generalization Beyond Overfitting ...", [Alethea Power, ...], 2022   -> power2022grokking
    "The Lottery Ticket Hypothesis", [Jonathan Frankle, ...], 2018, "ICLR 2019"     -> frankle2019lottery
      ... when frankle2019lottery is taken                                          -> frankle2019lottery-2
    "Opening the Black Box of Deep Neural Networks", [Ravid Shwartz-Ziv], 2017      -> shwartz-ziv2017opening
    "Über Netze", [Stéphane d'Ascoli], 2020                                         -> dascoli2020uber
    "On the Role of Noise", no authors, 2020                                        -> role2020noise
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from phenomena_catalog.folding import fold

STOPWORDS = frozenset((
    "a", "an", "the", "on", "of", "in", "at", "for", "to", "and", "or", "with", "by", "from", "as",
    "is", "are", "be", "do", "does", "can", "how", "what", "why", "when", "which", "who", "where",
    "towards", "toward", "into", "via",
))
"""Title words skipped when choosing the id's title word, as Google Scholar does."""

# Name suffixes that are not the family name ("Martin Luther King Jr." -> king).
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_WORD_BREAK = re.compile(r"[\s\-–—:/]+")
_NOT_ID_CHAR = re.compile(r"[^a-z0-9]")
_NOT_SURNAME_CHAR = re.compile(r"[^a-z0-9-]")
_VENUE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def paper_id(title: str, authors: Sequence[str], year: int, venue: str | None = None, *,
             author_hint: str = "", taken: Container[str] = frozenset()) -> str:
    """The id of a new record by the module's rule, unique among ``taken``."""
    year = venue_year(venue) or year
    words = title_words(title)
    significant = [w for w in words if w not in STOPWORDS] or words or ["paper"]
    surname = family_name(authors[0]) if authors else family_name(author_hint)
    if surname:
        base = f"{surname}{year}{significant[0]}"
    else:
        base = f"{significant[0]}{year}{significant[1] if len(significant) > 1 else ''}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def family_name(author: str) -> str:
    """One author's family name as an id part ("Frankle, J." -> "frankle"); "" if it has no ASCII."""
    # "Last, First" (BibTeX's order) puts the family name before the comma.
    name = author.split(",", 1)[0] if "," in author else author
    words = [_NOT_SURNAME_CHAR.sub("", _ascii(w).lower()).strip("-") for w in name.split()]
    words = [w for w in words if w]
    words = [w for w in words if w.replace("-", "") not in _NAME_SUFFIXES] or words
    return words[-1] if words else ""


def title_words(title: str) -> list[str]:
    """A title's words in lowercase ASCII ("Don't Decay the Learning-Rate" -> dont, decay, ...)."""
    text = _ascii(title).lower().replace("'", "")
    words = (_NOT_ID_CHAR.sub("", w) for w in _WORD_BREAK.split(text))
    return [w for w in words if w]


def venue_year(venue: str | None) -> int | None:
    """The year a venue names ("NeurIPS 2021" -> 2021), or None."""
    match = _VENUE_YEAR.search(venue) if venue else None
    return int(match.group(1)) if match else None


def _ascii(text: str) -> str:
    return fold(text)
