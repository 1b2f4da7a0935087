"""BibTeX export: entry types, title protection, escaping, and a round trip through bibtexparser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import bibtexparser
import pytest
from bibtexparser import middlewares

from phenomena_catalog.exporters.bibtex import (
    bibtex_entry,
    bibtex_file,
    bibtex_key,
    entry_type,
    latex_escape,
    protect_title,
)
from phenomena_catalog.models import Paper


def make_paper(**fields: Any) -> Paper:
    """A valid paper with sensible defaults for the fields a test does not care about."""
    data: dict[str, Any] = {
        "id": "power2022grokking",
        "path": "papers/power2022grokking.yaml",
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "authors": ["Alethea Power", "Yuri Burda"],
        "year": 2022,
        "topics": ["grokking"],
        "added": dt.date(2026, 11, 23),
    }
    data.update(fields)
    return Paper.model_validate(data)


def parse(text: str) -> Any:
    """Parse BibTeX the way a reference manager would, decoding LaTeX back to Unicode."""
    library = bibtexparser.parse_string(
        text,
        append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()],
    )
    assert library.failed_blocks == []
    return library


def test_full_entry_for_a_workshop_paper_on_arxiv() -> None:
    paper = make_paper(
        month=1,
        venue="ICLR 2022 Workshop",
        arxiv="2201.02177",
        links={
            "paper": "https://arxiv.org/abs/2201.02177",
            "code": "https://github.com/openai/grok",
        },
        keywords=["Grokking", "Algorithmic Datasets"],
    )
    assert bibtex_entry(paper) == (
        "@inproceedings{power2022grokking,\n"
        "  author = {Alethea Power and Yuri Burda},\n"
        "  title = {Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets},\n"
        "  booktitle = {ICLR 2022 Workshop},\n"
        "  year = {2022},\n"
        "  month = jan,\n"
        "  eprint = {2201.02177},\n"
        "  archivePrefix = {arXiv},\n"
        "  url = {https://arxiv.org/abs/2201.02177},\n"
        "  keywords = {Grokking, Algorithmic Datasets}\n"
        "}\n"
    )


def test_journal_article_with_doi_and_no_arxiv() -> None:
    paper = make_paper(
        id="shumailov2024collapse",
        venue="Nature",
        doi="10.1038/s41586-024-07566-y",
        title="AI models collapse when trained on recursively generated data",
        month=7,
        links={"paper": "https://www.nature.com/articles/s41586-024-07566-y"},
    )
    assert bibtex_entry(paper) == (
        "@article{shumailov2024collapse,\n"
        "  author = {Alethea Power and Yuri Burda},\n"
        "  title = {{AI} models collapse when trained on recursively generated data},\n"
        "  journal = {Nature},\n"
        "  year = {2022},\n"
        "  month = jul,\n"
        "  doi = {10.1038/s41586-024-07566-y},\n"
        "  url = {https://www.nature.com/articles/s41586-024-07566-y}\n"
        "}\n"
    )


def test_preprint_is_misc_and_gets_its_arxiv_url_from_the_id() -> None:
    entry = bibtex_entry(make_paper(arxiv="hep-th/9901001"))
    assert entry.startswith("@misc{power2022grokking,\n")
    assert "  eprint = {hep-th/9901001},\n  archivePrefix = {arXiv},\n" in entry
    assert "  url = {https://arxiv.org/abs/hep-th/9901001}\n" in entry
    assert "howpublished" not in entry and "month" not in entry


def test_paper_without_authors_has_no_author_field() -> None:
    assert "author" not in bibtex_entry(make_paper(authors=[]))


@pytest.mark.parametrize(
    ("venue", "kind"),
    [
        ("NeurIPS 2021", "inproceedings"),
        (
            "ICML 2019 Workshop on Identifying and Understanding Deep Learning Phenomena",
            "inproceedings",
        ),
        ("Conference on Learning Theory (COLT) 2020", "inproceedings"),
        ("ICLR 2022 MATH-AI Workshop", "inproceedings"),
        ("Proceedings of the National Academy of Sciences", "article"),
        ("PNAS", "article"),
        ("Journal of Machine Learning Research", "article"),
        ("Transactions on Machine Learning Research", "article"),
        ("TMLR", "article"),
        ("Physical Review E", "article"),
        ("Nature", "article"),
        ("arXiv preprint", "misc"),
        ("OpenAI Blog", "misc"),
        (None, "misc"),
    ],
)
def test_entry_type_follows_the_venue(venue: str | None, kind: str) -> None:
    assert entry_type(venue) == kind


def test_unknown_venue_goes_to_howpublished() -> None:
    entry = bibtex_entry(make_paper(venue="OpenAI Blog"))
    assert entry.startswith("@misc{") and "  howpublished = {OpenAI Blog},\n" in entry


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("LoRA Learns Less and Forgets Less", "{LoRA} Learns Less and Forgets Less"),
        (
            "SGD on Neural Networks Learns Functions of Increasing Complexity",
            "{SGD} on Neural Networks Learns Functions of Increasing Complexity",
        ),
        (
            "Language Models are Few-Shot Learners: GPT-3",
            "Language Models are Few-Shot Learners: {GPT-3}",
        ),
        ("Deep ResNets and L2 Regularization", "Deep {ResNets} and {L2} Regularization"),
        (
            "A Bayesian Perspective on Gaussian Processes",
            "A {Bayesian} Perspective on {Gaussian} Processes",
        ),
        ("Understanding deep learning", "Understanding deep learning"),
        ("Scaling Laws (for GPT-2)", "Scaling Laws (for {GPT-2)}"),
    ],
)
def test_title_braces_protect_acronyms_mixed_case_and_names(title: str, expected: str) -> None:
    assert protect_title(title) == expected


def test_latex_special_characters_are_escaped_and_unicode_kept() -> None:
    assert latex_escape(r"R&D: 100% of $x_i$ #1 ~ {a} ^ b\c") == (
        r"R\&D: 100\% of \$x\_i\$ \#1 \textasciitilde{} \{a\} \textasciicircum{} b\textbackslash{}c"
    )
    assert latex_escape("Lénaïc Chizat — naïve  \n spaces") == "Lénaïc Chizat — naïve spaces"


def test_author_with_and_in_the_name_stays_one_author() -> None:
    entry = bibtex_entry(make_paper(authors=["Lénaïc Chizat", "Research and Development Team"]))
    assert "  author = {Lénaïc Chizat and {Research and Development Team}},\n" in entry


def test_braces_in_urls_and_dois_are_percent_encoded_so_the_file_stays_balanced() -> None:
    entry = bibtex_entry(
        make_paper(doi="10.1000/a{b}", links={"paper": "https://example.org/x?q={1}"})
    )
    assert "  doi = {10.1000/a%7Bb%7D},\n" in entry
    assert "  url = {https://example.org/x?q=%7B1%7D}\n" in entry


def test_key_is_the_record_id() -> None:
    assert bibtex_key(make_paper(id="nakkiran2020deep")) == "nakkiran2020deep"


def test_file_keeps_the_given_order_and_separates_entries() -> None:
    first, second = make_paper(id="b-paper", title="B"), make_paper(id="a-paper", title="A")
    text = bibtex_file([first, second])
    assert text == bibtex_entry(first) + "\n" + bibtex_entry(second)
    assert bibtex_file([]) == ""


def test_round_trip_through_a_bibtex_parser_gives_back_the_fields() -> None:
    tricky = make_paper(
        id="chizat2019lazy",
        title="On Lazy Training in Differentiable Programming: 100% of $x_i$ & R&D #1",
        authors=["Lénaïc Chizat", "Édouard Oyallon", "Francis Bach"],
        venue="NeurIPS 2019",
        year=2019,
        month=12,
        arxiv="1812.07956",
        doi="10.5555/3454287.3454551",
        keywords=["Lazy Training", "Neural Tangent Kernel"],
    )
    plain = make_paper(
        id="zhang2017understanding", title="Understanding deep learning", venue="Nature"
    )
    library = parse(bibtex_file([tricky, plain]))
    assert [(e.entry_type, e.key) for e in library.entries] == [
        ("inproceedings", "chizat2019lazy"),
        ("article", "zhang2017understanding"),
    ]
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["title"] == tricky.title
    assert fields["author"] == tricky.authors
    assert fields["booktitle"] == "NeurIPS 2019"
    assert fields["year"] == "2019"
    assert fields["month"] == "dec"
    assert fields["eprint"] == "1812.07956"
    assert fields["archivePrefix"] == "arXiv"
    assert fields["doi"] == "10.5555/3454287.3454551"
    assert fields["url"] == "https://arxiv.org/abs/1812.07956"
    assert fields["keywords"] == "Lazy Training, Neural Tangent Kernel"


def test_two_processes_sharing_the_entries_make_each_once_and_meet(monkeypatch: pytest.MonkeyPatch) -> None:
    # A build from scratch makes every entry before rendering: the worker beside related papers from
    # the first paper on, the build from the last on, each claiming a paper before making its entry.
    from phenomena_catalog import plan
    from phenomena_catalog.executors import ProcessExecutor

    papers = [make_paper(id=f"p{n:02}", title=f"Paper {n}") for n in range(40)]
    made: list[str] = []
    real = plan.bibtex_entry
    monkeypatch.setattr(plan, "bibtex_entry", lambda paper: (made.append(paper.id), real(paper))[1])
    monkeypatch.setattr(plan, "_BIBTEX", {})
    shares = plan.BibtexShares(papers)
    front = ProcessExecutor(2, background_threshold=0).start(shares.from_front, len(papers))
    shares.from_back()
    entries = front.result()
    plan.remember_bibtex(papers[: len(entries)], entries)
    assert [plan.bibtex_of(paper) for paper in papers] == [real(paper) for paper in papers]
    # (one entry both reached at the same moment may be made twice: by each process)
    assert len(entries) + len(made) - len(papers) in (0, 1) and made == sorted(made, reverse=True)


def test_entries_a_worker_claimed_and_never_handed_back_are_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from phenomena_catalog import plan

    papers = [make_paper(id=f"p{n}", title=f"Paper {n}") for n in range(6)]
    monkeypatch.setattr(plan, "_BIBTEX", {})
    shares = plan.BibtexShares(papers)
    shares._claims[0:2] = bytes([shares._FRONT] * 2)  # (claimed by a worker that died)
    shares.from_back()  # (from the last, up to the worker's claims)
    assert set(plan._BIBTEX) == {"p2", "p3", "p4", "p5"}
    assert shares.from_front() == tuple(map(bibtex_entry, papers[:2]))  # (run again here)
    assert shares.from_front() == tuple(map(bibtex_entry, papers[:2]))
