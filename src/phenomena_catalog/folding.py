"""ASCII folding: the one rule for turning any name or title into plain ASCII letters.

Used for slugs (``urls.slugify``), record ids (``ids``) and title comparison (``same_paper``).
Transliteration is anyascii's: it covers every script Unicode has (Cyrillic, Greek, CJK, ...),
where stripping accents (NFKD) turned "王伟" and "Юрий Бурда" into nothing and left the caller
to invent a name::

    >>> fold("Lénaïc Chizat"), fold("Юрий Бурда"), fold("Straße"), fold("王伟")
    ('Lenaic Chizat', 'Yuriy Burda', 'Strasse', 'WangWei')
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """``text`` transliterated to ASCII (accents dropped, other scripts romanised)."""
    return text if text.isascii() else anyascii(text)
