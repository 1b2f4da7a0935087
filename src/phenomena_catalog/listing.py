"""How a paper reads in a list: the display strings its list entry and its search result share.

One owner: the list entry template and the search index both call these, so a page rendered by
Jinja and a result drawn by script say the same thing.
"""

from __future__ import annotations

from phenomena_catalog.models import Paper

AUTHORS_SHOWN = 6


def authors_line(paper: Paper) -> str:
    """The first authors, then "et al." ("A, B, C, D, E, F, et al."); empty when none are known."""
    shown = ", ".join(paper.authors[:AUTHORS_SHOWN])
    return shown + ", et al." if len(paper.authors) > AUTHORS_SHOWN else shown


def venue_line(paper: Paper) -> str:
    """Venue and year, the year left out when the venue names it ("NeurIPS 2021", "ICML · 2020")."""
    year = str(paper.year)
    if not paper.venue:
        return year
    return paper.venue if year in paper.venue else f"{paper.venue} · {year}"
