"""JSON export: the whole catalog as one deterministic document (the site's ``papers.json``).

Papers are the records as written (every field present, ``null`` when unset; ``links`` lists only the
links that are set) plus their ``id``. Topics and keywords also list the ids of their papers, so a
script can browse the catalog without re-deriving the index::

    {
      "format": "phenomena-catalog/1",
      "keywords": [{"aliases": ["grokking"], "name": "Grokking", "papers": ["power2022grokking"]}],
      "papers": [{"added": "2026-11-23", "arxiv": "2201.02177", "authors": ["Alethea Power"],
                  "digest": "...", "doi": null, "id": "power2022grokking",
                  "keywords": ["grokking"], "links": {"paper": "https://arxiv.org/abs/2201.02177"},
                  "month": 1, "sources": [], "title": "Grokking: ...", "topics": ["grokking"],
                  "venue": "ICLR 2022 Workshop", "year": 2022}],
      "topics": [{"description": "...", "id": "grokking", "papers": ["power2022grokking"],
                  "parent": "generalization", "title": "Grokking"}]
    }

Keys are sorted; papers come newest first (then by title, then id), topics in taxonomy order,
keywords by name. The same records always give byte-identical text, so the file diffs cleanly.
A topic's ``papers`` are those filed directly under it (subtopics list their own).
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from phenomena_catalog.catalog import group_terms, keyword_canonicalizer, paper_order
from phenomena_catalog.models import KeywordEntry, Paper, Topic

FORMAT = "phenomena-catalog/1"
"""Names this document's layout; changes that break readers get a new number."""


def paper_data(paper: Paper) -> dict[str, Any]:
    """One paper as plain JSON values: its record fields and its id."""
    data = paper.model_dump(mode="json", exclude={"path", "links"})
    data["links"] = dict(paper.links.items())
    return data


def catalog_data(
    papers: Iterable[Paper], topics: Iterable[Topic], keywords: Iterable[KeywordEntry] = (),
    paper_value: Callable[[Paper], Any] = paper_data,
) -> dict[str, Any]:
    """The catalog as plain JSON values (see the module docstring for the layout); each paper is
    ``paper_value(paper)``."""
    ordered = sorted(papers, key=lambda p: (*paper_order(p), p.id))
    vocabulary = list(keywords)
    canonical = keyword_canonicalizer(vocabulary)

    by_topic: dict[str, list[str]] = defaultdict(list)
    for paper in ordered:
        for topic_id in dict.fromkeys(paper.topics):
            by_topic[topic_id].append(paper.id)
    # Keywords are grouped exactly as the site groups them into pages (one rule: catalog.group_terms).
    grouped = group_terms((canonical(k), p) for p in ordered for k in p.keywords)
    by_keyword = {name: list(dict.fromkeys(p.id for p in found)) for name, found in grouped.values()}
    return catalog_layout([paper_value(p) for p in ordered], topics, vocabulary, by_topic, by_keyword)


def catalog_layout(papers: list[Any], topics: Iterable[Topic], vocabulary: list[KeywordEntry],
                   by_topic: Mapping[str, list[str]], by_keyword: Mapping[str, list[str]]) -> dict[str, Any]:
    """``catalog_data`` of the papers' values in the document's order (by ``paper_order``, then
    id), the ids of each topic's papers and of each keyword's (by the keyword's term name, as the
    site groups them: ``catalog.group_terms``), in that order too."""
    spellings = {name.casefold(): name for name in by_keyword}
    for entry in vocabulary:
        spellings.setdefault(entry.name.casefold(), entry.name)

    aliases = {entry.name: sorted(entry.aliases) for entry in vocabulary}
    return {
        "format": FORMAT,
        "papers": papers,
        "topics": [
            {**topic.model_dump(mode="json"), "papers": by_topic.get(topic.id, [])}
            for topic in topics
        ],
        "keywords": [
            {"name": name, "aliases": aliases.get(name, []), "papers": by_keyword.get(name, [])}
            for name in sorted(spellings.values(), key=lambda n: (n.casefold(), n))
        ],
    }


def catalog_json(
    papers: Iterable[Paper],
    topics: Iterable[Topic],
    keywords: Iterable[KeywordEntry] = (),
    indent: int | None = 2,
) -> str:
    """The catalog as deterministic JSON text (sorted keys, UTF-8, final newline).

    Indented for files kept in a repository; ``indent=None`` writes it compactly (and about 10x
    faster, since only then does ``json`` use its C encoder), as the site does.
    """
    if indent is None:
        return compact_catalog_json(papers, topics, keywords)
    data = catalog_data(papers, topics, keywords)
    return json.dumps(data, sort_keys=True, indent=indent, ensure_ascii=False) + "\n"


