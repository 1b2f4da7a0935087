"""CSL-JSON export: the catalog as citation items that pandoc, Zotero and citeproc read.

A record (``papers/power2022grokking.yaml``: title, authors Alethea Power and Yuri Burda, 2022,
month 1, venue "ICLR 2022 Workshop", arXiv 2201.02177) becomes::

    {"id": "power2022grokking", "type": "paper-conference",
     "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
     "author": [{"family": "Power", "given": "Alethea"}, {"family": "Burda", "given": "Yuri"}],
     "issued": {"date-parts": [[2022, 1]]}, "container-title": "ICLR 2022 Workshop",
     "number": "2201.02177", "URL": "https://arxiv.org/abs/2201.02177", ...}

The item type follows the venue by the rule BibTeX's entry type uses (``entry_type``): a conference
gives ``paper-conference``, a journal ``article-journal``, a preprint or anything else ``article``.
Names are split at the last space ("Lénaïc Chizat" -> given "Lénaïc", family "Chizat"); a name
without a space is kept whole as a ``literal``. The item id is the record's id, like the BibTeX key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from phenomena_catalog import arxiv_ids
from phenomena_catalog.exporters.bibtex import entry_type
from phenomena_catalog.exporters.json import JoinedText
from phenomena_catalog.models import Paper

CSL_TYPES = {"inproceedings": "paper-conference", "article": "article-journal", "misc": "article"}
"""CSL item type for each BibTeX entry type."""

_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter"})


def csl_name(name: str) -> dict[str, str]:
    """One author as a CSL name: given and family, with lowercase particles ("van der") in the family."""
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    split = len(words) - 1
    while split > 1 and words[split - 1] in _PARTICLES:
        split -= 1
    return {"family": " ".join(words[split:]), "given": " ".join(words[:split])}


def csl_item(paper: Paper, keywords: Iterable[str] = ()) -> dict[str, Any]:
    """The CSL-JSON item of one paper."""
    kind = entry_type(paper.venue)
    item: dict[str, Any] = {"id": paper.id, "type": CSL_TYPES[kind], "title": paper.title}
    if paper.authors:
        item["author"] = [csl_name(author) for author in paper.authors]
    item["issued"] = {"date-parts": [[paper.year, paper.month] if paper.month else [paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.arxiv:
        item["number"] = paper.arxiv
        if kind == "misc":
            item["publisher"] = "arXiv"
    if paper.doi:
        item["DOI"] = paper.doi
    url = paper.links.paper or (arxiv_ids.abs_url(paper.arxiv) if paper.arxiv else None)
    if url:
        item["URL"] = url
    keyword_list = list(keywords)
    if keyword_list:
        item["keyword"] = ", ".join(keyword_list)
    return item


def csl_json(papers: Iterable[Paper], keywords_of: Callable[[Paper], Iterable[str]] | None = None,
             indent: int | None = 2) -> str:
    """A CSL-JSON document: an array of items in the order given. ``keywords_of(paper)`` may give
    each paper's canonical keywords (default: the record's own)."""
    if indent is None:
        return compact_csl_json(papers, lambda p: csl_item_json(p, keywords_of(p) if keywords_of else p.keywords))
    items = [csl_item(p, keywords_of(p) if keywords_of else p.keywords) for p in papers]
    return json.dumps(items, ensure_ascii=False, indent=indent) + "\n"


def csl_item_json(paper: Paper, keywords: Iterable[str] = ()) -> str:
    """One paper's item as the compact ``csl_json`` writes it: a piece of that text."""
    return _ITEM.encode(csl_item(paper, keywords))


_ITEM = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(..., ensure_ascii=False)``'s encoder, made once (``dumps`` makes one a call: 1 us of 12)."""


def compact_csl_json(papers: Iterable[Paper], item_text: Callable[[Paper], str]) -> str:
    """``csl_json(..., indent=None)``: the items are ``item_text(paper)`` (``csl_item_json`` or a
    memo of it), joined as one ``json.dumps`` of the whole array joins them."""
    return "".join(compact_csl_json_pieces(list(papers), item_text))  # one copy of the text


def compact_csl_json_pieces(papers: Sequence[Paper], item_text: Callable[[Paper], str]) -> Iterator[str]:
    """``compact_csl_json``'s text a piece at a time, each item made as it is reached."""
    return compact_csl_json_joined(papers, item_text).pieces()


def compact_csl_json_joined(papers: Sequence[Paper], item_text: Callable[[Paper], str]) -> JoinedText:
    """``compact_csl_json``'s text as its items joined (``JoinedText``)."""
    return JoinedText("[", ", ", "]\n", papers, item_text)
