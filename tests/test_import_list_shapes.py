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


def test_the_issue_lines_import_as_records(tmp_path, monkeypatch, capsys) -> None:
    from phenomena_catalog.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.md").write_text(textwrap.dedent("""\
        # L
        ## Theory
        - [Understanding deep learning requires rethinking generalization](https://openreview.net/forum?id=Sy8gdB9xx) (2017) [[arXiv]](https://arxiv.org/abs/1611.03530)
        - [Deep Double Descent](https://openreview.net/forum?id=B1g5sA4twr) - Nakkiran, Kaplun, Bansal, Yang, Barak, Sutskever. ICLR 2020.
        - [Semi-Supervised Classification with Graph Convolutional Networks](https://arxiv.org/abs/1609.02907) - Kipf, Welling. ICLR 2017.
        1. [Toy Models of Superposition](https://arxiv.org/abs/2209.10652) - Elhage et al. 2022.
        """), encoding="utf-8")
    assert main(["import", "l.md", "--into", "papers", "--added", "2026-11-25"]) == 0
    assert capsys.readouterr().out.startswith(
        "l.md (markdown-items, \"L\"): 4 entries read: 4 new records, 0 merged, 0 unchanged, 0 skipped\n")
    assert sorted(p.name for p in (tmp_path / "papers").glob("[a-z]*.yaml")) == [
        "elhage2022toy.yaml", "kipf2017semi.yaml", "nakkiran2020deep.yaml", "understanding2016deep.yaml"]
    kipf = (tmp_path / "papers" / "kipf2017semi.yaml").read_text(encoding="utf-8")
    assert "authors:\n- Kipf\n- Welling\n" in kipf and "venue: ICLR 2017\n" in kipf and "digest" not in kipf
    assert "arxiv: '1611.03530'" in (tmp_path / "papers" / "understanding2016deep.yaml").read_text(encoding="utf-8")
    assert main(["validate", "--papers", "papers"]) == 0
