"""'Did you mean ...?': the one rule for suggesting the name a user most likely meant.

Used for unknown fields (``model_errors``), unknown topics in records (``validate``), in
``add --topic``, ``new`` and ``import`` (through ``validate.unknown_topic_message``) and in
``export --topic``, so a typo gets the same suggestion wherever it is typed::

    >>> closest("grokkng", ["grokking", "double-descent"]), closest("Double Descent", ["double-descent"])
    ('grokking', 'double-descent')
    >>> closest("autors", ["title", "authors"], cutoff=0.6), closest("zzz", ["grokking"])
    ('authors', None)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

DEFAULT_CUTOFF = 0.5
"""How alike (difflib ratio) a choice must be to be suggested."""


def closest(word: str, choices: Sequence[str], cutoff: float = DEFAULT_CUTOFF) -> str | None:
    """The choice ``word`` most likely meant: itself written as an id ("Double Descent" ->
    "double-descent"), else the most similar one, else None."""
    if word in choices:
        return word
    as_id = re.sub(r"[^a-z0-9]+", "-", word.lower()).strip("-")
    if as_id in choices:
        return as_id
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff) or difflib.get_close_matches(
        as_id, choices, n=1, cutoff=cutoff)
    return close[0] if close else None
