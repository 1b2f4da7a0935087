"""The list shapes issue 9 names, each on a small sample: read right, never silently dropped."""

from __future__ import annotations

import textwrap

from phenomena_catalog.importers import detect_format, markdown_items, markdown_table
from phenomena_catalog.importers.base import ParsedList, year_group
from phenomena_catalog.importers.sanity import check_entries


def _items(text: str) -> ParsedList:
    return markdown_items.parse(textwrap.dedent(text), "l.md")


def test_link_dash_authors_venue_year() -> None:
    parsed = _items("""\
        # GNN papers
        ## Convolutions
        - [Semi-Supervised Classification with Graph Convolutional Networks](https://arxiv.org/abs/1609.02907) - Kipf, Welling. ICLR 2017.
        - [Inductive Representation Learning on Large Graphs](https://arxiv.org/abs/1706.02216) - Hamilton, Ying, Leskovec. NeurIPS 2017.
        """)
    first, second = parsed.entries
    assert (first.title, first.authors, first.venue, first.year) == (
        "Semi-Supervised Classification with Graph Convolutional Networks", ("Kipf", "Welling"), "ICLR 2017", 2016)
    assert first.digest is None  # "- Kipf Welling" is the authors, not a digest
    assert second.authors == ("Hamilton", "Ying", "Leskovec")
    assert first.arxiv != second.arxiv and first.sections == ("Convolutions",)


def test_numbered_items_are_read_or_reported() -> None:
    parsed = _items("""\
        # L
        ## Papers
        1. [Toy Models of Superposition](https://arxiv.org/abs/2209.10652) - How models represent more features.
        2. A note without any link
        3. [Rome](https://github.com/kmeng01/rome) - Locating and editing factual associations.
        """)
    assert [e.title for e in parsed.entries] == ["Toy Models of Superposition"]
    assert parsed.entries[0].digest == "How models represent more features"
    assert [(s.line, s.reason) for s in parsed.skipped] == [
        (4, "a list item without a **title** or [title](link)"), (5, "a code repository, not a paper")]


def test_year_in_parentheses_with_a_link() -> None:
    parsed = _items("- **Understanding deep learning requires rethinking generalization** (2017), C. Zhang et al. "
                    "[[pdf]](https://openreview.net/pdf?id=Sy8gdB9xx)\n")
    (entry,) = parsed.entries
    assert (entry.year, entry.authors, entry.links) == (2017, ("C. Zhang",), (("pdf", "https://openreview.net/pdf?id=Sy8gdB9xx"),))


def test_bold_title_with_link_tags() -> None:
    parsed = _items("""\
        ## Survey
        * **Explainability for Large Language Models: A Survey** [[TIST 2024]](https://dl.acm.org/doi/10.1145/3639372) [[arxiv 2309]](https://arxiv.org/abs/2309.01029)
        * **Neuronpedia** [[website]](https://www.neuronpedia.org/)
        """)
    (entry,) = parsed.entries
    assert (entry.title, entry.arxiv, entry.doi, entry.year) == (
        "Explainability for Large Language Models: A Survey", "2309.01029", "10.1145/3639372", 2023)
    assert [s.reason for s in parsed.skipped] == ["links only to project, not to a paper"]


def test_table_with_year_headings_and_short_venues() -> None:
    text = textwrap.dedent("""\
        ## Table of Contents
        - [2023 Venues](#2023)
        ### 2023
        | Title | Venue | Type | Code |
        |:----- |:-----:|:----:|:----:|
        | [Rare Gems: Finding Lottery Tickets at Initialization](https://openreview.net/forum?id=Jpxd93u2vK-) | NeurIPS | `W` | [PyTorch](https://github.com/ksreenivasan/pruning_is_enough) |
        ### Techniques
        | Paper | Techniques | TL;DR |
        | :---- | :--------- | :---- |
        | [Transformer Feed-Forward Layers Build Predictions (EMNLP'22)](https://arxiv.org/pdf/2203.14680) | Logit lens | The paper showed that the logit lens can be used. |
        """)
    module, parsed = detect_format(text, "t.md")
    assert module is markdown_table
    gems, ffn = parsed.entries
    assert (gems.venue, gems.year, gems.sections, gems.links[1][0]) == ("NeurIPS 2023", 2023, (), "code")
    assert (ffn.title, ffn.venue, ffn.keywords, ffn.sections) == (
        "Transformer Feed-Forward Layers Build Predictions", "EMNLP 2022", ("Logit lens",), ("Techniques",))
    assert ffn.digest == "The paper showed that the logit lens can be used."


def test_year_groups_are_never_topics() -> None:
    assert year_group("Topic: 2019 and Before") == ("Topic", None)
    assert year_group("**2022**".strip("*")) == (None, 2022)
    assert year_group("Double Descent") is None


def test_a_paragraph_keyword_becomes_the_digest() -> None:
    parsed = _items("- **A Paper Title** [[paper]](https://arxiv.org/abs/2101.00001)\n")
    from dataclasses import replace

    long = " ".join(["word"] * 40)
    parsed.entries = [replace(parsed.entries[0], keywords=("Grokking", long), authors=("Ada Lovelace", "ICLR 2021"))]
    notes = check_entries(parsed)
    (entry,) = parsed.entries
    assert entry.keywords == ("Grokking",) and entry.digest == long and entry.authors == ("Ada Lovelace",)
    assert [n.reason for n in notes] == [
        "keywords: a 40-word keyword is a sentence, not a keyword; moved to the digest",
        "authors: this 'author' names a venue, so the list was misread here; left out"]