_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def paper_json(paper: Paper) -> str:
    """One paper's object as the compact ``catalog_json`` writes it: a piece of that text."""
    return _COMPACT.encode(paper_data(paper))


class CatalogOutline(NamedTuple):
    """``papers.json`` without its papers' objects: their ids in the document's order, and the text
    before and after them. It depends on the papers' order, topics and keywords only, so a site
    rebuilt after a digest edit joins the last build's outline with each paper's object again."""

    ids: tuple[str, ...]
    head: str
    tail: str


def catalog_outline(papers: Iterable[Paper], topics: Iterable[Topic], keywords: Iterable[KeywordEntry] = ()
                    ) -> CatalogOutline:
    """The ``CatalogOutline`` of the compact ``catalog_json``."""
    return outline_of(catalog_data(papers, topics, keywords, paper_value=_ID))


def outline_of(data: dict[str, Any]) -> CatalogOutline:
    """The ``CatalogOutline`` of ``catalog_data`` whose papers' values are their ids."""
    head: list[str] = []
    tail: list[str] = []
    parts, ids = head, ()
    for key, value in sorted(data.items()):
        parts += [",", _COMPACT.encode(key), ":"]
        if key == "papers":
            parts.append("[")
            ids, parts = tuple(value), tail
            parts.append("]")
        else:
            parts.append(_COMPACT.encode(value))
    head[0] = "{"
    tail.append("}\n")
    return CatalogOutline(ids, "".join(head), "".join(tail))


def outlined_catalog_json(head: str, papers: Sequence[Paper], tail: str,
                          paper_text: Callable[[Paper], str] = paper_json) -> str:
    """The compact ``catalog_json`` from its outline's ``head`` and ``tail`` and its ``papers`` in
    the outline's order, each paper's object ``paper_text(paper)`` (``paper_json`` or a memo of it)."""
    # One join of every piece: one copy of the text (80 MB at 50,000 papers), not one per nesting level.
    return "".join(outlined_catalog_json_pieces(head, papers, tail, paper_text))


def outlined_catalog_json_pieces(head: str, papers: Sequence[Paper], tail: str,
                                 paper_text: Callable[[Paper], str] = paper_json) -> Iterator[str]:
    """``outlined_catalog_json``'s text a piece at a time, each paper's object made as it is
    reached: a build writes them to the file as they come, never holding the whole text."""
    return outlined_catalog_json_joined(head, papers, tail, paper_text).pieces()


def outlined_catalog_json_joined(head: str, papers: Sequence[Paper], tail: str,
                                 paper_text: Callable[[Paper], str] = paper_json) -> JoinedText:
    """``outlined_catalog_json``'s text as its papers' objects joined between its outline's head and tail."""
    return JoinedText(head, ",", tail, papers, paper_text)


class JoinedText(NamedTuple):
    """A text made of one piece per paper joined by ``separator``, between ``head`` and ``tail``
    (``papers.json``, the CSL-JSON file, a topic's ``.bib``): a build writes it a piece at a time
    (``pieces``), or splices the pieces that changed into the last build's file
    (``write.write_joined``)."""

    head: str
    separator: str
    tail: str
    papers: Sequence[Paper]
    piece: Callable[[Paper], str]
    """A paper's piece of the text."""

    def pieces(self) -> Iterator[str]:
        """The text a piece at a time, each paper's made as it is reached."""
        if self.head:
            yield self.head
        yield from joined_pieces(map(self.piece, self.papers), self.separator)
        if self.tail:
            yield self.tail


def compact_catalog_json(
    papers: Iterable[Paper],
    topics: Iterable[Topic],
    keywords: Iterable[KeywordEntry] = (),
    paper_text: Callable[[Paper], str] = paper_json,
) -> str:
    """``catalog_json(..., indent=None)``: the papers' objects are ``paper_text(paper)`` (``paper_json``
    or a memo of it, so a site rebuilt after one edit encodes one paper, not all of them), joined
    into the very text one ``json.dumps`` of the whole document gives."""
    papers = list(papers)
    outline = catalog_outline(papers, topics, keywords)
    by_id = {paper.id: paper for paper in papers}
    return outlined_catalog_json(outline.head, [by_id[paper_id] for paper_id in outline.ids], outline.tail,
                                 paper_text)


def joined_pieces(pieces: Iterable[str], separator: str) -> Iterator[str]:
    """``pieces`` as they come, with ``separator`` between each two (``separator.join`` a piece at a time)."""
    first = True
    for piece in pieces:
        if not first:
            yield separator
        first = False
        yield piece


_ID = operator.attrgetter("id")
