"""README export: the awesome-deep-phenomena format, exact text for a small catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phenomena_catalog.catalog import index_catalog
from phenomena_catalog.exporters.readme import (
    GENERATED_NOTE,
    entry_lines,
    github_anchor,
    readme_markdown,
)
from phenomena_catalog.models import Paper, Topic


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


def test_entry_with_every_part() -> None:
    paper = make_paper(
        "grok",
        title="Grokking: Generalization Beyond Overfitting",
        authors=["Alethea Power", "Yuri Burda"],
        venue="ICLR 2022 Workshop",
        keywords=["Grokking", "Algorithmic Datasets"],
        links={
            "code": "https://github.com/openai/grok",
            "paper": "https://arxiv.org/abs/2201.02177",
            "blog": "https://example.org/grok",
        },
        digest="Networks generalize\nlong after they overfit.\n\nA second paragraph.\n",
    )
    assert entry_lines(paper) == [
        (
            "- Grokking: Generalization Beyond Overfitting. [[paper]](https://arxiv.org/abs/2201.02177)"
            " [[code]](https://github.com/openai/grok) [[blog]](https://example.org/grok)"
        ),
        "  - Alethea Power, Yuri Burda. *ICLR 2022 Workshop*",
        "  - Key Word: Grokking; Algorithmic Datasets.",
        (
            "  - <details><summary>Digest</summary> Networks generalize long after they overfit. "
            "A second paragraph. </details>"
        ),
    ]


def test_entry_with_only_a_title() -> None:
    assert entry_lines(make_paper("q", title="How Good is a Single Basin?")) == [
        "- How Good is a Single Basin?"
    ]


def test_venue_without_authors_and_authors_without_venue() -> None:
    assert entry_lines(make_paper("a", title="T", venue="Nature"))[1] == "  - *Nature*"
    assert entry_lines(make_paper("b", title="T", authors=["Lechao Xiao"]))[1] == "  - Lechao Xiao."


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Empirical Study", "empirical-study"),
        ("Emergence and Phase Transitions", "emergence-and-phase-transitions"),
        ("Neural Tangent Kernel (NTK)", "neural-tangent-kernel-ntk"),
        ("Double descent / Grokking", "double-descent--grokking"),
        ("Théorie", "théorie"),
    ],
)
def test_github_anchor(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor


def test_whole_readme() -> None:
    topics = [
        Topic(id="generalization", title="Generalization", description="Why networks\ngeneralize."),
        Topic(id="grokking", title="Grokking", parent="generalization"),
        Topic(id="theory", title="Theory"),
        Topic(id="theory-2", title="Theory"),
    ]
    papers = [
        make_paper("a", title="Alpha", year=2022, month=3, authors=["Ann"], venue="NeurIPS 2022"),
        make_paper("b", title="Beta", year=2022, month=1, topics=["grokking", "theory"]),
        make_paper(
            "c", title="Gamma", year=2019, links={"paper": "https://arxiv.org/abs/1901.00001"}
        ),
    ]
    catalog = index_catalog(papers, topics, [])
    expected = """\
{note}

# Deep Phenomena

A list.

# Table of Contents

- [Generalization](#generalization)
  - [Grokking](#grokking)
- [Theory](#theory)
- [Theory](#theory-1)

## Generalization

Why networks generalize.

## Grokking

<details>
<summary>Grokking: 2022</summary>

- Alpha.
  - Ann. *NeurIPS 2022*

- Beta.

</details>

<details>
<summary>Grokking: 2019</summary>

- Gamma. [[paper]](https://arxiv.org/abs/1901.00001)

</details>

## Theory

<details>
<summary>Theory: 2022</summary>

- Beta.

</details>

## Theory
"""
    assert readme_markdown(catalog, "Deep Phenomena", "A list.\n") == expected.format(
        note=GENERATED_NOTE
    )


def test_readme_of_one_topic_keeps_its_subtopics_only() -> None:
    topics = [
        Topic(id="generalization", title="Generalization"),
        Topic(id="grokking", title="Grokking", parent="generalization"),
        Topic(id="theory", title="Theory"),
    ]
    catalog = index_catalog([make_paper("a", title="Alpha", topics=["theory"])], topics, [])
    text = readme_markdown(catalog, "T", roots=[catalog.topic("generalization")])
    assert (
        "- [Generalization](#generalization)\n  - [Grokking](#grokking)\n\n## Generalization"
        in text
    )
    assert "Theory" not in text and "Alpha" not in text
