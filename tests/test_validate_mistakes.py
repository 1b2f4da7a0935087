"""Validation catches the mistakes contributors really make, each at its file and line with a fix."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phenomena_catalog import validate as validate_module
from phenomena_catalog.cli import main
from phenomena_catalog.models import Paper
from phenomena_catalog.validate import (
    near_duplicate_titles,
    normalized_title,
    titles_near_identical,
)

TOPICS = """\
- id: grokking
  title: Grokking
- id: double-descent
  title: Double descent
"""

GROKKING = """\
title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
authors: [Alethea Power, Yuri Burda]
year: 2022
topics: [grokking]
links:
  paper: https://arxiv.org/abs/2201.02177
arxiv: "2201.02177"
added: 2026-11-23
"""


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write records from inline YAML into papers/ and return a function that validates them."""
    monkeypatch.chdir(tmp_path)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS, encoding="utf-8")

    def write(**records: str) -> Path:
        for name, text in records.items():
            (papers / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return papers

    return write


def validate(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", "--papers", "papers"])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_a_clean_record_passes(catalog, capsys):
    catalog(power2022grokking=GROKKING)
    code, out = validate(capsys)
    assert code == 0, out


def test_same_arxiv_id_names_the_other_file(catalog, capsys):
    catalog(power2022grokking=GROKKING,
            other=GROKKING.replace("Grokking: Generalization", "Grokking, or generalization"))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/power2022grokking.yaml:7: arxiv: the same paper is already in papers/other.yaml "
        "(same arXiv id); keep one record and delete the other\n1 problem found.\n"
    )


def test_same_doi_in_another_case(catalog, capsys):
    a = GROKKING.replace('arxiv: "2201.02177"', 'doi: "10.48550/arXiv.2201.02177"')
    b = a.replace("10.48550/arXiv", "10.48550/ARXIV").replace("Grokking: Generalization", "Grokking again")
    b = b.replace("  paper: https://arxiv.org/abs/2201.02177\n", "").replace("links:\n", "")
    catalog(a=a, b=b)
    code, out = validate(capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "papers/b.yaml:5: doi: the same paper is already in papers/a.yaml (same DOI); "
        "keep one record and delete the other"
    )


def test_titles_equal_once_punctuation_and_case_are_dropped(catalog, capsys):
    other = GROKKING.replace('arxiv: "2201.02177"\n', "").replace("  paper: https://arxiv.org/abs/2201.02177\n", "")
    other = other.replace("links:\n", "").replace("Grokking: Generalization", "grokking - generalization")
    catalog(a=GROKKING, b=other)
    code, out = validate(capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "papers/b.yaml:1: title: the same paper is already in papers/a.yaml (same title); "
        "keep one record and delete the other"
    )


def test_near_identical_title_is_a_duplicate(catalog, capsys):
    typo = GROKKING.replace("Overfitting", "Overfiting").replace('arxiv: "2201.02177"\n', "")
    typo = typo.replace("links:\n  paper: https://arxiv.org/abs/2201.02177\n", "")
    catalog(a=GROKKING, b=typo)
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/b.yaml:1: title: the same paper is already in papers/a.yaml (near-identical title); "
        "keep one record and delete the other\n1 problem found.\n"
    )


def test_near_identical_titles_with_different_arxiv_ids_are_different_papers(catalog, capsys):
    other = GROKKING.replace("Overfitting", "Overfiting").replace("2201.02177", "2201.02178")
    catalog(a=GROKKING, b=other)
    assert validate(capsys)[0] == 0


def test_titles_that_differ_only_in_numbering_are_different_papers():
    assert not titles_near_identical(normalized_title("Tensor Programs for Wide Networks, Part I"),
                                     normalized_title("Tensor Programs for Wide Networks, Part II"))
    assert titles_near_identical(normalized_title("Deep double descent: where bigger models hurt"),
                                 normalized_title("Deep double descent: where biger models hurt"))


def test_near_duplicates_found_with_a_typo_at_either_end_among_many_titles():
    """The neighbourhood search finds a typo at the start or end even with similar titles around."""
    papers = [_paper(f"p{i:05}", f"Scaling laws for neural language models variant {i}") for i in range(200)]
    papers.append(_paper("typo-end", "A theory of grokking in modular arithmetic networkz"))
    papers.append(_paper("orig", "A theory of grokking in modular arithmetic networks"))
    papers.append(_paper("typo-start", "Qtheory of grokking in modular arithmetic networks"))
    pairs = {(a.id, b.id) for a, b in near_duplicate_titles(papers)}
    assert ("orig", "typo-end") in pairs and ("orig", "typo-start") in pairs
    assert all(not a.startswith("p0") for a, _ in pairs)


