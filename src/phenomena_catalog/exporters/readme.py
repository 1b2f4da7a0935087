"""README export: the catalog as an awesome-list README in the awesome-deep-phenomena format.

A repository can keep its README generated from the records; importing the README with the
``awesome`` importer gives back the same papers (title, authors, year, venue, links, key words,
digest, topics). Each topic is a ``##`` section, its papers grouped by year in collapsible blocks,
newest first. The catalog's records::

    papers/power2022grokking.yaml: title "Grokking: ...", year 2022, venue "ICLR 2022 Workshop",
                                   topics [grokking], keywords [Grokking], links.paper, links.code

become::

    # Paper Catalog

    A curated catalog of research papers.

    # Table of Contents

    - [Generalization](#generalization)
      - [Grokking](#grokking)

    ## Generalization

    ## Grokking

    Generalization that arrives long after the training set is fit.

    <details>
    <summary>Grokking: 2022</summary>

    - Grokking: Generalization Beyond Overfitting. [[paper]](https://arxiv.org/abs/2201.02177) [[code]](https://github.com/openai/grok)
      - Alethea Power, Yuri Burda. *ICLR 2022 Workshop*
      - Key Word: Grokking; Algorithmic Datasets.
      - <details><summary>Digest</summary> Networks generalize long after they overfit. </details>

    </details>

The format has room for one paragraph of digest, so a digest's line and paragraph breaks become
spaces. Subtopics follow their parent as sections of their own (the table of contents shows the
nesting); a paper filed under two topics is listed in both sections.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import groupby

from phenomena_catalog.catalog import Catalog, TopicEntry
from phenomena_catalog.models import Paper

GENERATED_NOTE = (
    "<!-- Generated from the records in papers/ by 'phenomena-catalog export readme'. "
    "Edit the records, not this file. -->"
)
_ANCHOR_DROP = re.compile(r"[^\w\- ]")


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lowercase, punctuation dropped, spaces as dashes."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    return _ANCHOR_DROP.sub("", text).replace(" ", "-")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def entry_lines(paper: Paper) -> list[str]:
    """The lines of one paper's list entry: title and links, then authors and venue, key words, digest."""
    title = _one_line(paper.title)
    if not title.endswith((".", "?", "!")):
        title += "."
    links = "".join(f" [[{kind}]]({url})" for kind, url in paper.links.items())
    lines = [f"- {title}{links}"]
    byline = ", ".join(_one_line(a) for a in paper.authors)
    if byline and not byline.endswith("."):
        byline += "."
    if paper.venue:
        byline = f"{byline} *{_one_line(paper.venue)}*".strip()
    if byline:
        lines.append(f"  - {byline}")
    if paper.keywords:
        lines.append(f"  - Key Word: {'; '.join(_one_line(k) for k in paper.keywords)}.")
    if paper.digest and paper.digest.strip():
        lines.append(f"  - <details><summary>Digest</summary> {_one_line(paper.digest)} </details>")
    return lines


def _tree(roots: Iterable[TopicEntry], depth: int = 0) -> Iterator[tuple[TopicEntry, int]]:
    """Topics depth first, each with its depth: a parent, then its subtopics."""
    for entry in roots:
        yield entry, depth
        yield from _tree(entry.children, depth + 1)


def _topic_section(entry: TopicEntry) -> list[str]:
    lines = [f"## {entry.name}", ""]
    if entry.topic.description.strip():
        lines += [_one_line(entry.topic.description), ""]
    # Catalog order is newest first, so each year's papers are already adjacent and sorted.
    for year, papers in groupby(entry.papers, key=lambda p: p.year):
        lines += ["<details>", f"<summary>{entry.name}: {year}</summary>", ""]
        for paper in papers:
            lines += [*entry_lines(paper), ""]
        lines += ["</details>", ""]
    return lines


def readme_markdown(
    catalog: Catalog,
    title: str,
    description: str = "",
    roots: Iterable[TopicEntry] | None = None,
) -> str:
    """The README text: heading, description, table of contents, then one section per topic.

    ``roots`` limits the README to those topics and their subtopics (default: the whole taxonomy).
    """
    topics = list(_tree(catalog.roots if roots is None else roots))
    lines = [GENERATED_NOTE, "", f"# {_one_line(title)}", ""]
    if description.strip():
        lines += [description.strip(), ""]
    lines += ["# Table of Contents", ""]
    seen: dict[str, int] = {}
    for entry, depth in topics:
        anchor = github_anchor(entry.name)
        # GitHub numbers repeated headings: the second "Theory" is #theory-1.
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        fragment = anchor if count == 0 else f"{anchor}-{count}"
        lines.append(f"{'  ' * depth}- [{entry.name}](#{fragment})")
    lines.append("")
    for entry, _ in topics:
        lines += _topic_section(entry)
    return "\n".join(lines).rstrip("\n") + "\n"
