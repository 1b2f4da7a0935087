"""JSON export: the whole catalog as deterministic, sorted JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from phenomena_catalog.catalog import index_catalog
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.exporters.json import FORMAT, catalog_data, catalog_json, catalog_outline, outlined_catalog_json
from phenomena_catalog.models import KeywordEntry, Paper, Topic
from phenomena_catalog.plan import Planner


def make_paper(paper_id: str, **fields: Any) -> Paper:
    data: dict[str, Any] = {
        "id": paper_id,
        "path": f"papers/{paper_id}.yaml",
        "title": paper_id.title(),
        "year": 2020,
        "topics": ["grokking"],
        "added": dt.date(2026, 11, 23),
    }
    data.update(fields)
    return Paper.model_validate(data)


TOPICS = [
    Topic(id="generalization", title="Generalization", description="Why networks generalize."),
    Topic(id="grokking", title="Grokking", parent="generalization"),
]
KEYWORDS = [
    KeywordEntry(name="Neural Scaling Laws", aliases=["Neural Scaling Law", "scaling laws"])
]


def sample() -> list[Paper]:
    return [
        make_paper("old", year=2017, keywords=["Memorization"], topics=["generalization"]),
        make_paper(
            "grok",
            title="Grokking: Ünïcode",
            year=2022,
            month=1,
            arxiv="2201.02177",
            authors=["Alethea Power"],
            keywords=["scaling laws", "Neural Scaling Law"],
            links={
                "code": "https://github.com/openai/grok",
                "paper": "https://arxiv.org/abs/2201.02177",
            },
            digest="Late **generalization**.\n",
        ),
        make_paper(
            "both",
            year=2022,
            month=1,
            topics=["grokking", "generalization"],
            keywords=["memorization"],
        ),
    ]


def test_layout_of_the_document() -> None:
    data = json.loads(catalog_json(sample(), TOPICS, KEYWORDS))
    assert data["format"] == FORMAT
    assert [p["id"] for p in data["papers"]] == ["both", "grok", "old"]
    grok = data["papers"][1]
    assert grok == {
        "id": "grok",
        "title": "Grokking: Ünïcode",
        "kind": "paper",
        "authors": ["Alethea Power"],
        "year": 2022,
        "month": 1,
        "venue": None,
        "topics": ["grokking"],
        "keywords": ["scaling laws", "Neural Scaling Law"],
        "links": {
            "paper": "https://arxiv.org/abs/2201.02177",
            "code": "https://github.com/openai/grok",
        },
        "arxiv": "2201.02177",
        "doi": None,
        "digest": "Late **generalization**.\n",
        "note": None,
        "added": "2026-11-23",
        "sources": [],
    }
    assert data["topics"] == [
        {
            "id": "generalization",
            "title": "Generalization",
            "description": "Why networks generalize.",
            "parent": None,
            "papers": ["both", "old"],
        },
        {
            "id": "grokking",
            "title": "Grokking",
            "description": "",
            "parent": "generalization",
            "papers": ["both", "grok"],
        },
    ]
    # Spellings fold into the vocabulary's canonical name; other keywords are grouped as the site
    # groups them into pages, named by their most frequent spelling (ties: the first in sort order).
    assert data["keywords"] == [
        {"name": "Memorization", "aliases": [], "papers": ["both", "old"]},
        {
            "name": "Neural Scaling Laws",
            "aliases": ["Neural Scaling Law", "scaling laws"],
            "papers": ["grok"],
        },
    ]


def test_output_is_deterministic_sorted_and_utf8() -> None:
    papers = sample()
    text = catalog_json(papers, TOPICS, KEYWORDS)
    assert text == catalog_json(list(reversed(papers)), TOPICS, KEYWORDS)
    assert text.endswith("}\n")
    assert "Ünïcode" in text  # kept as UTF-8, not \u escapes
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert list(json.loads(text)) == ["format", "keywords", "papers", "topics"]


def test_an_empty_catalog_is_still_a_complete_document() -> None:
    assert catalog_data([], [], []) == {
        "format": FORMAT,
        "papers": [],
        "topics": [],
        "keywords": [],
    }


def test_the_plan_makes_the_outline_of_papers_json_from_the_index_as_the_exporter_makes_it() -> None:
    # papers.json lists papers by order then id, the site by order then file: they differ on ties.
    tied = [make_paper("b-second", title="Same", year=2021, path="papers/a.yaml"),
            make_paper("a-first", title="Same", year=2021, path="papers/b.yaml")]
    for papers in (sample(), [*sample(), *tied]):
        catalog = index_catalog(papers, TOPICS, KEYWORDS)
        planned = Planner(catalog, SiteConfig(), {}, None).catalog_outline
        assert planned == catalog_outline(papers, TOPICS, KEYWORDS)
        assert outlined_catalog_json(planned.head, [p for i in planned.ids for p in papers if p.id == i],
                                     planned.tail) == catalog_json(papers, TOPICS, KEYWORDS, indent=None)