def test_duplicate_search_compares_each_title_with_a_bounded_number_of_others(monkeypatch):
    """10,000 look-alike titles cost at most 2 * 8 comparisons each, not 50 million pairs.

    (The time it takes is the benchmark's business, not a test's: bench/build_benchmark.py.)
    """
    rng = random.Random(4)
    vocab = ["deep", "neural", "network", "learning", "scaling", "laws", "grokking", "double", "descent", "lottery",
             "ticket", "generalization", "training", "dynamics", "gradient", "implicit", "bias", "kernel", "regime",
             "feature", "infinite", "width", "transformers", "language", "emergent", "in", "of", "the", "a", "on",
             "for", "via", "towards", "understanding"]
    papers = [_paper(f"p{i:05}", " ".join(rng.choice(vocab) for _ in range(rng.randint(4, 12))))
              for i in range(10_000)]
    calls = 0
    real = validate_module.titles_near_identical

    def counting(a: str, b: str) -> bool:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(validate_module, "titles_near_identical", counting)
    near_duplicate_titles(papers)
    assert 0 < calls <= 2 * validate_module._NEIGHBOURS * len(papers)


def _paper(paper_id: str, title: str) -> Paper:
    return Paper.model_construct(id=paper_id, path=f"papers/{paper_id}.yaml", title=title, arxiv=None,
                                 authors=[], year=2020, topics=["x"])


def test_unknown_topic_suggests_the_closest_at_the_item_line(catalog, capsys):
    record = GROKKING.replace("topics: [grokking]", "topics:\n  - double-descent\n  - grokkng")
    catalog(a=record)
    code, out = validate(capsys)
    assert code == 1
    assert out == "papers/a.yaml:6: topics: unknown topic 'grokkng'; did you mean 'grokking'?\n1 problem found.\n"


def test_topic_written_as_its_title_suggests_the_id(catalog, capsys):
    catalog(a=GROKKING.replace("topics: [grokking]", "topics: [Double descent]"))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:4: topics.0: 'Double descent' is not a valid id: use lowercase letters, digits "
        "and dashes; did you mean 'double-descent'?\n1 problem found.\n"
    )


def test_year_before_the_arxiv_submission(catalog, capsys):
    catalog(a=GROKKING.replace("year: 2022", "year: 2021"))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:3: year: 2021 is before the paper appeared on arXiv (2201.02177 is from "
        "January 2022); the year is the first publication's, so write 2022\n1 problem found.\n"
    )


def test_a_venue_year_after_the_arxiv_year_is_fine(catalog, capsys):
    catalog(a=GROKKING.replace("year: 2022", "year: 2023"))
    assert validate(capsys)[0] == 0


def test_year_against_an_old_style_arxiv_id(catalog, capsys):
    record = GROKKING.replace("2201.02177", "hep-th/9901001").replace("year: 2022", "year: 1998")
    catalog(a=record)
    code, out = validate(capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "papers/a.yaml:3: year: 1998 is before the paper appeared on arXiv (hep-th/9901001 is from "
        "January 1999); the year is the first publication's, so write 1999"
    )


def test_arxiv_link_that_disagrees_with_the_arxiv_field(catalog, capsys):
    record = GROKKING.replace("  paper: https://arxiv.org/abs/2201.02177",
                              "  paper: https://arxiv.org/abs/2201.02177\n  pdf: https://arxiv.org/pdf/2201.02771v2.pdf")
    catalog(a=record)
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:7: links.pdf: this arXiv link is to 2201.02771, but arxiv says 2201.02177; "
        "make them the same paper\n1 problem found.\n"
    )


@pytest.mark.parametrize(("doi", "message"), [
    ("https://doi.org/10.1145/3446776", 'write the DOI without the prefix: doi: "10.1145/3446776"'),
    ("doi:10.1145/3446776", 'write the DOI without the prefix: doi: "10.1145/3446776"'),
    ("see 10.1145/3446776.", "'see 10.1145/3446776.' is not a DOI; did you mean doi: \"10.1145/3446776\"?"),
    ("3446776", ("'3446776' is not a DOI; a DOI starts with \"10.\", a registrant number and a slash, "
                 "like \"10.1145/3446776\" (leave the field out if the paper has none)")),
])
def test_malformed_doi_says_what_to_write(catalog, capsys, doi, message):
    catalog(a=GROKKING.replace('arxiv: "2201.02177"', f'doi: "{doi}"'))
    code, out = validate(capsys)
    assert code == 1
    assert out == f"papers/a.yaml:7: doi: {message}\n1 problem found.\n"


