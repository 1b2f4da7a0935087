"""Two different names that would share one author, keyword or venue page: an error, not a merge.

Terms are grouped by slug (``catalog.group_terms``), so spellings of one name ("Lénaïc Chizat",
"Lenaic Chizat"; "Grokking", "grokking") share a page, as they should. Names that are different
once case, accents and punctuation are set aside ("王伟" and "汪伟", both "wangwei" in Latin letters)
would share it too, and one person's page would list another's papers. This check finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from phenomena_catalog import urls
from phenomena_catalog.catalog import keyword_canonicalizer, venue_series
from phenomena_catalog.errors import Problem
from phenomena_catalog.folding import fold
from phenomena_catalog.records import Records

_NOT_LETTER = re.compile(r"[\W_]+")


def _latin(char: str) -> bool:
    return ord(char) <= 0x024F or 0x1E00 <= ord(char) <= 0x1EFF


def identity(name: str) -> str:
    """What makes two spellings one name: letters and digits, without case or Latin accents.

        >>> identity("Stanisław Jastrzębski") == identity("Stanislaw Jastrzebski"), identity("王伟") == identity("汪伟")
        (True, False)
    """
    folded = "".join(fold(c) if _latin(c) else c for c in name)
    return _NOT_LETTER.sub("", folded.casefold())


def slug_clashes(records: Records) -> list[Problem]:
    """One problem for each name that would share its page with a different name, at the later record."""
    canonical = keyword_canonicalizer(records.keywords)
    kinds: list[tuple[str, str, Callable[[str], str]]] = [
        ("authors", "authors", lambda name: name),
        ("keywords", "keywords", canonical),
        ("venues", "venue", venue_series),
    ]
    problems = []
    for kind, field_name, term_of in kinds:
        # A first pass in file order finds the clashing slugs; almost always there are none. A
        # spelling met again would find what it found the first time: each is looked at once.
        first: dict[str, str] = {}
        clashing: set[str] = set()
        met: set[str] = set()
        for paper in records.papers:
            values = getattr(paper, field_name)
            for name in [values] if isinstance(values, str) else values or ():
                if name in met:
                    continue
                met.add(name)
                term = term_of(name)
                slug = urls.slugify(term)
                seen = first.setdefault(slug, term)
                if seen != term and identity(seen) != identity(term):
                    clashing.add(slug)
        if not clashing:
            continue
        first_seen: dict[str, dict[str, tuple[str, str]]] = {}
        for paper in sorted(records.papers, key=lambda p: (p.added.isoformat(), p.path)):
            values = getattr(paper, field_name)
            names = [values] if isinstance(values, str) else list(values or [])
            for position, name in enumerate(names):
                term = term_of(name)
                slug = urls.slugify(term)
                if slug not in clashing:
                    continue
                owners = first_seen.setdefault(slug, {})
                key = identity(term)
                if key not in owners and owners:
                    path, other_name = next(iter(owners.values()))
                    where = field_name if isinstance(values, str) else f"{field_name}.{position}"
                    line = records.lines_of(paper.id).get(where)
                    problems.append(Problem(paper.path, line, where, (
                        f"'{name}' and '{other_name}' (in {path}) are different names with one page, "
                        f"{urls.term_url(kind, slug)}; if they are the same, spell them the same way; "
                        f"if not, write this one as printed on the paper, in Latin letters")))
                owners.setdefault(key, (paper.path, term))
    return problems
