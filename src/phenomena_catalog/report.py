"""The state of a catalog in figures: how complete its records are, and how its topics and keywords fill.

Pure functions over an indexed ``Catalog``; ``commands/report.py`` prints them. The figures are the
ones a curator watches: the share of records with each field, per source list (a record counts for
every list it came from; records added by hand count as "(added by hand)"), the papers under each
topic, and how many keyword pages hold more than one paper::

    source                   records     authors       venue ...
    all                          425   258 (61%)   229 (54%) ...
    Awesome Deep Phenomena       254  254 (100%)   124 (49%) ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from phenomena_catalog.catalog import Catalog
from phenomena_catalog.errors import counted
from phenomena_catalog.models import Paper

BY_HAND = "(added by hand)"
"""The source column of records that name no list in ``sources``."""

FIELDS: dict[str, Callable[[Paper], bool]] = {
    "authors": lambda p: bool(p.authors),
    "venue": lambda p: bool(p.venue),
    "month": lambda p: p.month is not None,
    "digest": lambda p: bool(p.digest),
    "keywords": lambda p: bool(p.keywords),
    "arxiv": lambda p: bool(p.arxiv),
    "doi": lambda p: bool(p.doi),
    "arxiv or doi": lambda p: bool(p.arxiv or p.doi),
    "code link": lambda p: p.links.code is not None,
}
"""Each field the table counts, and when a record has it."""


@dataclass(frozen=True)
class Completeness:
    """How many records of a group have each field."""

    group: str
    total: int
    present: dict[str, int]


@dataclass(frozen=True)
class KeywordFigures:
    pages: int
    """Keyword pages (distinct keywords after folding spellings)."""
    shared: int
    """Pages that hold two papers or more."""


def completeness(papers: Sequence[Paper]) -> list[Completeness]:
    """The whole catalog first, then each source list (largest first), then hand-added records."""
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        for source in paper.sources or [BY_HAND]:
            groups.setdefault(source, []).append(paper)
    order = sorted(groups, key=lambda g: (g == BY_HAND, -len(groups[g]), g))
    return [_count("all", papers)] + [_count(group, groups[group]) for group in order]


def _count(group: str, papers: Sequence[Paper]) -> Completeness:
    return Completeness(group, len(papers), {name: sum(has(p) for p in papers) for name, has in FIELDS.items()})


def kinds(papers: Sequence[Paper]) -> Counter[str]:
    """Records by kind (paper, blog-post, ...)."""
    return Counter(p.kind for p in papers)


def topic_counts(catalog: Catalog) -> list[tuple[str, int, int]]:
    """(topic id, papers filed directly under it, distinct papers with its subtopics), taxonomy order."""
    return [(t.id, len(t.papers), t.total) for t in catalog.topics]


def keyword_figures(catalog: Catalog) -> KeywordFigures:
    """How many keyword pages there are and how many hold two papers or more."""
    counts = Counter(term.slug for paper in catalog.papers for term in catalog.paper_terms[paper.id].keywords)
    return KeywordFigures(len(counts), sum(n >= 2 for n in counts.values()))


def _percent(part: int, whole: int) -> str:
    return f"{part:,} ({round(100 * part / whole) if whole else 0}%)"


def format_report(catalog: Catalog) -> str:
    """The report as plain text: completeness table, kinds, topics, keywords."""
    papers = list(catalog.papers)
    table = completeness(papers)
    heads = ["source", "records", *FIELDS]
    rows = [[c.group, f"{c.total:,}"] + [_percent(c.present[name], c.total) for name in FIELDS] for c in table]
    widths = [max(len(row[i]) for row in [heads, *rows]) for i in range(len(heads))]
    lines = [f"Completeness of {counted(len(papers), 'record')} (records that have each field, by source list)", ""]
    for row in [heads, ["-" * w for w in widths], *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines += ["", "Records by kind: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds(papers).items()))]
    lines += ["", "Papers per topic (filed directly / with subtopics)"]
    topics = topic_counts(catalog)
    width = max((len(t) for t, _, _ in topics), default=0)
    lines += [f"  {topic.ljust(width)}  {own:6,}  {total:6,}" for topic, own, total in topics]
    figures = keyword_figures(catalog)
    share = round(100 * figures.shared / figures.pages) if figures.pages else 0
    lines += ["", f"Keyword pages: {figures.pages:,}, of which {figures.shared:,} ({share}%) hold two papers or more"]
    return "\n".join(lines) + "\n"