def test_author_list_written_as_one_string(catalog, capsys):
    catalog(a=GROKKING.replace("authors: [Alethea Power, Yuri Burda]", 'authors: "Alethea Power, Yuri Burda"'))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:2: authors: write one author per item, e.g. authors: [Ada Lovelace, Alan Turing]\n"
        "1 problem found.\n"
    )


def test_one_author_item_joined_with_and(catalog, capsys):
    record = GROKKING.replace("authors: [Alethea Power, Yuri Burda]",
                              "authors:\n  - Alethea Power and Yuri Burda\n  - Harri Edwards")
    catalog(a=record)
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:3: authors.0: this item looks like several authors; write one author per item, "
        "e.g. authors: [Alethea Power, Yuri Burda]\n1 problem found.\n"
    )


def test_one_author_item_with_several_commas(catalog, capsys):
    catalog(a=GROKKING.replace("authors: [Alethea Power, Yuri Burda]", 'authors: ["Power, A., Burda, Y."]'))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:2: authors.0: this item looks like several authors; write one author per item, "
        "e.g. authors: [Alethea Power, Yuri Burda]\n1 problem found.\n"
    )


def test_family_name_first_is_reported_with_the_name_to_write(catalog, capsys):
    # "Power, Alethea" would get an author page apart from "Alethea Power"'s (issue 9).
    catalog(a=GROKKING.replace("authors: [Alethea Power, Yuri Burda]", 'authors: ["Power, Alethea", "King, Jr."]'))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:2: authors.0: write the name given name first, as printed on the paper: 'Alethea Power' "
        "('Family, Given' gets an author page apart from the same person's other papers)\n1 problem found.\n"
    )


def test_title_with_a_trailing_period(catalog, capsys):
    catalog(a=GROKKING.replace('Datasets"', 'Datasets."'))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:1: title: remove the period at the end of the title (titles are written "
        "without one)\n1 problem found.\n"
    )


def test_title_with_stray_spaces(catalog, capsys):
    catalog(a=GROKKING.replace('"Grokking: Generalization', '" Grokking:  Generalization'))
    code, out = validate(capsys)
    assert code == 1
    assert out == (
        "papers/a.yaml:1: title: the title has a line break or several spaces in a row; use single spaces\n"
        "papers/a.yaml:1: title: the title starts or ends with spaces; remove them\n"
        "2 problems found.\n"
    )


def test_an_arxiv_link_without_the_arxiv_field_still_finds_the_duplicate(catalog, capsys):
    newer = GROKKING.replace('arxiv: "2201.02177"\n', "").replace(
        "https://arxiv.org/abs/2201.02177", "https://arxiv.org/abs/2201.02177v2").replace(
        "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets", "Grokking, retitled").replace(
        "added: 2026-11-23", "added: 2026-11-24")
    # The newer record is the one flagged, whatever the file names' order.
    catalog(**{"a-newer": newer, "b-older": GROKKING})
    code, out = validate(capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "papers/a-newer.yaml:6: links.paper: the same paper is already in papers/b-older.yaml "
        "(same arXiv id); keep one record and delete the other"
    )


_LINK_PIECES = ("](", "<", ">", ")", "(", "]", " ", "\n", "a", "javascript:x", "https://e.org/a", "<a:b>", "mailto:q",
                "data:x", "#top", "/page", "<https://x.org>", "](<javascript:y>)")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINK_PIECES), max_size=14).map("".join))
def test_unsafe_link_targets_are_found_as_the_regular_expression_finds_them(digest: str) -> None:
    """``_digest_link_targets`` tries the link pattern only where a link can start (a "](" or a
    "<"): it finds the targets, in order, that the pattern's ``findall`` finds everywhere."""
    found = [target for match in validate_module._MARKDOWN_LINK_TARGET.findall(digest)
             if not validate_module._SAFE_SCHEME.match(target := match[0] or match[1])]
    assert validate_module._digest_link_targets(digest) == found
