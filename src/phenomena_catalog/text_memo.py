"""What the plan stage made of each record's text, kept from one build to the next.

Related papers (``related.paper_term_counts``) start with work on one paper's text alone: words,
word pairs, counts (the search index keeps a state of its own, ``search_index.SearchIndexState``).
A ``TextMemo`` remembers those results by a digest of the very text they were made from (not the
record file's digest: a paper's keywords are spelled as the vocabulary says, its topics named as
the taxonomy says), so a rebuild after an edit redoes them for the papers whose text changed only.
What depends on the whole catalog (IDF, the similarity search) is always computed afresh, so the
output is the same as a build from scratch's.

The build cache keeps one memo per kind of work; ``serve`` keeps them in memory::

    >>> memo: TextMemo[int] = TextMemo()
    >>> memo.get(("Deep", "double descent"), lambda: 1), memo.get(("Deep", "double descent"), lambda: 2)
    (1, 1)
    >>> memo.prune(); memo.get(("Deep", "double descent"), lambda: 3)
    1
    >>> memo.prune(); memo.prune(); len(memo)
    0
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class TextMemo(Generic[T]):
    """Results by a digest of the texts they were made from. The code that made them is not in
    the digest: the build cache is discarded whole when the code changes."""

    def __init__(self, remember: bool = True) -> None:
        self._found: dict[bytes, T] = {}
        self._used: dict[bytes, T] = {}
        self._remember = remember
        """False for a memo nothing will read again (a one-shot build's): it holds nothing."""

    @property
    def remembers(self) -> bool:
        """Whether results are kept (a one-shot build's memo keeps none: its users may skip it)."""
        return self._remember

    def get(self, texts: Sequence[str], make: Callable[[], T]) -> T:
        """The result made from ``texts``: remembered, or ``make()``'s, which is then remembered."""
        if not self._remember:
            return make()
        # Each text preceded by its length, so no two lists of texts read the same.
        joined = "".join([f"{len(text)}:{text}" for text in texts])
        key = hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        found = self._used.get(key)
        if found is None:
            found = self._found.get(key)
            if found is None:
                found = make()
            self._used[key] = found
        return found

    def prune(self) -> None:
        """Forget every result not asked for since the last prune (a build prunes when it is done)."""
        self._found, self._used = self._used, {}

    def __len__(self) -> int:
        return len(self._found.keys() | self._used.keys())

    def __getstate__(self) -> dict[str, object]:
        # Only what a build used is worth keeping.
        return {"found": {**self._found, **self._used}}

    def __setstate__(self, state: dict[str, dict[bytes, T]]) -> None:
        self._found, self._used, self._remember = state["found"], {}, True
